"""Documents: what a 400-passenger manifest costs, and what building them costs the
live board.

1. Build time of a 400-passenger charter manifest through the project's code (read model
   from the database, then ``build_charter_manifest``: repeated header, per-stop
   sections, shaped Arabic names, QR code, "Page x of y") next to a bare ReportLab table
   of the same rows (one ``Table`` with a repeated header row, plain strings) in the same
   run.
2. Live-update latency on a real uvicorn server: a websocket client follows today's
   board while a tablet POSTs milestones; the time from the POST to the board event on
   the socket, idle and while 4 charter manifests of 400 passengers are being built
   (4 clients, each changing its charter and downloading it again in a loop, so every
   download renders).  Measured with PDFs built in the process pool (the default) and
   in worker threads (``anyio.to_thread``), each against its own idle run.

    python bench/manifest.py [--events 80] [--passengers 400] [--repeat 3] [--build-only]

Prints a table and writes bench/results/manifest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import websockets  # noqa: E402

from bench._common import summary, table, write_json  # noqa: E402
from movements.domain import document_queries as dq  # noqa: E402
from movements.domain.actions import movements as mv  # noqa: E402
from movements.domain.actions import passengers as px  # noqa: E402
from movements.domain.actions import setup  # noqa: E402
from movements.domain.clock import local_date  # noqa: E402
from movements.domain.models import MovementKind, Role  # noqa: E402
from movements.domain.uow import NullPublisher, Tx  # noqa: E402
from movements.platform.db import Database  # noqa: E402
from movements.platform.migrate import upgrade  # noqa: E402
from movements.platform.passwords import hash_password  # noqa: E402
from tests.factories import (  # noqa: E402
    SYSTEM,
    add_pax,
    build_world,
    letters,
)
from tests.live import sign_in  # noqa: E402
from tests.pg import free_port  # noqa: E402

PASSWORD = "bench-password-1"
STEPS = ("met_at_point", "checked_in", "exit_formalities", "at_gate")
HEADER = re.compile(r"^<!--sync stream=\S+ from=\d+ seq=(\d+) kind=(\w+)")
GIVEN = (("Salma", "سلمى"), ("Yusuf", "يوسف"), ("Layla", "ليلى"), ("Omar", "عمر"),
         ("Huda", "هدى"), ("Karim", "كريم"))
SURNAMES = (("Haddad", "حداد"), ("Najjar", "نجار"), ("Saffar", "صفار"), ("Khayat", "خياط"))
CHARTERS = 4


def thread_app() -> Any:
    """The app with PDFs built in worker threads (for the comparison)."""
    from movements import delivery
    from movements.app import create_app

    delivery.configure("thread")
    return create_app()


# --------------------------------------------------------------------------- data

def _charter(tx: Tx, n: int, day: date, number: str, passengers: int) -> int:
    movement = mv.create_movement(tx, mv.NewMovement(
        airport="AMS", kind=MovementKind.DEPARTURE, carrier="OR", flight_number=number,
        operational_date=day, origin="AMS", destination="BSR",
        scheduled_at=datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC),
        is_charter=True, stops=("BGW", "EBL"), gate="G3"))
    stops = ("BGW", "EBL", None)
    for i in range(passengers):
        family = i // 4
        given, given_ar = GIVEN[i % len(GIVEN)]
        surname, surname_ar = SURNAMES[family % len(SURNAMES)]
        case = px.get_or_create_case(tx, "AMS", f"CH{n}-{family:04d}")
        pid = px.add_passenger(tx, case.id, px.NewPassenger(
            surname=surname, given_names=given, native_name=f"{given_ar} {surname_ar}",
            birth_date=date(1960 + i % 40, 1 + i % 12, 1 + i % 28), sex="FM"[i % 2],
            nationality="IRQ", needs=(("WCHR", None),) if i % 23 == 0 else ()))
        px.book_passenger(tx, pid, movement, seat=f"{4 + i // 6}{'ABCDEF'[i % 6]}",
                          stop=stops[family % 3])
    return movement


def seed(tx: Tx, today: date, pw: str, passengers: int, bookings: int
         ) -> dict[str, Any]:
    world = build_world(tx, today)
    setup.add_user(tx, "gate", "Bench Gate", Role.GATE_STAFF, pw, airports=["AMS"])
    setup.add_user(tx, "coord", "Bench Coordinator", Role.COORDINATOR, pw, airports=["AMS"])
    booking_ids = [add_pax(tx, world.departure_id, f"T-{i}", f"Tap{letters(i)}", "Pax")[1]
                   for i in range(bookings)]
    # The charters fly tomorrow: their changes go to another board than the one measured.
    tomorrow = today + timedelta(days=1)
    charters = [_charter(tx, n, tomorrow, f"93{n:02d}", passengers) for n in range(CHARTERS)]
    return {"bookings": booking_ids, "charters": charters}


async def prepare(path: Path, passengers: int, bookings: int) -> dict[str, Any]:
    url = f"sqlite+aiosqlite:///{path}"
    database = Database.open(url)
    await upgrade(database.engine)
    uow = database.unit_of_work(NullPublisher())
    today = local_date(datetime.now(UTC), "Europe/Amsterdam")
    ids = await uow.run(seed, SYSTEM, today, hash_password(PASSWORD), passengers, bookings)
    await database.dispose()
    return {**ids, "today": today}


# --------------------------------------------------------------------------- part 1

def bare_table(doc: Any) -> bytes:
    """The same rows in one plain ReportLab table (no shaping, no sections, no QR)."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    from movements.manifests.text import SANS, register_fonts

    register_fonts()
    rows = [["No.", "Name", "Native name", "Born", "Sex", "Nat.", "Seat", "Stop", "SSR"]]
    for i, p in enumerate(doc.passengers, 1):
        rows.append([str(i), p.display_name, p.native_name or "",
                     p.birth_date.isoformat() if p.birth_date else "", p.sex,
                     p.nationality, p.seat or "", p.stop or doc.movement.destination,
                     " ".join(p.ssr_codes)])
    buf = io.BytesIO()
    pdf = SimpleDocTemplate(buf, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm)
    t = Table(rows, repeatRows=1)
    t.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), SANS, 8),
                           ("GRID", (0, 0), (-1, -1), 0.25, "#8c8c8c")]))
    pdf.build([t])
    return buf.getvalue()


