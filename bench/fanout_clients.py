"""Websocket clients for bench/fanout.py, run as separate processes.

Opens COUNT sockets, says hello on each (the movements protocol) or nothing (raw), then
records, per message number, how long after its stamp each socket received it (the
stamp is the server's commit time for movements, the send time for the raw baseline;
wall clock of the same machine).  Writes JSON to --out.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time

import websockets

HEADER = re.compile(r"^<!--sync stream=\S+ from=\d+ seq=(\d+) kind=(\w+)(?: at=([\d.]+))?-->")


async def one(url: str, headers: dict[str, str], hello: bool, expect: int,
              received: dict[int, list[float]], ready: asyncio.Event, counter: list[int],
              total: int, deadline: float) -> None:
    """Records (message number, delay in ms from its send/commit stamp)."""
    async with websockets.connect(url, additional_headers=headers, open_timeout=60,
                                  max_queue=None, ping_interval=None) as ws:
        if hello:
            await ws.send(json.dumps({"hello": {"after": None}}))
            while True:  # wait for the snapshot
                raw = await ws.recv()
                m = HEADER.match(raw if isinstance(raw, str) else raw.decode())
                if m and m.group(2) == "snapshot":
                    break
        counter[0] += 1
        if counter[0] == total:
            ready.set()
        got = 0
        while got < expect and time.monotonic() < deadline:
            try:
                raw = await asyncio.wait_for(ws.recv(), deadline - time.monotonic())
            except TimeoutError:
                break
            now = time.time() * 1000
            text = raw if isinstance(raw, str) else raw.decode()
            if hello:
                m = HEADER.match(text)
                if not m or m.group(2) != "event" or not m.group(3):
                    continue
                number, stamp = int(m.group(1)), float(m.group(3))
            else:
                number, stamp = int(text[:12]), float(text[12:30])
            received.setdefault(number, []).append(now - stamp)
            got += 1


async def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--cookie", default="")
    p.add_argument("--origin", default="")
    p.add_argument("--raw", action="store_true")
    p.add_argument("--expect", type=int, required=True)
    p.add_argument("--ready-file", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--timeout", type=float, default=180)
    a = p.parse_args()
    headers = {}
    if a.cookie:
        headers["Cookie"] = a.cookie
    if a.origin:
        headers["Origin"] = a.origin
    received: dict[int, list[float]] = {}
    ready = asyncio.Event()
    counter = [0]
    deadline = time.monotonic() + a.timeout
    tasks = []
    for i in range(a.count):
        tasks.append(asyncio.create_task(one(a.url, headers, not a.raw, a.expect, received,
                                             ready, counter, a.count, deadline)))
        if i % 50 == 49:
            await asyncio.sleep(0.05)  # do not SYN-flood our own server
    await ready.wait()
    with open(a.ready_file, "w") as f:
        f.write(str(counter[0]))
    await asyncio.gather(*tasks, return_exceptions=True)
    with open(a.out, "w") as f:
        json.dump({str(k): v for k, v in received.items()}, f)


if __name__ == "__main__":
    asyncio.run(main())
