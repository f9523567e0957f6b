"""The heartbeat checks every socket's session in one read (``session_verdicts``): the
same verdicts as ``session_verdict`` asks one socket at a time, in two statements
whatever the number of sockets."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from movements.domain.actions import sessions, setup
from movements.domain.actions.sessions import HeldRights, session_verdict, session_verdicts
from movements.domain.models import Role, User, UserSession
from movements.domain.uow import Tx, UnitOfWork
from tests.factories import AMS_ID, SYSTEM, world

IDLE, LIFETIME = timedelta(minutes=30), timedelta(hours=12)


@contextmanager
def counting() -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def _people(tx: Tx) -> dict[str, HeldRights]:
    """Sessions in every state the rules tell apart, and the rights their sockets hold."""
    users = {name: setup.add_user(tx, name, name.title(), role, "x", airports=["AMS"])
             for name, role in (("gate1", Role.GATE_STAFF), ("gate2", Role.GATE_STAFF),
                                ("coord", Role.COORDINATOR), ("gone", Role.GATE_STAFF))}
    opened = {key: sessions.start_session(tx, users[user], "127.0.0.1", "test").session_id
              for key, user in (("fine", "gate1"), ("second", "gate1"), ("ended", "gate1"),
                                ("idle", "gate2"), ("coord", "coord"), ("gone", "gone"),
                                ("moved", "coord"))}
    sessions.end_own_session(tx, users["gate1"], opened["ended"])
    idle = tx.session.get(UserSession, opened["idle"])
    assert idle is not None
    idle.last_seen_at = tx.now - timedelta(hours=1)
    gone = tx.session.get(User, users["gone"])
    assert gone is not None
    gone.active = False
    ams = frozenset({AMS_ID})
    held = {key: HeldRights(sid, users[user], role, ams) for key, sid, user, role in (
        ("fine", opened["fine"], "gate1", Role.GATE_STAFF),
        ("second", opened["second"], "gate1", Role.GATE_STAFF),
        ("ended", opened["ended"], "gate1", Role.GATE_STAFF),
        ("idle", opened["idle"], "gate2", Role.GATE_STAFF),
        ("coord", opened["coord"], "coord", Role.COORDINATOR),
        ("gone", opened["gone"], "gone", Role.GATE_STAFF),
        # held as a gate user, now a coordinator; and an airport the user lost
        ("role", opened["moved"], "coord", Role.GATE_STAFF))}
    held["airports"] = HeldRights(opened["coord"], users["coord"], Role.COORDINATOR,
                                  frozenset({AMS_ID, 99}))
    held["stranger"] = HeldRights(opened["fine"], users["gate2"], Role.GATE_STAFF, ams)
    held["unknown"] = HeldRights(999_999, users["gate1"], Role.GATE_STAFF, ams)
    return held


async def test_one_read_gives_every_sockets_verdict(uow: UnitOfWork) -> None:
    await world(uow)
    held = await uow.run(_people, SYSTEM)
    now = await uow.read(lambda s: s.scalar(select(UserSession.created_at)))
    assert now is not None
    now += timedelta(minutes=5)
    with counting() as seen:
        together = await uow.read(session_verdicts, list(held.values()), now, IDLE, LIFETIME)
    assert len(seen) == 2  # sessions with their users; the users' airports
    assert {k: together[h] for k, h in held.items()} == {
        "fine": None, "second": None, "coord": None, "ended": "signed out",
        "idle": "session expired", "gone": "account deactivated", "role": "role changed",
        "airports": "airports changed", "stranger": "signed out", "unknown": "signed out"}
    for key, h in held.items():  # the same rules as the one-socket check
        alone = await uow.read(session_verdict, h.session_id, h.user_id, h.role,
                               h.airport_ids, now, IDLE, LIFETIME)
        assert alone == together[h], key
    # Past the lifetime every session is expired; still two statements.
    with counting() as seen:
        later = await uow.read(session_verdicts, list(held.values()),
                               now + LIFETIME, IDLE + LIFETIME, LIFETIME)
    assert len(seen) == 2
    assert later[held["fine"]] == later[held["coord"]] == "session expired"