def weasy_table(doc: Any) -> bytes:
    """The same document as HTML through WeasyPrint (an HTML-to-PDF engine): the title
    block, one table of the same rows and columns with a repeated header, the native
    names in the same fonts, page x of y in the footer.  A bench dependency only
    (``pip install -e '.[bench]'``)."""
    from html import escape

    from weasyprint import HTML

    head = "".join(f"<th>{h}</th>" for h in ("No.", "Name", "Native name", "Born", "Sex",
                                               "Nat.", "Seat", "Stop", "SSR"))
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in (
            str(i), p.display_name, p.native_name or "",
            p.birth_date.isoformat() if p.birth_date else "", p.sex, p.nationality,
            p.seat or "", p.stop or doc.movement.destination, " ".join(p.ssr_codes)))
        + "</tr>" for i, p in enumerate(doc.passengers, 1))
    html = f"""<html><head><style>
      @page {{ size: A4; margin: 16mm; @bottom-right {{ content: "Page " counter(page)
        " of " counter(pages); font: 8pt 'DejaVu Sans'; }} }}
      body {{ font: 8pt 'DejaVu Sans', 'Noto Naskh Arabic', sans-serif; }}
      table {{ border-collapse: collapse; width: 100%; }}
      td, th {{ border: 0.25pt solid #8c8c8c; padding: 1pt 2pt; }}
      thead {{ display: table-header-group; }}
    </style></head><body><h1>Charter manifest {escape(doc.movement.flight)}</h1>
    <table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></body></html>"""
    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]


async def build_times(db_path: Path, movement_id: int, repeat: int) -> dict[str, Any]:
    from movements.manifests import build_charter_manifest

    database = Database.open(f"sqlite+aiosqlite:///{db_path}")
    uow = database.unit_of_work(NullPublisher())
    reads, ours, bare, weasy = [], [], [], []
    doc = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        doc = await uow.read(dq.charter_doc, movement_id, document_id="bench-doc",
                             version=1, supersedes_document_id=None,
                             issued_at=datetime.now(UTC), issued_by_user_id=None,
                             public_url="http://127.0.0.1")
        reads.append(time.perf_counter() - t0)
    await database.dispose()
    assert doc is not None
    pages = 0
    cpu: dict[str, list[float]] = {"ours": [], "bare": [], "weasy": []}

    def timed(what: str, wall: list[float], build: Any) -> bytes:
        # Wall time, and the CPU time of this thread (each build runs in it alone): on
        # a shared machine the wall time also holds the waits for a core.  The project's
        # caches per string (names laid out) are emptied first: every build pays for
        # its names as the first build of a new charter would.
        if what == "ours":
            forget_strings()
        t0, c0 = time.perf_counter(), time.thread_time()
        out: bytes = build(doc)
        wall.append(time.perf_counter() - t0)
        cpu[what].append(time.thread_time() - c0)
        return out

    from movements.manifests.lines import forget_strings
    from movements.manifests.text import register_fonts
    register_fonts()  # once per process, before the first build of either
    for _ in range(repeat):
        pdf = timed("ours", ours, build_charter_manifest)
        timed("bare", bare, bare_table)
        timed("weasy", weasy, weasy_table)
        pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page")
    return {"passengers": len(doc.passengers), "pages": pages,
            "read_model_s": statistics.median(reads), "ours_s": statistics.median(ours),
            "bare_s": statistics.median(bare), "weasyprint_s": statistics.median(weasy),
            "ours_cpu_s": statistics.median(cpu["ours"]),
            "bare_cpu_s": statistics.median(cpu["bare"]),
            "weasyprint_cpu_s": statistics.median(cpu["weasy"]),
            "load": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()}


