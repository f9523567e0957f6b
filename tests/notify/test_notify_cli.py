"""``movements contacts ...`` and ``movements webhooks add``: the contact recorded in
E.164, refusals one line with exit 2, nothing half-written.  The command runs in this
process (tests.test_planning_cli._in: the same main, output and exit status); the
process boundary of the ``movements`` command is tested in tests/test_cli.py and
tests/test_planning_cli.py."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from movements.domain.outbox_models import CaseCounterpart, Contact, WebhookSubscription
from tests.notify.conftest import read_on
from tests.test_cli import one_line_error
from tests.test_planning_cli import _in as _run


def _rows(url: str) -> tuple[list[tuple[object, ...]], int, list[str]]:
    def read(session: object) -> tuple[list[tuple[object, ...]], int, list[str]]:
        contacts = [(c.passenger_id, c.phone, c.guardian_phone, c.opted_out, c.email)
                    for c in session.scalars(select(Contact).order_by(Contact.id))]  # type: ignore[attr-defined]
        counterparts = len(list(session.scalars(select(CaseCounterpart))))  # type: ignore[attr-defined]
        hooks = [h.events for h in session.scalars(select(WebhookSubscription))]  # type: ignore[attr-defined]
        return contacts, counterparts, hooks

    return read_on(url, read)


def test_contacts_and_webhooks_from_the_command_line(database_url: str,
                                                     tmp_path: Path) -> None:
    assert _run(database_url, tmp_path, "airports", "add", "AMS", "--name", "Schiphol",
                "--timezone", "Europe/Amsterdam").returncode == 0
    case = _run(database_url, tmp_path, "cases", "add", "vr-1", "--member",
                "KARIM/Layla:F:1980-02-03:IRQ")
    assert case.returncode == 0, case.stderr
    org = _run(database_url, tmp_path, "organisations", "add", "COA (test)", "--kind",
               "reception_authority")
    assert org.returncode == 0, org.stderr
    ok = _run(database_url, tmp_path, "contacts", "passenger", "1", "--phone", "06 1234 5678")
    assert ok.returncode == 0 and "contact recorded" in ok.stdout, ok.stderr
    one_line_error(_run(database_url, tmp_path, "contacts", "passenger", "1", "--phone",
                        "12345"), "phone '12345' is not")
    assert _run(database_url, tmp_path, "contacts", "organisation", "COA (test)",
                "--email", "desk@coa.example").returncode == 0
    assert _run(database_url, tmp_path, "contacts", "counterpart", "VR-1",
                "COA (test)").returncode == 0
    one_line_error(_run(database_url, tmp_path, "contacts", "counterpart", "VR-9",
                        "COA (test)"), "case VR-9 does not exist")
    hook = _run(database_url, tmp_path, "webhooks", "add", "AMS",
                "https://93.184.215.14/hooks", "--events", "departed,landed")
    assert hook.returncode == 0 and "signing secret (shown once): whsec_" in hook.stdout
    one_line_error(_run(database_url, tmp_path, "webhooks", "add", "AMS",
                        "https://93.184.215.14/hooks", "--events", "soon"),
                   "events: unknown soon")
    one_line_error(_run(database_url, tmp_path, "webhooks", "add", "AMS",
                        "https://169.254.169.254/latest", "--events", "departed"),
                   "points inside our network")
    contacts, counterparts, hooks = _rows(database_url)
    assert contacts == [(1, "+31612345678", None, False, None),
                        (None, None, None, False, "desk@coa.example")]
    assert counterparts == 1 and hooks == ["departed,landed"]


def test_carrier_mission_and_guardian_language_from_the_command_line(
        database_url: str, tmp_path: Path) -> None:
    from movements.domain.outbox_models import CarrierContact, CaseMission

    assert _run(database_url, tmp_path, "airports", "add", "AMS", "--name", "Schiphol",
                "--timezone", "Europe/Amsterdam").returncode == 0
    assert _run(database_url, tmp_path, "cases", "add", "vr-1", "--member",
                "KARIM/Layla:F:1980-02-03:IRQ").returncode == 0
    for name, kind in (("Mission Tirana (test)", "receiving_mission"),
                       ("COA (test)", "reception_authority")):
        assert _run(database_url, tmp_path, "organisations", "add", name, "--kind",
                    kind).returncode == 0
    ok = _run(database_url, tmp_path, "contacts", "carrier", "kl", "--email",
              "special-assistance@kl.example")
    assert ok.returncode == 0 and "carrier KL" in ok.stdout, ok.stderr
    one_line_error(_run(database_url, tmp_path, "contacts", "carrier", "K!", "--email",
                        "a@b.example"), "carrier 'K!' is not an IATA designator")
    assert _run(database_url, tmp_path, "contacts", "mission", "VR-1",
                "Mission Tirana (test)").returncode == 0
    one_line_error(_run(database_url, tmp_path, "contacts", "mission", "VR-1",
                        "COA (test)"), "not a receiving mission")
    assert _run(database_url, tmp_path, "contacts", "passenger", "1", "--guardian-phone",
                "0622222222", "--guardian-language", "Pashto").returncode == 0

    def read(session: object) -> tuple[object, ...]:
        return (
            [(c.carrier, c.email) for c in session.scalars(select(CarrierContact))],  # type: ignore[attr-defined]
            [m.case_id for m in session.scalars(select(CaseMission))],  # type: ignore[attr-defined]
            session.scalar(select(Contact.guardian_language)))  # type: ignore[attr-defined]

    assert read_on(database_url, read) == ([("KL", "special-assistance@kl.example")], [1], "Pashto")
