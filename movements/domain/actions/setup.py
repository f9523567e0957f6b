"""Airports, organisations and users: the things an admin sets up."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select

from ..errors import NotFound, RuleViolation, not_found
from ..input_rules import check_airport
from ..models import Airport, Organisation, OrganisationKind, Role, User, UserSession
from ..phrases import N_, Phrase
from ..uow import Tx
from ._common import clean_text, require_role
from .languages import check_locale


def ensure_airport(tx: Tx, iata: str, name: str, timezone: str) -> int:
    code = check_airport(Phrase(N_("airport")), iata, field="iata")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise RuleViolation(Phrase.of(N_("unknown time zone %(timezone)s"),
                                      timezone=repr(timezone)), field="timezone") from None
    airport = tx.session.scalar(select(Airport).where(Airport.iata == code))
    if airport is None:
        airport = Airport(iata=code, name=name, timezone=timezone)
        tx.session.add(airport)
        tx.session.flush()
        tx.audit("create_airport", "airport", airport.id, after={"iata": code})
    return airport.id


def ensure_organisation(tx: Tx, name: str, kind: OrganisationKind | str) -> int:
    clean = clean_text(name, N_("organisation name"), required=True, max_len=200) or ""
    try:
        org_kind = OrganisationKind(kind)
    except ValueError:
        allowed = ", ".join(k.value for k in OrganisationKind)
        raise RuleViolation(Phrase.of(N_("organisation kind %(kind)s is not one of %(allowed)s"),
                                      kind=repr(kind), allowed=allowed),
                            field="kind") from None
    org = tx.session.scalar(select(Organisation).where(Organisation.name == clean))
    if org is None:
        org = Organisation(name=clean, kind=org_kind)
        tx.session.add(org)
        tx.session.flush()
        tx.audit("create_organisation", "organisation", org.id, after={"name": clean})
    return org.id


def add_organisation(tx: Tx, name: str, kind: OrganisationKind | str) -> tuple[int, bool]:
    """``ensure_organisation`` that refuses a name already used for another kind: (id,
    whether it existed already).  RuleViolation names the kind it has."""
    clean = (name or "").strip()
    existed = tx.session.scalar(select(Organisation).where(Organisation.name == clean))
    if existed is not None and existed.kind.value != str(kind):
        raise RuleViolation(Phrase.of(N_("organisation %(name)s exists already as %(kind)s, not "
                                         "%(kind2)s"),
                                      name=repr(existed.name),
                                      kind=Phrase(existed.kind.value.replace("_", " ")),
                                      kind2=kind),
                            field="kind")
    return ensure_organisation(tx, name, kind), existed is not None


def create_organisation(tx: Tx, name: str, kind: OrganisationKind | str) -> int:
    """An admin adds an organisation (the admin page): unlike ``ensure_organisation`` a
    name already in use is refused (RuleViolation on ``name``), not reused."""
    require_role(tx, Role.ADMIN)
    clean = (name or "").strip()
    if clean and tx.session.scalar(
            select(Organisation.id).where(Organisation.name == clean)) is not None:
        raise RuleViolation(Phrase.of(N_("an organisation named %(name)s exists already"),
                                      name=repr(clean)), field="name")
    return ensure_organisation(tx, name, kind)


def set_user_active_by_name(tx: Tx, username: str, active: bool) -> int:
    """``set_user_active`` for a user named by username; NotFound when there is none."""
    user_id = tx.session.scalar(select(User.id).where(User.username == username.strip().lower()))
    if user_id is None:
        raise NotFound(Phrase.of(N_("no user named %(username)s"), username=repr(username)))
    return set_user_active(tx, user_id, active)


#: Roles whose scope is their airports (access.py): such a user must work at least one.
#: Admins work every airport; a reception user's scope is their organisation.
AIRPORT_SCOPED_ROLES = frozenset({Role.GATE_STAFF, Role.COORDINATOR, Role.MANAGER})


def add_user(tx: Tx, username: str, display_name: str, role: Role | str, password_hash: str,
             *, organisation: str | None = None, airports: Sequence[str] = (),
             locale: str = "en") -> int:
    require_role(tx, Role.ADMIN)
    check_locale(locale)
    name = (username or "").strip().lower()
    if not name or not name.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise RuleViolation(Phrase.of(N_("user name %(username)s: use letters, digits, . - _"),
                                      username=repr(username)),
                            field="username")
    user_role = _role(role)
    if tx.session.scalar(select(User.id).where(User.username == name)) is not None:
        raise RuleViolation(Phrase.of(N_("user %(name)s exists already"),
                                      name=repr(name)), field="username")
    org, found = _scope(tx, user_role, organisation, airports)
    user = User(username=name, display_name=clean_text(display_name, N_("display name"),
                                                       required=True, max_len=200) or name,
                role=user_role, organisation=org, password_hash=password_hash,
                created_at=tx.now, airports=found, locale=locale)
    tx.session.add(user)
    tx.session.flush()
    tx.audit("add_user", "user", user.id, after={
        "username": name, "role": user_role.value,
        "organisation": org.name if org else None, "airports": sorted(a.iata for a in found),
        "locale": locale})
    return user.id


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise RuleViolation(Phrase.of(N_("role %(role)s is not one of %(allowed)s"),
                                      role=repr(role), allowed=allowed), field="role") from None


def _scope(tx: Tx, role: Role, organisation: str | None, airports: Sequence[str]
           ) -> tuple[Organisation | None, list[Airport]]:
    """The organisation and airports a user of ``role`` works for, checked: a reception
    user belongs to one organisation; gate staff, coordinators and managers work at
    least one airport.  Raises RuleViolation naming the field."""
    org = None
    if organisation:
        org = tx.session.scalar(select(Organisation).where(Organisation.name == organisation))
        if org is None:
            raise RuleViolation(Phrase.of(N_("organisation %(organisation)s does not exist"),
                                          organisation=repr(organisation)),
                                field="organisation")
    if role is Role.RECEPTION and org is None:
        raise RuleViolation(Phrase(N_("a reception user belongs to one organisation")),
                            field="organisation")
    # An empty field (a form's blank airports box, " ") names no airport: left out.
    codes = [a.strip().upper() for a in airports if a and a.strip()]
    found = list(tx.session.scalars(select(Airport).where(Airport.iata.in_(codes))))
    missing = set(codes) - {a.iata for a in found}
    if missing:
        raise RuleViolation(Phrase.of(N_("airport(s) not set up: %(codes)s"),
                                      codes=", ".join(sorted(missing))),
                            field="airports")
    if role in AIRPORT_SCOPED_ROLES and not found:
        raise RuleViolation(Phrase.of(N_("a %(role)s works at least one airport: choose their "
                                         "airports"),
                                      role=Phrase(role.value.replace("_", " "))), field="airports")
    return org, found


def change_user_access(tx: Tx, user_id: int, role: Role | str, *,
                       organisation: str | None = None, airports: Sequence[str] = ()
                       ) -> bool:
    """An admin changes a user's role, organisation and airports (issue 13.7).  It takes
    effect at the user's next request (sessions read the user on every request); the
    caller tells the live hub so open sockets are re-checked at once.  An admin cannot
    take the admin role from themselves or from the last active admin.  Audited with
    before and after.  Returns whether anything changed.

    Raises NotFound for an unknown user, RuleViolation for an invalid role/scope."""
    require_role(tx, Role.ADMIN)
    user = tx.session.get(User, user_id)
    if user is None:
        raise not_found("user")
    new_role = _role(role)
    org, found = _scope(tx, new_role, organisation, airports)
    if user.role is Role.ADMIN and new_role is not Role.ADMIN:
        if user.id == tx.actor.user_id:
            raise RuleViolation(Phrase(N_("you cannot take the admin role from yourself")),
                                field="role")
        if user.active and not tx.session.scalar(select(func.count(User.id)).where(
                User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)):
            raise RuleViolation(Phrase.of(N_("%(username)s is the last active admin; add another "
                                             "admin first"),
                                          username=user.username), field="role")
    before = {"role": user.role.value, "organisation": user.organisation.name
              if user.organisation else None,
              "airports": sorted(a.iata for a in user.airports)}
    after = {"role": new_role.value, "organisation": org.name if org else None,
             "airports": sorted(a.iata for a in found)}
    if before == after:
        return False
    user.role = new_role
    user.organisation = org
    user.airports = found
    tx.audit("change_user_access", "user", user.id, before=before, after=after,
             detail=user.username)
    return True


def set_user_active(tx: Tx, user_id: int, active: bool) -> int:
    """Deactivate or reactivate an account.  Deactivating ends every open session of the
    user at once (their next request is refused) and they cannot sign in any more.
    Returns how many sessions were ended."""
    require_role(tx, Role.ADMIN)
    user = tx.session.get(User, user_id)
    if user is None:
        raise not_found("user")
    if not active:
        if user.id == tx.actor.user_id:
            raise RuleViolation(Phrase(N_("you cannot deactivate your own account")), field="user")
        if user.role is Role.ADMIN and user.active and not tx.session.scalar(
                select(func.count(User.id)).where(User.role == Role.ADMIN,
                                                  User.active.is_(True), User.id != user.id)):
            raise RuleViolation(Phrase.of(N_("%(username)s is the last active admin; add another "
                                             "admin first"),
                                          username=user.username), field="user")
    ended = 0
    if not active:
        for row in tx.session.scalars(select(UserSession).where(
                UserSession.user_id == user.id, UserSession.ended_at.is_(None))):
            row.ended_at = tx.now
            ended += 1
    if user.active == active and not ended:
        return 0
    before = user.active
    user.active = active
    tx.audit("deactivate_user" if not active else "reactivate_user", "user", user.id,
             before={"active": before}, after={"active": active},
             detail=f"{user.username}; {ended} open session(s) ended" if not active
             else user.username)
    return ended