# --------------------------------------------------------------------------- part 2

class Server:
    def __init__(self, app: str, db_url: str, work: Path, name: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "MOVEMENTS_DATABASE_URL": db_url,
               "MOVEMENTS_DATA_DIR": str(work), "MOVEMENTS_SECURE_COOKIES": "false",
               "MOVEMENTS_PUBLIC_URL": self.base, "MOVEMENTS_RUN_JOBS": "false",
               "MOVEMENTS_LOG_LEVEL": "WARNING", "MOVEMENTS_HEARTBEAT_SECONDS": "5"}
        self.log = work / f"{name}.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", app, "--factory", "--host", "127.0.0.1",
                 "--port", str(self.port), "--ws", "websockets", "--log-level", "warning"],
                env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.log.read_text())
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


class Builders:
    """CHARTERS clients, each in a loop: change its charter (an escort), download its
    manifest (which therefore renders anew)."""

    def __init__(self, base: str, charters: list[int], first_pax: dict[int, list[int]]
                 ) -> None:
        self.base, self.charters, self.first_pax = base, charters, first_pax
        self.stop = threading.Event()
        self.times: list[float] = []
        self.errors: list[str] = []
        self.threads = [threading.Thread(target=self.loop, args=(c,), daemon=True)
                        for c in charters]

    def loop(self, charter: int) -> None:
        client, csrf = sign_in(self.base, "coord", PASSWORD)
        client.timeout = 120
        n = 0
        try:
            while not self.stop.is_set():
                booking = self.first_pax[charter][n % len(self.first_pax[charter])]
                n += 1
                r = client.post(f"/bookings/{booking}/escort", headers={"X-CSRF-Token": csrf},
                                data={"escort_name": f"Escort {letters(n)}", "kind": "operational"})
                if r.status_code != 200:
                    self.errors.append(f"escort {r.status_code} {r.text[:100]}")
                t0 = time.perf_counter()
                pdf = client.get(f"/movements/{charter}/charter-manifest.pdf")
                if pdf.status_code != 200:
                    self.errors.append(f"pdf {pdf.status_code} {pdf.text[:100]}")
                else:
                    self.times.append(time.perf_counter() - t0)
        finally:
            client.close()

    def __enter__(self) -> Builders:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(180)


async def measure(base: str, cookie: str, csrf: str, day: date, bookings: list[int],
                  state: dict[int, int], events: int, gap: float) -> list[float]:
    """POST a milestone, wait for its board event; the time between, per event (ms)."""
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=base, timeout=60,
                                 cookies={"mv_session": cookie}) as http, \
            websockets.connect(f"ws://127.0.0.1:{base.rsplit(':', 1)[1]}/ws?stream="
                               f"board:AMS:{day.isoformat()}",
                               additional_headers={"Cookie": f"mv_session={cookie}",
                                                   "Origin": base},
                               max_queue=None, ping_interval=None) as ws:
        await ws.send(json.dumps({"hello": {"after": None}}))
        seq = 0
        while True:
            m = HEADER.match(str(await ws.recv()))
            if m and m.group(2) == "snapshot":
                seq = int(m.group(1))
                break
        for i in range(events):
            booking = bookings[i % len(bookings)]
            step = STEPS[state.setdefault(booking, 0)]
            state[booking] += 1
            t0 = time.perf_counter()
            r = await http.post(f"/bookings/{booking}/milestones", data={"kind": step},
                                headers={"X-CSRF-Token": csrf})
            assert r.status_code == 200, r.text[:200]
            seq += 1
            while True:
                m = HEADER.match(str(await asyncio.wait_for(ws.recv(), 60)))
                if m and m.group(2) in ("event", "snapshot") and int(m.group(1)) >= seq:
                    seq = int(m.group(1))
                    break
            latencies.append((time.perf_counter() - t0) * 1000)
            await asyncio.sleep(gap)
    return latencies


