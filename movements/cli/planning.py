"""``movements movements add|cancel`` and ``movements cases add|book|move`` (issue 14.6).

Imports click and ``common`` only (the tree's rule); ``main`` adds the two groups.  The
commands act as the system user ``cli`` through the same domain actions as the pages and
the API (audited, versioned; a running console picks the change up from its stream
counters).  Every refusal is one line on stderr and exit status 2 (``main``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar

import click

from movements.cli.common import act as _act
from movements.domain.calendar_days import NoSuchDay, parse_day

T = TypeVar("T")




def _day(value: str, what: str) -> date:
    try:
        return parse_day(value)
    except NoSuchDay as bad:  # the right shape, a day the calendar has not
        raise click.BadParameter(str(bad), param_hint=what) from None
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected YYYY-MM-DD", param_hint=what) from None


def _local_time(day: date, hhmm: str, airport: str) -> datetime:
    from movements.domain.clock import local_to_utc
    from movements.domain.planning_views import airport_timezone

    zone = _act(lambda tx: airport_timezone(tx.session, tx.actor, airport))
    try:
        return local_to_utc(day, hhmm, zone)
    except ValueError:
        raise click.BadParameter(f"{hhmm!r}: expected HH:MM (local time at {airport})",
                                 param_hint="--time") from None


@click.group(name="movements", help="plan and cancel movements")
def movements_group() -> None:
    pass


@movements_group.command(name="add", help="plan a departure or an arrival")
@click.option("--airport", default="AMS", show_default=True)
@click.option("--kind", type=click.Choice(["departure", "arrival"]), default="departure",
              show_default=True)
@click.option("--flight", required=True, help="e.g. KL1571")
@click.option("--date", "day", required=True, help="operational date, YYYY-MM-DD")
@click.option("--time", "hhmm", required=True, help="scheduled local time, HH:MM")
@click.option("--from", "origin", default=None, help="origin (the airport for a departure)")
@click.option("--to", "destination", default=None,
              help="destination (the airport for an arrival)")
def movements_add(airport: str, kind: str, flight: str, day: str, hhmm: str,
                  origin: str | None, destination: str | None) -> None:
    from movements.domain.actions import planning as pl

    when = _day(day, "--date")
    here = airport.upper()
    new = pl.new_movement(here, pl.movement_kind(kind), flight, when,
                          _local_time(when, hhmm, here), origin=origin,
                          destination=destination)
    mid = _act(pl.plan_movement, new)
    click.echo(f"planned movement {mid}: {new.carrier}{new.flight_number} {when} {kind} "
               f"{new.origin}-{new.destination}")


@movements_group.command(name="cancel", help="cancel a movement with a reason")
@click.argument("movement_id", type=int)
@click.option("--reason", required=True)
def movements_cancel(movement_id: int, reason: str) -> None:
    from movements.domain.actions import planning as pl

    _act(pl.cancel_movement, movement_id, reason)
    click.echo(f"movement {movement_id} cancelled: {reason}")


@click.group(name="cases", help="cases: create, book, move")
def cases_group() -> None:
    pass


def _case_id(reference: str) -> int:
    """A case by id or reference."""
    from movements.domain.planning_views import case_by_reference

    if reference.isdigit():
        return int(reference)
    return _act(lambda tx: case_by_reference(tx.session, tx.actor, reference))


def _member(spec: str) -> Any:
    """``SURNAME/Given names[:sex[:birth date[:nationality[:SSR,SSR]]]]``."""
    from movements.domain.actions import planning as pl

    parts = spec.split(":")
    if "/" not in parts[0]:
        raise click.BadParameter(f"{spec!r}: expected SURNAME/Given names[:sex[:YYYY-MM-DD"
                                 "[:NAT[:SSR,SSR]]]]", param_hint="--member")
    surname, given = (x.strip() for x in parts[0].split("/", 1))
    sex = parts[1].strip().upper() if len(parts) > 1 and parts[1].strip() else "X"
    born = _day(parts[2].strip(), "--member") if len(parts) > 2 and parts[2].strip() else None
    nationality = parts[3].strip() if len(parts) > 3 and parts[3].strip() else None
    needs = tuple((c.strip(), None) for c in parts[4].split(",") if c.strip()) \
        if len(parts) > 4 else ()
    return pl.NewPassenger(surname=surname, given_names=given, sex=sex, birth_date=born,
                           nationality=nationality, needs=needs)


@cases_group.command(name="add", help="create a case, with its members")
@click.argument("reference")
@click.option("--airport", default="AMS", show_default=True)
@click.option("--member", "members", multiple=True,
              help="SURNAME/Given names[:sex[:YYYY-MM-DD[:NAT[:SSR,SSR]]]] (repeatable)")
def cases_add(reference: str, airport: str, members: tuple[str, ...]) -> None:
    from movements.domain.actions import planning as pl
    from movements.domain.uow import Tx

    people = [_member(m) for m in members]

    def create(tx: Tx) -> tuple[int, list[int]]:
        cid = pl.create_case(tx, airport, reference)
        return cid, [pl.create_passenger(tx, cid, p) for p in people]

    cid, pids = _act(create)
    click.echo(f"case {reference.upper()} created as id {cid} with {len(pids)} member(s)")


@cases_group.command(name="book", help="book a whole case on a movement")
@click.argument("case")
@click.option("--movement", "movement_id", type=int, required=True)
@click.option("--stop", default=None, help="the charter stop where the case leaves")
def cases_book(case: str, movement_id: int, stop: str | None) -> None:
    from movements.domain.actions import planning as pl

    ids = _act(pl.book_case, _case_id(case), movement_id, stop=stop)
    click.echo(f"case {case} booked on movement {movement_id}: {len(ids)} passenger(s)")


@cases_group.command(name="move", help="move a case to another movement (whole by default)")
@click.argument("case")
@click.option("--from", "source", type=int, required=True, help="movement id now")
@click.option("--to", "target", type=int, required=True, help="movement id to move to")
@click.option("--member", "members", type=int, multiple=True,
              help="passenger id to move (repeatable; moving only some splits the case)")
@click.option("--stop", default=None)
@click.option("--split-reason", default=None, help="required when the move splits the case")
def cases_move(case: str, source: int, target: int, members: tuple[int, ...],
               stop: str | None, split_reason: str | None) -> None:
    from movements.domain.actions import planning as pl

    plan = _act(pl.move_case, _case_id(case), source, target,
                passenger_ids=members or None, stop=stop, split_reason=split_reason)
    split = f"; case split, {len(plan.staying)} stay" if plan.splits else ""
    click.echo(f"case {case}: {len(plan.moving)} passenger(s) moved to movement {target}{split}")


__all__ = ["cases_group", "movements_group"]
