"""``movements validity ...``: the travel-document validity table (entry_validity.py).

    movements validity list                    the table in force, with each row's source
    movements validity set IQ 6 --source "Embassy of Iraq, The Hague, letter 2026-10-02"
    movements validity set AL 0 --source "..."  (0: the destination asks nothing beyond)
    movements validity clear IQ                 back to the packaged row

Run as the system actor "cli" (an administrator) and audited, like the admin pages.
"""

from __future__ import annotations

import click

from movements.cli.common import current_settings, run_action, run_async
from movements.domain import entry_validity
from movements.domain.actions import entry_validity as actions


@click.group(name="validity", help="destinations asking a travel document valid beyond "
                                   "the travel date (the six-month rule), and their source")
def validity_group() -> None:
    pass


@validity_group.command(name="list", help="the table in force")
def validity_list() -> None:
    settings = current_settings()
    rows = run_async(lambda: run_action(settings, entry_validity.rules, read=True),
                     settings.effective_database_url)
    for code in sorted(rows):
        rule = rows[code]
        who = f"edited by {rule.edited_by}" if rule.edited_by else "packaged"
        print(f"{code}\t{rule.months}\t{who}\t{rule.source}")


@validity_group.command(name="set", help="set a country's months (0 removes the rule)")
@click.argument("country")
@click.argument("months", type=int)
@click.option("--source", required=True, help="where the figure comes from")
def validity_set(country: str, months: int, source: str) -> None:
    settings = current_settings()
    rule = run_async(lambda: run_action(settings, actions.set_rule, country, months, source),
                     settings.effective_database_url)
    print(f"{rule.country}: travel document valid {rule.months} months after travel "
          f"({rule.source})")


@validity_group.command(name="clear", help="back to the packaged row")
@click.argument("country")
def validity_clear(country: str) -> None:
    settings = current_settings()
    run_async(lambda: run_action(settings, actions.clear_rule, country),
              settings.effective_database_url)
    print(f"{country.strip().upper()}: the packaged table applies")