def live_run(app: str, template: Path, work: Path, name: str, ids: dict[str, Any],
             events: int) -> dict[str, Any]:
    db = work / f"{name}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{template}{suffix}").exists():
            shutil.copy(f"{template}{suffix}", f"{db}{suffix}")
    server = Server(app, f"sqlite+aiosqlite:///{db}", work, name)
    try:
        gate, csrf = sign_in(server.base, "gate", PASSWORD)
        cookie = gate.cookies["mv_session"]
        coord, _ = sign_in(server.base, "coord", PASSWORD)
        coord.timeout = 120
        first_pax = {}
        for c in ids["charters"]:
            detail = coord.get(f"/api/v1/movements/{c}").json()
            first_pax[c] = [p["booking_id"] for p in detail["passengers"][:50]]
            warm = coord.get(f"/movements/{c}/charter-manifest.pdf")  # v1; starts the pool
            assert warm.status_code == 200, warm.text[:200]
        state: dict[int, int] = {}
        half = len(ids["bookings"]) // 2
        idle = asyncio.run(measure(server.base, cookie, csrf, ids["today"],
                                   ids["bookings"][:half], state, events, 0.05))
        with Builders(server.base, ids["charters"], first_pax) as builders:
            time.sleep(1.0)  # let every builder have a manifest in flight
            loaded = asyncio.run(measure(server.base, cookie, csrf, ids["today"],
                                         ids["bookings"][half:], state, events, 0.05))
        if builders.errors:
            raise RuntimeError(builders.errors[:3])
        gate.close()
        coord.close()
        return {"idle": summary(idle), "loaded": summary(loaded),
                "manifest_download_s": summary(builders.times),
                "manifests_built": len(builders.times)}
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=80)
    parser.add_argument("--passengers", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--build-only", action="store_true",
                        help="only part 1 (build times), not the live servers")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-manifest-"))
    try:
        template = work / "template.sqlite3"
        t0 = time.perf_counter()
        ids = asyncio.run(prepare(template, args.passengers, args.events))
        seeded = time.perf_counter() - t0
        build = asyncio.run(build_times(template, ids["charters"][0], args.repeat))
        runs = {} if args.build_only else {
            "process": live_run("movements.app:create_app", template, work, "process", ids,
                                args.events),
            "thread": live_run("bench.manifest:thread_app", template, work, "thread", ids,
                               args.events),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"Documents, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs; "
          f"seeded {CHARTERS} charters x {args.passengers} passengers through the domain "
          f"actions in {seeded:.0f} s")
    ratio_build = build["ours_s"] / build["bare_s"]
    print(table(["build of one manifest", "passengers", "seconds (median)",
                 "CPU seconds (median)"], [
        ["bare ReportLab table of the same rows (baseline)", build["passengers"],
         build["bare_s"], build["bare_cpu_s"]],
        ["read model from the database (charter_doc)", build["passengers"],
         build["read_model_s"], ""],
        [f"project's charter manifest ({build['pages']} pages)", build["passengers"],
         build["ours_s"], build["ours_cpu_s"]],
        ["WeasyPrint, the same rows as HTML", build["passengers"], build["weasyprint_s"],
         build["weasyprint_cpu_s"]],
    ]))
    print(f"ratio project/bare: {ratio_build:.2f}x (CPU "
          f"{build['ours_cpu_s'] / build['bare_cpu_s']:.2f}x); WeasyPrint/project: "
          f"{build['weasyprint_s'] / build['ours_s']:.2f}x (CPU "
          f"{build['weasyprint_cpu_s'] / build['ours_cpu_s']:.2f}x); {build['load']}")
    rows = []
    for mode, r in runs.items():
        rows.append([f"{mode}: idle (baseline)", r["idle"]["n"], r["idle"]["p50"],
                     r["idle"]["p95"], "", ""])
        rows.append([f"{mode}: {CHARTERS} manifests building", r["loaded"]["n"],
                     r["loaded"]["p50"], r["loaded"]["p95"],
                     r["loaded"]["p95"] / r["idle"]["p95"],
                     f"{r['manifests_built']} built, p50 "
                     f"{r['manifest_download_s']['p50']:.1f} s"])
    print(table(["POST milestone -> board event on the socket (ms)", "n", "p50", "p95",
                 "p95 ratio", "manifests"], rows))
    path = write_json("manifest", {
        "passengers": build["passengers"], "build": {**build, "ratio": ratio_build},
        "live": {mode: {**r, "p95_ratio": r["loaded"]["p95"] / r["idle"]["p95"]}
                 for mode, r in runs.items()},
        "seed_s": seeded})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
