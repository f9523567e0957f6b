r"""Fuzz the JSON API from its own OpenAPI description: no input makes the server fail.

Schemathesis reads ``/schema/openapi.json`` from a real uvicorn server and, for every
operation under ``/api/v1`` (whatever exists when this runs: new API routes are fuzzed
without editing this file), generates requests that fit the schema and requests that do
not.  Each is sent with a signed-in admin's session cookie and CSRF token, and the only
check is schemathesis' ``not_a_server_error``: a refusal (4xx) is fine, a 5xx is a bug.

A longer run by hand (about 4,000 cases, 5 minutes; schemathesis' coverage, fuzzing and
stateful phases, positive and negative data) against a demo server::

    movements --data-dir /tmp/fuzz serve --demo --port 8765 &   # with
    #   MOVEMENTS_SECURE_COOKIES=false MOVEMENTS_PUBLIC_URL=http://127.0.0.1:8765
    B=http://127.0.0.1:8765
    curl -s -c jar -o /dev/null -d 'username=admin&password=admin-demo-2026' $B/login
    TOKEN=$(awk '$6=="mv_session"{print $7}' jar)
    CSRF=$(curl -s -b jar $B/account/sessions | sed -n 's/.*csrf-token" content="\([^"]*\)".*/\1/p')
    st run $B/schema/openapi.json --include-path-regex '^/api/v1/' \
        --checks not_a_server_error --max-examples 300 --mode all \
        -H "Cookie: mv_session=$TOKEN" -H "X-CSRF-Token: $CSRF"

or this test with more examples per operation and mode, on both databases:
``MOVEMENTS_FUZZ_EXAMPLES=300 pytest tests/web/test_api_fuzz.py``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
requests = pytest.importorskip("requests")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from movements.domain.actions import handovers  # noqa: E402
from movements.domain.clock import local_date  # noqa: E402
from movements.domain.models import Role, User  # noqa: E402
from movements.domain.uow import Actor, NullPublisher, Tx  # noqa: E402
from movements.platform.db import Database  # noqa: E402
from tests.conftest import run_async  # noqa: E402
from tests.factories import SYSTEM  # noqa: E402
from tests.live import start_server  # noqa: E402
from tests.web.conftest import PASSWORD, seed  # noqa: E402

EXAMPLES = int(os.environ.get("MOVEMENTS_FUZZ_EXAMPLES", "25"))


def _seed_today(database_url: str) -> None:
    """Today's board with passengers, and a signed handover (so the manifest operation
    reaches its real path, not only 404s)."""
    async def go() -> None:
        db = Database.open(database_url)
        uow = db.unit_of_work(NullPublisher())
        try:
            today = local_date(datetime.now(UTC), "Europe/Amsterdam")
            world, pids, _ = await uow.run(seed, SYSTEM, today)

            def gate_id(tx: Tx) -> int:
                from sqlalchemy import select

                return int(tx.session.scalar(select(User.id).where(User.username == "gate")))

            gate = Actor(user_id=await uow.run(gate_id, SYSTEM), username="gate",
                         role=Role.GATE_STAFF, airport_ids=frozenset({world.airport_id}))
            hid = await uow.run(handovers.create_handover, gate, world.departure_id,
                                world.reception_org_id, "Anouk Bakker", pids[:2])
            await uow.run(handovers.sign_handover, gate, hid, "G. Gate", "A. Bakker")
        finally:
            await db.dispose()

    run_async(go())


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """A real server on the test database, and an admin's signed-in session."""
    _seed_today(database_url)
    server = start_server(database_url, tmp_path, name="fuzz")
    try:
        session = requests.Session()
        resp = session.post(f"{server.base}/login",
                             data={"username": "admin", "password": PASSWORD})
        assert resp.status_code == 200 and "mv_session" in session.cookies, resp.text[:300]
        page = session.get(f"{server.base}/account/sessions").text
        match = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
        assert match
        session.headers["X-CSRF-Token"] = match.group(1)
        yield server.base, session
    finally:
        server.stop()


def test_api_has_no_server_errors(api: tuple[str, Any]) -> None:
    base, session = api
    # The schema is for signed-in people only (issue 13.7): load it with the session.
    loaded = session.get(f"{base}/schema/openapi.json")
    assert loaded.status_code == 200, loaded.text[:300]
    schema = schemathesis.openapi.from_dict(loaded.json()).include(path_regex=r"^/api/v1/")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 3, [op.label for op in operations]
    failures: list[str] = []
    tried: list[str] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(max_examples=EXAMPLES, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(mode))
            def fuzz(case: Any) -> None:
                # A slow answer is not a server error: schemathesis' default 10 s timeout
                # was hit once on a loaded machine (the first manifest starts the PDF
                # process pool).
                case.call_and_validate(base_url=base, session=session, timeout=60,
                                       checks=[not_a_server_error])

            try:
                fuzz()
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collect them all
                failures.append(f"{operation.label} ({mode.value}): {exc}")
            tried.append(f"{operation.label} ({mode.value})")
        # The session must still be the admin's (nothing the fuzzer sent signed it out).
        assert session.get(f"{base}/api/v1/movements").status_code == 200
    assert not failures, "\n\n".join(failures)
    assert tried
