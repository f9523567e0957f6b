"""A loopback TCP proxy the tests can cut, to lose "Wi-Fi" for real.

Playwright's offline mode leaves open websockets alone (../shared/STACK.md), so a test
that needs a dropped socket puts this between the browser and the server and calls
``cut()``: every open connection is closed and new ones are refused until ``resume()``.
``stall()`` is the other way networks fail (a captive portal, a sleeping access point):
connections stay open and new ones are accepted, but no byte passes until ``unstall()``.
``ws_open()`` counts the websocket connections currently open through the proxy.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

from tests.pg import free_port


class CuttableProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._flowing: asyncio.Event | None = None
        self._ws: set[asyncio.StreamWriter] = set()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._call(self._listen())

    def _call(self, coro):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    async def _listen(self) -> None:
        if self._flowing is None:
            self._flowing = asyncio.Event()
            self._flowing.set()
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        flowing = self._flowing
        assert flowing is not None
        self._writers.add(writer)
        await flowing.wait()  # a stalled network accepts, then passes nothing
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            self._writers.discard(writer)
            return
        self._writers.add(up_writer)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter,
                       upward: bool) -> None:
            first = True
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    if upward and first and data.startswith(b"GET ") and \
                            b"upgrade: websocket" in data.lower():
                        self._ws.add(writer)
                    first = False
                    await flowing.wait()
                    dst.write(data)
                    await dst.drain()
            with contextlib.suppress(Exception):
                await flowing.wait()  # even the end of a connection waits for the network
                dst.close()

        await asyncio.gather(pipe(reader, up_writer, True), pipe(up_reader, writer, False))
        self._writers.difference_update({writer, up_writer})
        self._ws.discard(writer)

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for w in list(self._writers):
            with contextlib.suppress(Exception):
                w.transport.abort()  # like a vanished Wi-Fi: no closing handshake
        self._writers.clear()
        self._ws.clear()

    async def _set_flowing(self, on: bool) -> None:
        assert self._flowing is not None
        if on:
            self._flowing.set()
        else:
            self._flowing.clear()

    def stall(self) -> None:
        self._call(self._set_flowing(False))

    def unstall(self) -> None:
        self._call(self._set_flowing(True))

    def ws_open(self) -> int:
        """Websocket connections open through the proxy right now."""
        async def count() -> int:
            return len(self._ws)

        return int(self._call(count()))

    def cut(self) -> None:
        self._call(self._cut())

    def resume(self) -> None:
        self._call(self._listen())

    def retarget(self, port: int) -> None:
        """Send new connections to another server (a load balancer's failover)."""
        self.target_port = port

    def close(self) -> None:
        self._call(self._set_flowing(True))
        self._call(self._cut())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()
