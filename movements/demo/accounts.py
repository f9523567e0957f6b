"""Demo sign-ins: one account per role, printed by ``movements serve --demo``.

The passwords are fixed and printed on purpose: this is for trying the console on a
laptop, never for real data (a real deployment adds users with ``movements users add``).
"""

from __future__ import annotations

from sqlalchemy import select

from movements.demo.day import demo_users
from movements.domain.actions.setup import add_user
from movements.domain.models import User
from movements.domain.uow import Actor, Tx
from movements.platform.config import Settings
from movements.platform.passwords import hash_password

DEMO_PASSWORD_SUFFIX = "-demo-2026"


def demo_password(username: str) -> str:
    return f"{username}{DEMO_PASSWORD_SUFFIX}"


def _add_missing(tx: Tx, hashes: dict[str, str]) -> list[str]:
    added = []
    for u in demo_users():
        if tx.session.scalar(select(User.id).where(User.username == u.username)) is None:
            add_user(tx, u.username, u.display_name, u.role, hashes[u.username],
                     organisation=u.organisation, airports=u.airports)
            added.append(u.username)
    return added


async def ensure_demo_users(settings: Settings) -> str:
    from movements.services import Services

    hashes = {u.username: hash_password(demo_password(u.username)) for u in demo_users()}
    services = Services.build(settings)
    try:
        await services.uow.run(_add_missing, Actor.system("demo"), hashes)
    finally:
        await services.close()
    lines = ["Demo sign-ins (demo data only):"]
    for u in demo_users():
        lines.append(f"  {u.role.value:<12} user {u.username:<12} password "
                     f"{demo_password(u.username)}")
    return "\n".join(lines)
