"""An admin changes a user's role, organisation and airports (issue 13.7): checked like
adding a user, audited with before and after, and an admin cannot lock the deployment
out of administration.  A refused change changes nothing (rows and audit)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from movements.domain.actions import setup
from movements.domain.errors import NotFound, PermissionDenied, RuleViolation
from movements.domain.models import AuditEntry, Role, User
from movements.domain.uow import Actor, Tx, UnitOfWork
from tests.factories import SYSTEM, build_world


async def _users(uow: UnitOfWork) -> dict[str, int]:
    def seed(tx: Tx) -> dict[str, int]:
        build_world(tx)
        setup.ensure_airport(tx, "BRU", "Brussels", "Europe/Brussels")
        return {name: setup.add_user(tx, name, name.title(), role, "x", airports=["AMS"])
                for name, role in (("gate", Role.GATE_STAFF), ("boss", Role.ADMIN))}

    return await uow.run(seed, SYSTEM)


async def _state(uow: UnitOfWork, user_id: int) -> tuple[str, list[str], int]:
    def read(s) -> tuple[str, list[str], int]:  # type: ignore[no-untyped-def]
        user = s.get(User, user_id)
        audits = s.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "change_user_access"))
        return user.role.value, sorted(a.iata for a in user.airports), audits

    return await uow.read(read)


async def test_role_and_airports_change_and_are_audited(uow: UnitOfWork) -> None:
    ids = await _users(uow)
    changed = await uow.run(setup.change_user_access, SYSTEM, ids["gate"], "coordinator",
                            airports=["AMS", "BRU"])
    assert changed is True
    assert await _state(uow, ids["gate"]) == ("coordinator", ["AMS", "BRU"], 1)
    entry = await uow.read(lambda s: s.scalar(select(AuditEntry).where(
        AuditEntry.action == "change_user_access")))
    assert entry.before == {"role": "gate_staff", "organisation": None, "airports": ["AMS"]}
    assert entry.after == {"role": "coordinator", "organisation": None,
                           "airports": ["AMS", "BRU"]}
    # the same again: nothing changes, nothing audited
    assert await uow.run(setup.change_user_access, SYSTEM, ids["gate"], "coordinator",
                         airports=["BRU", "AMS"]) is False
    assert (await _state(uow, ids["gate"]))[2] == 1


@pytest.mark.parametrize(("role", "airports", "organisation", "message"), [
    ("pilot", ["AMS"], None, "role 'pilot' is not one of"),
    ("gate_staff", [], None, "works at least one airport"),
    ("gate_staff", ["XXX"], None, r"airport\(s\) not set up: XXX"),
    ("reception", [], None, "belongs to one organisation"),
    ("reception", [], "Nobody Inc", "organisation 'Nobody Inc' does not exist"),
])
async def test_a_bad_change_is_refused_and_changes_nothing(
        uow: UnitOfWork, role: str, airports: list[str], organisation: str | None,
        message: str) -> None:
    ids = await _users(uow)
    with pytest.raises(RuleViolation, match=message):
        await uow.run(setup.change_user_access, SYSTEM, ids["gate"], role,
                      airports=airports, organisation=organisation)
    assert await _state(uow, ids["gate"]) == ("gate_staff", ["AMS"], 0)


async def test_admins_keep_administration(uow: UnitOfWork) -> None:
    ids = await _users(uow)
    boss = Actor(user_id=ids["boss"], username="boss", role=Role.ADMIN)
    with pytest.raises(RuleViolation, match="from yourself"):
        await uow.run(setup.change_user_access, boss, ids["boss"], "coordinator",
                      airports=["AMS"])
    with pytest.raises(RuleViolation, match="last active admin"):
        await uow.run(setup.change_user_access, SYSTEM, ids["boss"], "coordinator",
                      airports=["AMS"])
    assert await _state(uow, ids["boss"]) == ("admin", ["AMS"], 0)
    gate = Actor(user_id=ids["gate"], username="gate", role=Role.GATE_STAFF)
    with pytest.raises(PermissionDenied):
        await uow.run(setup.change_user_access, gate, ids["gate"], "admin", airports=["AMS"])
    with pytest.raises(NotFound):
        await uow.run(setup.change_user_access, SYSTEM, 987654, "admin", airports=[])
