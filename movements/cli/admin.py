"""``movements organisations ...`` and ``movements users deactivate|reactivate ...``.

    movements organisations add "Reception Agency Ter Apel" --kind reception_authority
    movements organisations list
    movements users deactivate USERNAME     (ends their open sessions at once)
    movements users reactivate USERNAME

The same domain actions as the admin pages, run as the system actor "cli" and audited.
"""

from __future__ import annotations

import argparse
from typing import Any

from movements.cli.common import CliError, run_async, settings_of
from movements.platform.config import Settings

KINDS = ["agency_team", "reception_authority", "receiving_mission", "family",
         "repatriation_service"]


def add_admin_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser],
                      users_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    orgs = sub.add_parser("organisations", help="organisations (reception authorities, ...)")
    orgs_sub = orgs.add_subparsers(dest="organisations_command", required=True)
    add = orgs_sub.add_parser("add", help="add an organisation (nothing happens if it exists)")
    add.add_argument("name")
    add.add_argument("--kind", required=True, choices=KINDS)
    add.set_defaults(func=cmd_organisations_add)
    listing = orgs_sub.add_parser("list", help="list the organisations")
    listing.set_defaults(func=cmd_organisations_list)

    deactivate = users_sub.add_parser(
        "deactivate", help="deactivate a user: ends their sessions; they cannot sign in")
    deactivate.add_argument("username")
    deactivate.set_defaults(func=cmd_users_deactivate)
    reactivate = users_sub.add_parser("reactivate", help="let a deactivated user sign in again")
    reactivate.add_argument("username")
    reactivate.set_defaults(func=cmd_users_reactivate)


async def _run(settings: Settings, action: Any, *args: Any, read: bool = False) -> Any:
    from movements.domain.uow import Actor
    from movements.services import Services

    services = Services.build(settings)
    try:
        if read:
            return await services.uow.read(action, *args)
        return await services.uow.run(action, Actor.system("cli"), *args)
    finally:
        await services.close()


def _add_organisation(tx: Any, name: str, kind: str) -> tuple[int, bool]:
    from sqlalchemy import select

    from movements.domain.actions.setup import ensure_organisation
    from movements.domain.models import Organisation

    existed = tx.session.scalar(select(Organisation).where(Organisation.name == name.strip()))
    if existed is not None and existed.kind.value != kind:
        raise CliError(f"organisation {existed.name!r} exists already as "
                       f"{existed.kind.value}, not {kind}")
    return ensure_organisation(tx, name, kind), existed is not None


def _list_organisations(session: Any) -> list[tuple[int, str, str]]:
    from sqlalchemy import select

    from movements.domain.models import Organisation

    return [(o.id, o.name, o.kind.value) for o in session.scalars(
        select(Organisation).order_by(Organisation.name))]


def _set_active(tx: Any, username: str, active: bool) -> int:
    from sqlalchemy import select

    from movements.domain.actions.setup import set_user_active
    from movements.domain.models import User

    user_id = tx.session.scalar(select(User.id).where(User.username == username.strip().lower()))
    if user_id is None:
        raise CliError(f"no user named {username!r}")
    return set_user_active(tx, user_id, active)


def cmd_organisations_add(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    org_id, existed = run_async(lambda: _run(settings, _add_organisation, args.name, args.kind),
                                settings.effective_database_url)
    print(f"organisation {args.name.strip()!r} ({args.kind}) "
          f"{'exists already' if existed else 'added'} as id {org_id}")
    return 0


def cmd_organisations_list(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    rows = run_async(lambda: _run(settings, _list_organisations, read=True),
                     settings.effective_database_url)
    for org_id, name, kind in rows:
        print(f"{org_id}\t{kind}\t{name}")
    return 0


def _cmd_set_active(args: argparse.Namespace, active: bool) -> int:
    settings = settings_of(args)
    ended = run_async(lambda: _run(settings, _set_active, args.username, active),
                      settings.effective_database_url)
    if active:
        print(f"user {args.username} can sign in again")
    else:
        print(f"user {args.username} deactivated; {ended} open session(s) ended")
    return 0


def cmd_users_deactivate(args: argparse.Namespace) -> int:
    return _cmd_set_active(args, False)


def cmd_users_reactivate(args: argparse.Namespace) -> int:
    return _cmd_set_active(args, True)
