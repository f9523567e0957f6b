"""Receive one telex: parse, detect duplicates, assemble parts, apply, keep the raw text.

``submit(uow, actor, text, airport=...)`` is what the web, the API and the CLI call.
Everything of one telex runs in ONE transaction (``receive``): the raw row in
``telex_message``, the list, the passengers, their bookings, the movement times.  If
anything refuses (a parse error, a flight we do not have, a rule of the domain), that
transaction rolls back and a second one stores the raw text with outcome ``rejected``
and the reason with its line number: a telex is applied whole or not at all.

Outcomes (``TelexMessage.outcome``):

* ``applied``    it changed what it says (or found nothing new);
* ``duplicate``  the same message (SHA-256 of its type, COR and body lines with runs of
                 spaces collapsed: the envelope, a PDM indicator, SITA framing and BOM
                 do not count) for the same flight date was applied or is waiting
                 already, or, while a multi-part message is being assembled, that part
                 number is already there: reported, ignored.  A message marked ``PDM``
                 (possible duplicate) is checked the same way: a duplicate is reported,
                 a first arrival is applied (and its outcome says it was marked PDM);
* ``pending``    a part of a multi-part message (``PARTn`` ... ``ENDPARTn``); when parts
                 1..n are all there and the last ends with ``END<type>``, they are
                 parsed again from their stored text, joined in part order and applied
                 as one list (every part becomes ``applied``).  A PSM PART1 received
                 while PSM parts wait starts the message over (the waiting parts become
                 ``superseded``), as PART1 again replaces the flight's PSM data; a whole
                 PNL, PTM or PSM (PART1 ... END<type>) supersedes the parts waiting for
                 an earlier one, which would otherwise replace it when they complete;
* ``superseded`` a waiting part that a later message made moot (see ``pending``);
* ``rejected``   with ``line N: reason``.  When the last part of a message is refused,
                 the parts waiting for it are rejected with it.

Dates: telexes carry no year (``15SEP``) or no month (``/15``); they are placed nearest
the ``reference`` date, by default the day the telex is received (UTC).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

from movements.domain.access import Need, access_airport, airport_id_for
from movements.domain.actions import movements as mv
from movements.domain.actions import telex as tl
from movements.domain.actions import telex_lists as tll
from movements.domain.errors import ConflictError, DomainError
from movements.domain.phrases import N_, Day, Phrase, joined, stored_phrase
from movements.domain.text import nfc
from movements.domain.uow import Actor, Tx, UnitOfWork
from movements.ingest import (
    Adl,
    Mvt,
    ParsedTelex,
    Pnl,
    Psm,
    Ptm,
    TelexError,
    parse_telex,
    resolve_day,
)
from movements.ingest.pnl import Connection, NameList, birth_date_in
from movements.ingest.telex_common import KINDS, Flight, read_message, split_lines

MAX_TELEX_CHARS = 1_000_000


@dataclass(frozen=True, slots=True)
class TelexOutcome:
    id: int
    outcome: str
    kind: str | None
    flight: str | None
    flight_date: date | None
    part: int | None
    detail: str
    movement_ids: tuple[int, ...] = ()
    #: A refusal's reason as a phrase, for the reader's language (``detail`` is the
    #: English that is stored).
    reason: Phrase | None = None

    @property
    def shown(self) -> str | Phrase:
        """What to show a person: the refusal's phrase, else the stored detail."""
        return self.reason if self.reason is not None else self.detail

    @property
    def movement_id(self) -> int | None:
        return self.movement_ids[0] if self.movement_ids else None

    @property
    def ok(self) -> bool:
        return self.outcome != tl.REJECTED


def normalise(text: str) -> str:
    """The message as the parsers read it: its type (with COR) and its body lines,
    spaces collapsed; the envelope and a PDM indicator left out, so the same message
    sent again through another route or marked PDM is recognised.  Text without a
    readable identifier: its non-blank lines."""
    try:
        message = read_message(text)
    except TelexError:
        return "\n".join(line.text for line in split_lines(text) if line.text)
    head = message.kind + (" COR" if message.envelope.correction else "")
    return "\n".join([head, *(line.text for line in message.body)])


