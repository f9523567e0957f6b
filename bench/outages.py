"""Outages: hundreds of network failures under a board in Chromium (issue 20).

A coordinator's board runs in Debian's Chromium behind a loopback proxy that drops
(resets and refuses), stalls (holds every byte) or drops for long (more changes than
the server replays) the connection, while another coordinator changes gates and
estimates straight on the server.  For each outage: the time from the network's return
to a board equal to a fresh render, whether STALE showed, and the sockets held after
(the page's own count and the proxy's open websocket tunnels).

Baseline, same run: the time from a change to the board showing it with no outage (the
push path alone).  Target (issue 20): every outage converges; p95 <= 1 s, max <= 2 s;
exactly one socket per page after every trial.

    python bench/outages.py [--trials 200] [--heartbeat 1.0] [--replay-limit 3]
"""

from __future__ import annotations

import argparse
import collections
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench._common import summary, table, write_json  # noqa: E402
from movements.domain.clock import local_date  # noqa: E402
from movements.platform.db import Database  # noqa: E402
from movements.platform.migrate import upgrade  # noqa: E402
from tests.browser.conftest import ARGS, CHROMIUM, signed_in  # noqa: E402
from tests.conftest import run_async  # noqa: E402
from tests.live import sign_in, start_server  # noqa: E402
from tests.outages import Harness, Outcome, Trial, mixed_trials, seed_two_departures  # noqa: E402
from tests.proxy import CuttableProxy  # noqa: E402
from tests.web.conftest import PASSWORD  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--baseline", type=int, default=20)
    parser.add_argument("--heartbeat", type=float, default=1.0)
    parser.add_argument("--replay-limit", type=int, default=3)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="outages-"))
    db = work / "outages.sqlite3"
    url = f"sqlite+aiosqlite:///{db}"

    async def migrate() -> None:
        database = Database.open(url)
        await upgrade(database.engine)
        await database.dispose()

    run_async(migrate())
    day = local_date(datetime.now(UTC), "Europe/Amsterdam").isoformat()
    world, _, later = seed_two_departures(url, day)
    server = start_server(url, work, extra_env={
        "MOVEMENTS_HEARTBEAT_SECONDS": str(args.heartbeat),
        "MOVEMENTS_REPLAY_LIMIT": str(args.replay_limit)})
    proxy = CuttableProxy(server.port)
    via = f"http://127.0.0.1:{proxy.port}"
    client, csrf = sign_in(server.base, "coord", PASSWORD)
    outcomes: list[Outcome] = []
    baseline: list[Outcome] = []
    started = time.monotonic()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            ctx, page = signed_in(browser, via, "coord")
            page.goto(f"{via}/board?date={day}")
            page.wait_for_function("() => window.movementsLive && "
                                   "movementsLive.counters().messages > 0")
            harness = Harness(page, proxy, client, csrf, day,
                              [world.departure_id, later])  # type: ignore[attr-defined]
            for _ in range(args.baseline):
                baseline.append(harness.run(Trial("none", 0.0, 1)))
            for i, trial in enumerate(mixed_trials(args.trials, args.replay_limit,
                                                   args.heartbeat)):
                out = harness.run(trial)
                outcomes.append(out)
                if not out.converged or (out.page_sockets, out.proxy_sockets) != (1, 1):
                    print(f"trial {i} {trial}: converged={out.converged} "
                          f"sockets page={out.page_sockets} proxy={out.proxy_sockets}")
            counters = page.evaluate("() => movementsLive.counters()")
            ctx.close()
            browser.close()
    finally:
        client.close()
        proxy.close()
        server.stop()
        shutil.rmtree(work, ignore_errors=True)

    rows = []
    base = summary([o.converge_s for o in baseline])
    rows.append(["none (baseline: push only)", base["n"], len(baseline),
                 base["p50"], base["p95"], max(o.converge_s for o in baseline), "", ""])
    results: dict[str, object] = {"args": vars(args), "baseline": base}
    for kind in ("drop", "stall", "long", "all"):
        chosen = [o for o in outcomes if kind == "all" or o.trial.kind == kind]
        times = [o.converge_s for o in chosen if o.converged]
        s = summary(times)
        stale_due = [o for o in chosen if o.trial.seconds > 2.2 * args.heartbeat + 0.5]
        rows.append([kind, len(chosen), sum(o.converged for o in chosen), s["p50"], s["p95"],
                     max(times) if times else float("nan"),
                     f"{sum(o.stale_shown for o in stale_due)}/{len(stale_due)}",
                     sum((o.page_sockets, o.proxy_sockets) == (1, 1) for o in chosen)])
        results[kind] = {**s, "max": max(times) if times else None,
                         "converged": sum(o.converged for o in chosen), "trials": len(chosen),
                         "stale_when_due": [sum(o.stale_shown for o in stale_due),
                                            len(stale_due)]}
    sockets = collections.Counter((o.page_sockets, o.proxy_sockets) for o in outcomes)
    results["sockets_after"] = {f"page={k[0]} proxy={k[1]}": v for k, v in sockets.items()}
    results["page_counters"] = counters
    results["trials"] = [{"kind": o.trial.kind, "seconds": o.trial.seconds,
                          "changes": o.trial.changes, "converge_s": round(o.converge_s, 3),
                          "stale": o.stale_shown, "sockets": [o.page_sockets, o.proxy_sockets]}
                         for o in outcomes]
    results["minutes"] = (time.monotonic() - started) / 60
    print(table(["outage", "trials", "converged", "p50 s", "p95 s", "max s",
                 "STALE when > 2 beats", "one socket after"], rows))
    print("sockets after each trial (page, proxy):", dict(sockets))
    print("page counters:", counters)
    print("written", write_json("outages", results))


if __name__ == "__main__":
    main()
