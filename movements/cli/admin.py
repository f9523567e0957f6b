"""``movements organisations ...`` and ``movements users deactivate|reactivate ...``.

    movements organisations add "Reception Agency Ter Apel" --kind reception_authority
    movements organisations list
    movements users deactivate USERNAME     (ends their open sessions at once)
    movements users reactivate USERNAME

The same domain actions as the admin pages, run as the system actor "cli" and audited.
"""

from __future__ import annotations

import click

from movements.cli.common import current_settings, run_action, run_async
from movements.domain import queries
from movements.domain.actions import setup

KINDS = ["agency_team", "reception_authority", "receiving_mission", "family",
         "repatriation_service"]


@click.group(no_args_is_help=False, help="organisations (reception authorities, ...)")
def organisations() -> None:
    pass


@organisations.command(name="add", help="add an organisation (nothing happens if it exists)")
@click.argument("name")
@click.option("--kind", required=True, type=click.Choice(KINDS))
def organisations_add(name: str, kind: str) -> None:
    settings = current_settings()
    org_id, existed = run_async(lambda: run_action(settings, setup.add_organisation, name, kind),
                                settings.effective_database_url)
    print(f"organisation {name.strip()!r} ({kind}) "
          f"{'exists already' if existed else 'added'} as id {org_id}")


@organisations.command(name="list", help="list the organisations")
def organisations_list() -> None:
    settings = current_settings()
    rows = run_async(lambda: run_action(settings, queries.organisations, read=True),
                     settings.effective_database_url)
    for org_id, name, kind in rows:
        print(f"{org_id}\t{kind}\t{name}")


def _set_user_active(username: str, active: bool) -> None:
    settings = current_settings()
    ended = run_async(lambda: run_action(settings, setup.set_user_active_by_name, username, active),
                      settings.effective_database_url)
    if active:
        print(f"user {username} can sign in again")
    else:
        print(f"user {username} deactivated; {ended} open session(s) ended")


@click.command(help="deactivate a user: ends their sessions; they cannot sign in")
@click.argument("username")
def deactivate(username: str) -> None:
    _set_user_active(username, False)


@click.command(help="let a deactivated user sign in again")
@click.argument("username")
def reactivate(username: str) -> None:
    _set_user_active(username, True)
