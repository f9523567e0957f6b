"""The baseline server for bench/fanout.py: plain ``websockets``, no framework.

Clients connect to /; the driver connects to /control and sends payloads, which are
broadcast as they are to every client with ``websockets.broadcast``.  The second
argument, ``deflate`` (the default) or ``none``, sets permessage-deflate.
"""

from __future__ import annotations

import asyncio
import sys

import websockets
from websockets.asyncio.server import ServerConnection, broadcast, serve

clients: set[ServerConnection] = set()


async def handler(ws: ServerConnection) -> None:
    if ws.request is not None and ws.request.path == "/control":
        async for message in ws:
            broadcast(clients, message)
        return
    clients.add(ws)
    try:
        await ws.wait_closed()
    finally:
        clients.discard(ws)


async def main(port: int, compression: str) -> None:
    # "deflate" is websockets' default; "none" matches movements' default (no
    # permessage-deflate), so both servers do the same work per socket.
    async with serve(handler, "127.0.0.1", port, ping_interval=None, max_queue=None,
                     compression=None if compression == "none" else "deflate"):
        await asyncio.Future()


if __name__ == "__main__":
    _ = websockets
    asyncio.run(main(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "deflate"))