def fingerprint(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def flight_ref(flight: Flight, day: date) -> tl.FlightRef:
    return tl.FlightRef(flight.carrier, f"{flight.number}{flight.suffix}", day)


def _flight_line_no(text: str) -> int | None:
    try:
        message = read_message(text)
    except TelexError:
        return None
    return message.body[0].no if message.body else message.identifier.no


def header_of(parsed: ParsedTelex, text: str) -> tl.TelexHeader:
    assert parsed.flight_date is not None, "parse with a reference date"
    part = None if isinstance(parsed, Mvt) else parsed.part
    last = True if isinstance(parsed, Mvt) else parsed.last_part
    return tl.TelexHeader(parsed.KIND, flight_ref(parsed.flight, parsed.flight_date), part,
                          last, fingerprint(text), text, _flight_line_no(text))


def loose_header(text: str) -> tl.TelexHeader:
    """For a telex that did not parse: its text, and its type if one can be seen."""
    kind = next((line.tokens[0] for line in split_lines(text)
                 if line.text and line.tokens[0] in KINDS), None)
    return tl.TelexHeader(kind, None, None, False, fingerprint(text), text)


def report_of(mvt: Mvt, line_no: int) -> tl.MovementReport:
    assert mvt.flight_date is not None
    arrival = mvt.estimated_arrival
    return tl.MovementReport(
        flight=flight_ref(mvt.flight, mvt.flight_date), station=mvt.station, line_no=line_no,
        registration=mvt.registration,
        off_block=mvt.off_block.utc if mvt.off_block else None,
        airborne=mvt.airborne.utc if mvt.airborne else None,
        touchdown=mvt.touchdown.utc if mvt.touchdown else None,
        on_block=mvt.on_block.utc if mvt.on_block else None,
        estimated_departure=mvt.estimated_departure.utc if mvt.estimated_departure else None,
        estimated_arrival=arrival.time.utc if arrival else None,
        estimated_arrival_station=arrival.station if arrival else None,
        correction=mvt.correction)


_MVT_ELEMENTS = {"off_block": "AD off-block", "airborne": "AD airborne",
                 "touchdown": "AA touchdown", "on_block": "AA on-block",
                 "estimated_departure": "ED", "estimated_arrival": "EA"}


def _correcting(tx: Tx, report: tl.MovementReport, cor: Mvt, airport_id: int
                ) -> tl.MovementReport:
    """A COR's report, naming the MVT it corrects and what that one had and it has not."""
    earlier = tl.latest_applied(tx, "MVT", report.flight, airport_id)
    if earlier is None:
        return report
    try:
        before = parse_telex(earlier.raw, earlier.received_at.date())
    except TelexError:
        before = None
    missing = tuple(label for key, label in _MVT_ELEMENTS.items()
                    if isinstance(before, Mvt) and getattr(before, key) is not None
                    and getattr(cor, key) is None)
    return replace(report, corrects=earlier.id, not_repeated=missing)


# -- passenger lists -------------------------------------------------------------------

def side_of(parsed: Ptm | Pnl | Adl | Psm, airport: str, line_no: int | None) -> str:
    if isinstance(parsed, Ptm):
        if parsed.destination != airport:
            raise tl.TelexRefused(line_no, Phrase.of(
                N_("PTM %(flight)s %(origin)s%(destination)s does not arrive at %(airport)s"),
                flight=str(parsed.flight), origin=parsed.origin,
                destination=parsed.destination, airport=airport))
        return tl.ARRIVAL
    return tl.DEPARTURE if parsed.station == airport else tl.ARRIVAL


def _connection(conn: Connection, flight_date: date) -> tl.FlightRef:
    return flight_ref(conn.flight, resolve_day(conn.day, flight_date))


def _name_list_entries(parsed: NameList, airport: str) -> list[tl.PaxEntry]:
    assert parsed.flight_date is not None
    out: list[tl.PaxEntry] = []
    for entry in parsed.entries:
        onward = next((c for c in entry.onward if c.board in (None, airport)), None)
        inbound = entry.inbound if entry.inbound and entry.inbound.off in (None, airport) \
            else None
        # An infant on the adult's lap is a passenger of its own, never the adult's need;
        # a remark tied to one passenger (-1SURNAME/GIVEN) is that passenger's only.
        group = f"P{parsed.part}L{entry.line_no}"
        onward_ref = _connection(onward, parsed.flight_date) if onward else None
        inbound_ref = _connection(inbound, parsed.flight_date) if inbound else None
        for person in entry.names:
            mine = [r for r in entry.remarks if r.code != "INFT"
                    and (r.for_name is None or r.for_name == person)]
            chld = next((r for r in mine if r.code == "CHLD"), None)
            remarks = tuple((r.code, r.text) for r in mine)
            if person.child and chld is None:
                remarks += (("CHLD", ""),)
            out.append(tl.PaxEntry(
                line_no=entry.line_no, surname=person.surname, given_name=person.given_name,
                title=person.title, group=group, action=entry.action, locator=entry.locator,
                destination=entry.destination, remarks=remarks,
                birth_date=birth_date_in(chld.text) if chld else None, onward=onward_ref,
                inbound=inbound_ref))
            adult = f"{person.surname}/{person.given_name or ''}"
            for infant in entry.infants:
                if infant.on_lap_of is not None and infant.on_lap_of != person:
                    continue
                out.append(tl.PaxEntry(
                    line_no=infant.line_no,
                    surname=infant.name.surname if infant.name else person.surname,
                    given_name=infant.name.given_name if infant.name else None,
                    title=infant.name.title if infant.name else None, group=group,
                    action=entry.action, locator=entry.locator,
                    destination=entry.destination, remarks=(("INFT", ""),),
                    birth_date=infant.birth_date, lap_of=adult, onward=onward_ref,
                    inbound=inbound_ref))
    return out


def _ptm_entries(parsed: Ptm) -> tuple[list[tl.PaxEntry], bool]:
    """Entries, and whether every transfer line named its passengers."""
    assert parsed.flight_date is not None
    out: list[tl.PaxEntry] = []
    named = True
    for t in parsed.transfers:
        if not t.names:
            named = False
            continue
        onward = flight_ref(t.onward.flight, resolve_day(t.onward.day, parsed.flight_date))
        # A name group (OKELLO/GRACE/JOHN) is one family: numbered, never named, since
        # the group key may become a case reference.
        groups: dict[str, int] = {}
        for person in t.names:
            number = groups.setdefault(person.surname, len(groups) + 1)
            out.append(tl.PaxEntry(
                line_no=t.line_no, surname=person.surname, given_name=person.given_name,
                group=f"P{parsed.part}L{t.line_no}G{number}",
                destination=t.destination, onward=onward))
    return out, named


def _psm_entries(parsed: Psm) -> list[tl.PaxEntry]:
    assert parsed.flight_date is not None
    out: list[tl.PaxEntry] = []
    for e in parsed.entries:
        onward = flight_ref(e.onward.flight, resolve_day(e.onward.day, parsed.flight_date)) \
            if e.onward else None
        # INFT on a passenger line: the passenger travels with an infant, who becomes a
        # passenger of its own (name unknown, birth date from the free text if given).
        codes = [code for code in e.ssr_codes if code != "INFT"]
        remarks = tuple((code, (e.free_text or "") if i == 0 else "")
                        for i, code in enumerate(codes))
        for k, person in enumerate(e.names):
            out.append(tl.PaxEntry(
                line_no=e.line_no, surname=person.surname, given_name=person.given_name,
                title=person.title, group=f"P{parsed.part}L{e.line_no}",
                destination=e.destination, seat=e.seats[k] if e.seats else None,
                remarks=remarks, onward=onward))
            if "INFT" in e.ssr_codes:
                out.append(tl.PaxEntry(
                    line_no=e.line_no, surname=person.surname, given_name=None,
                    group=f"P{parsed.part}L{e.line_no}", destination=e.destination,
                    remarks=(("INFT", ""),), onward=onward,
                    birth_date=birth_date_in(e.free_text or ""),
                    lap_of=f"{person.surname}/{person.given_name or ''}"))
    return out


def pax_list_of(parts: Sequence[Ptm | Pnl | Adl | Psm], airport: str, line_no: int
                ) -> tl.PaxList:
    """The parts of one message, in part order, as one list."""
    first = parts[0]
    assert first.flight_date is not None
    entries: list[tl.PaxEntry] = []
    complete = True
    for part in parts:
        if isinstance(part, Ptm):
            more, named = _ptm_entries(part)
            entries.extend(more)
            complete = complete and named
        elif isinstance(part, Psm):
            entries.extend(_psm_entries(part))
        else:
            entries.extend(_name_list_entries(part, airport))
    return tl.PaxList(first.KIND, flight_ref(first.flight, first.flight_date),
                      side_of(first, airport, line_no), tuple(entries), line_no,
                      partial=not complete)


# -- one telex, one transaction --------------------------------------------------------

def _outcome(row: object, movement_ids: Sequence[int] = ()) -> TelexOutcome:
    from movements.domain.models import TelexMessage

    assert isinstance(row, TelexMessage)
    stored = stored_phrase(row.detail_phrase, row.detail or "", ()) \
        if row.detail_phrase else None
    return TelexOutcome(row.id, row.outcome, row.message_type, row.flight, row.flight_date,
                        row.part, row.detail or "", tuple(movement_ids) or (
                            (row.movement_id,) if row.movement_id else ()),
                        stored if isinstance(stored, Phrase) else None)


#: An outcome as a word inside a sentence ("(applied)"), a msgid each.
_OUTCOME_WORDS: dict[str, str] = {tl.APPLIED: N_("applied"), tl.PENDING: N_("pending"),
                  tl.DUPLICATE: N_("duplicate"), tl.REJECTED: N_("rejected"),
                  tl.SUPERSEDED: N_("superseded")}


def _outcome_word(outcome: str) -> Phrase:
    return Phrase(_OUTCOME_WORDS.get(outcome, outcome))


def receive(tx: Tx, text: str, airport: str, reference: date) -> TelexOutcome:
    """Parse and apply one telex inside the caller's transaction; raises ``TelexError``
    or a ``DomainError`` to refuse it (the caller stores the rejection)."""
    # Check, then write: only a coordinator of this airport receives telexes for it.
    airport_id = access_airport(tx.session, tx.actor, airport, Need.COORDINATE).id
    parsed = parse_telex(text, reference)
    header = header_of(parsed, text)
    line_no = header.line_no or 1
    duplicate = tl.find_duplicate(tx, header)
    if duplicate is not None:
        row = tl.store_message(
            tx, header, tl.DUPLICATE,
            Phrase.of(N_("duplicate of telex %(telex)s received %(at)s (%(outcome)s); "
                         "ignored"), telex=duplicate.id,
                      at=Day(duplicate.received_at, "dd MMM HH:mm'Z'"),
                      outcome=_outcome_word(duplicate.outcome)),
            duplicate.movement_id, airport_id=airport_id)
        return _outcome(row)
    pdm = (Phrase(N_("marked PDM (possible duplicate), first received here")),) \
        if parsed.envelope.possible_duplicate else ()
    if isinstance(parsed, Mvt):
        report = report_of(parsed, line_no)
        if parsed.correction:
            report = _correcting(tx, report, parsed, airport_id)
        applied = tl.apply_movement_report(tx, airport, report)
        row = tl.store_message(tx, header, tl.APPLIED, joined(applied.phrase, *pdm),
                               applied.movement_ids[0] if applied.movement_ids else None,
                               airport_id=airport_id)
        return _outcome(row, applied.movement_ids)

    parts: list[Ptm | Pnl | Adl | Psm] = [parsed]
    if header.multi_part:
        assert header.flight is not None
        side = side_of(parsed, airport, line_no)
        airport_row = mv.airport_by_code(tx, airport)
        if not tl.flight_movements(tx.session, airport_row, header.flight, side):
            raise tl.TelexRefused(line_no, tl.no_movement(header.flight, side, airport_row))
        if header.kind == "PSM" and header.part == 1:
            tl.supersede_pending(tx, header, by=Phrase(N_("a new PSM PART1")))
        row = tl.store_message(tx, header, tl.PENDING, airport_id=airport_id)
        rows = sorted(tl.pending_parts(tx, header), key=lambda r: r.part or 0)
        stored = [parse_telex(r.raw, r.received_at.date()) for r in rows]
        lists = [p for p in stored if not isinstance(p, Mvt)]
        missing = tl.missing_parts([(p.part, p.last_part) for p in lists])
        if missing is None or missing:
            have = ", ".join(str(p.part) for p in lists)
            waiting = Phrase(N_("the last part")) if missing is None else Phrase.of(
                N_("part %(parts)s") if len(missing) == 1 else N_("parts %(parts)s"),
                parts=", ".join(map(str, missing)))
            tl.finish(tx, [row], tl.PENDING, Phrase.of(
                N_("part %(part)s kept (have %(have)s); waiting for %(waiting)s"),
                part=header.part or 0, have=have, waiting=waiting), None)
            return _outcome(row)
        parts = lists
    else:
        row = tl.store_message(tx, header, tl.APPLIED, airport_id=airport_id)
        rows = [row]
        if header.kind != "ADL":
            # A whole list replaces the flight's list: parts still waiting for an earlier
            # version must not complete later and replace it back (ADLs amend instead).
            tl.supersede_pending(tx, header, by=Phrase.of(
                N_("telex %(telex)s, a whole %(kind)s"), telex=row.id, kind=header.kind or ""))
    pax = pax_list_of(parts, airport, line_no)
    applied = tll.apply_passenger_list(tx, airport, pax, row.id)
    detail = joined(applied.phrase, *pdm)
    if len(rows) > 1:
        detail = joined(Phrase.of(N_("parts 1-%(last)s assembled"), last=len(rows)), detail)
    tl.finish(tx, rows, tl.APPLIED, detail,
              applied.movement_ids[0] if applied.movement_ids else None)
    return _outcome(row, applied.movement_ids)


async def submit(uow: UnitOfWork, actor: Actor, text: str, *, airport: str,
                 reference: date | None = None) -> TelexOutcome:
    """Receive one telex for the airport (IATA code): applied whole, or rejected and stored
    with the reason.  Raises NotFound, storing nothing, when the actor is not a
    coordinator of that airport (access.access_airport).  The text is taken in Unicode
    NFC (names in PNL/ADL may be in any script)."""
    text = nfc(text)
    airport_id = await uow.read(airport_id_for, actor, airport, Need.COORDINATE)
    if "\x00" in text:
        # A NUL byte never belongs in a Type B telex, and PostgreSQL refuses it in text.
        text = text.replace("\x00", "")
        header = loose_header(text)
        nul = Phrase(N_("the telex contains a NUL character"))
        return dataclasses.replace(_outcome(await uow.run(
            tl.store_rejected, actor, header, nul.english(), airport_id=airport_id,
            phrase=nul)), reason=nul)
    if len(text) > MAX_TELEX_CHARS:
        text = text[:MAX_TELEX_CHARS]
        header = loose_header(text)
        long = Phrase.of(N_("telex longer than %(most)s characters"), most=MAX_TELEX_CHARS)
        return dataclasses.replace(_outcome(await uow.run(
            tl.store_rejected, actor, header, long.english(), airport_id=airport_id,
            phrase=long)), reason=long)
    day = reference or uow.clock.now().date()
    try:
        # Someone changed the same rows meanwhile: read again, once.
        async for attempt in AsyncRetrying(retry=retry_if_exception_type(ConflictError),
                                           stop=stop_after_attempt(2), reraise=True):
            with attempt:
                return await uow.run(receive, actor, text, airport, day)
    except TelexError as exc:
        header, reason, assembling = loose_header(text), str(exc), False
        phrase = exc.phrase
    except ConflictError as exc:
        header, reason, assembling = _header_again(text, day), exc.message, False
        phrase = exc.phrase
    except DomainError as exc:
        header = _header_again(text, day)
        reason, assembling = exc.message, header.multi_part
        phrase = exc.phrase
    row = await uow.run(tl.store_rejected, actor, header, reason, assembling, airport_id,
                        phrase)
    return dataclasses.replace(_outcome(row), reason=phrase)


def _header_again(text: str, reference: date) -> tl.TelexHeader:
    try:
        return header_of(parse_telex(text, reference), text)
    except TelexError:
        return loose_header(text)
