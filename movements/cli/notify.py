"""``movements contacts ...`` and ``movements webhooks add`` (issue 16): how the outbox
reaches people and partner systems.

Imports click and ``common`` only (the tree's rule); ``main`` adds the groups.  The
commands act as the system user ``cli`` through the domain actions (audited); a refusal
is one line on stderr and exit status 2.
"""

from __future__ import annotations

import click

from movements.cli.common import act as _act


@click.group(name="contacts", no_args_is_help=False,
             help="phone numbers, consent, e-mail addresses and counterparts")
def contacts_group() -> None:
    pass


@contacts_group.command(name="passenger", help="a passenger's mobile number and consent")
@click.argument("passenger_id", type=int)
@click.option("--phone", help="their number (E.164, or national in --region)")
@click.option("--guardian-phone", help="a minor's guardian's number: the minor's messages")
@click.option("--guardian-language",
              help="the guardian's language (name or code); default: the child's")
@click.option("--opt-out", is_flag=True, help="they do not want messages")
@click.option("--region", default="NL", show_default=True)
def contacts_passenger(passenger_id: int, phone: str | None, guardian_phone: str | None,
                       guardian_language: str | None, opt_out: bool, region: str) -> None:
    from movements.domain.actions import outbox

    _act(outbox.set_passenger_contact, passenger_id, phone=phone,
         guardian_phone=guardian_phone, opted_out=opt_out, region=region,
         guardian_language=guardian_language)
    print(f"passenger {passenger_id}: " + ("opted out" if opt_out else "contact recorded"))


@contacts_group.command(name="organisation", help="an organisation's e-mail (and phone)")
@click.argument("name")
@click.option("--email")
@click.option("--phone", help="a family's number, for the arrival SMS")
def contacts_organisation(name: str, email: str | None, phone: str | None) -> None:
    from movements.domain.actions import handovers, outbox
    from movements.domain.uow import Tx

    def act(tx: Tx) -> int:
        org = handovers.organisation_by_name(tx, name)
        outbox.set_organisation_email(tx, org.id, email, phone=phone)
        return org.id

    print(f"organisation {_act(act)}: contact recorded")


@contacts_group.command(name="carrier",
                        help="where a carrier takes special-assistance notifications")
@click.argument("carrier")
@click.option("--email", help="the carrier's special-assistance desk; omit to remove")
def contacts_carrier(carrier: str, email: str | None) -> None:
    from movements.domain.actions import outbox

    code = _act(outbox.set_carrier_contact, carrier, email)
    print(f"carrier {code}: " + (f"notifications to {email}" if email else "no address"))


@contacts_group.command(name="mission",
                        help="the receiving mission abroad of a case departing with reception")
@click.argument("case_reference")
@click.argument("organisation", required=False)
def contacts_mission(case_reference: str, organisation: str | None) -> None:
    from movements.domain.actions import outbox

    _act(outbox.set_case_mission, case_reference, organisation)
    print(f"case {case_reference}: receiving mission is {organisation or 'nobody'}")


@contacts_group.command(name="counterpart", help="who hears of a case's journey")
@click.argument("case_reference")
@click.argument("organisation")
def contacts_counterpart(case_reference: str, organisation: str) -> None:
    from movements.domain.actions import outbox

    _act(outbox.set_counterpart_by_names, case_reference, organisation)
    print(f"case {case_reference}: counterpart is {organisation}")


@click.group(name="webhooks", no_args_is_help=False, help="partner systems' webhooks")
def webhooks_group() -> None:
    pass


@webhooks_group.command(name="add", help="post an airport's events to a URL, signed")
@click.argument("airport")
@click.argument("url")
@click.option("--events", required=True,
              help="comma-separated: booking_confirmed, gate_changed, delayed, departed, "
                   "landed, passport_control, handed_over, manifest_issued, or *")
def webhooks_add(airport: str, url: str, events: str) -> None:
    from movements.cli.common import current_settings
    from movements.domain.actions import outbox

    made = _act(outbox.subscribe_webhook, airport, url, events.split(","),
                allow_private=current_settings().webhook_allow_private)
    print(f"webhook {made.id} added; its signing secret (shown once): {made.secret}")
