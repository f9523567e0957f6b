"""Read models for the printed documents (handover manifest, charter manifest, escort
briefing, daily report).

These are plain frozen dataclasses (stdlib only) that the PDF edge in
:mod:`movements.manifests` turns into bytes.  The caller builds them from the store and
is responsible for two things the builders never do:

* **Times are already local.**  Every ``*_local`` datetime is shown exactly as given
  (Europe/Amsterdam at Schiphol).  An aware datetime also prints its zone abbreviation
  (``CEST``); a naive one prints without.  Store UTC, convert before building.
* **Only what may be printed is printed.**  The builders print special needs only as
  the SSR code next to its plain words (``receiver_action`` on documents for a receiving
  party, ``team_action`` on the team's escort briefing).  ``DocPassenger.health_notes``
  exists so that mapping code can pass a full passenger through; no builder prints it.

Validation happens here (``__post_init__``) so that a malformed document fails before
any PDF is made: unknown SSR codes, a superseding version that does not say what it
replaces, a charter passenger whose stop is not on the route, a document whose
headcounts do not add up.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from movements.domain.phrases import Phrase
from movements.domain.ssr import SSR_CODES, NeedGroup, SsrCode
from movements.domain.vocabulary import Lane

MOVEMENT_KINDS = tuple(Lane)
"""Allowed values of :attr:`DocMovement.kind` (a charter is a flag, not a kind)."""

SEXES = ("F", "M", "X")
"""Sex as printed in the travel document (ICAO 9303: F, M, or X for unspecified)."""


def _normalise_codes(codes: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for raw in codes:
        code = raw.strip().upper()
        if code not in SSR_CODES:
            raise ValueError(f"unknown SSR code {raw!r}")
        if code not in out:
            out.append(code)
    return tuple(out)


def _check_issue(document_id: str, version: int, supersedes_document_id: str | None,
                 supersedes_version: int | None) -> None:
    if not document_id.strip():
        raise ValueError("document_id is empty")
    if version < 1:
        raise ValueError(f"version must be >= 1, got {version}")
    if version == 1 and supersedes_document_id is not None:
        raise ValueError("version 1 cannot supersede another document")
    if version > 1 and supersedes_document_id is None:
        raise ValueError(f"version {version} must say which document it supersedes")
    if supersedes_document_id is not None and supersedes_document_id == document_id:
        raise ValueError("a document cannot supersede itself")
    if supersedes_version is not None and not 1 <= supersedes_version < version:
        raise ValueError(
            f"supersedes_version {supersedes_version} must be below version {version}")


@dataclass(frozen=True, slots=True)
class DocPassenger:
    """One passenger as printed on a document.

    Attributes:
        case_ref: the case (family or travel group) reference, e.g. ``"C-2016-0412"``;
            documents group passengers by it.
        surname, given_names: the name exactly as in the travel document (MRZ-style
            Latin transcription); printed as ``SURNAME, Given Names``.
        native_name: the name in its own script where recorded (Arabic, Cyrillic,
            Ge'ez ...), in logical order as typed; ``None`` if not recorded.
        birth_date: ``None`` if unknown (printed as a dash).
        sex: ``"F"``, ``"M"`` or ``"X"`` as in the travel document.
        nationality: ISO 3166 alpha-3 as in the travel document (``"IRQ"``).
        ssr_codes: IATA SSR codes from :mod:`movements.domain.ssr`; normalised to upper
            case, de-duplicated, unknown codes rejected.
        seat: seat number if known (printed on the charter manifest and the briefing).
        stop: IATA code of the airport where the passenger leaves a multi-stop flight
            (charter manifests group by it); ``None`` means the final destination.
        escort_note: a short operational note for whoever accompanies this passenger
            (e.g. "travels with grandmother, seat next to her"); printed.  Never put
            health detail here.
        unaccompanied_minor: the agency's own flag (independent of the UMNR code).
        release_to: for an unaccompanied minor, the named adult the child may be
            released to after an ID check; printed on the handover manifest.
        health_notes: special-category health detail (chronic-condition category,
            airline MEDIF/PSM free text).  **Never printed by any builder**; present so
            that mapping code can hand over the full passenger and the PDF edge is the
            one place that decides what reaches paper.
    """

    case_ref: str
    surname: str
    given_names: str
    native_name: str | None = None
    birth_date: date | None = None
    sex: str = "X"
    nationality: str = ""
    ssr_codes: tuple[str, ...] = ()
    seat: str | None = None
    stop: str | None = None
    escort_note: str | None = None
    unaccompanied_minor: bool = False
    release_to: str | None = None
    health_notes: tuple[str, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        if not self.case_ref.strip():
            raise ValueError("case_ref is empty")
        if not (self.surname.strip() or self.given_names.strip()):
            raise ValueError(f"passenger in case {self.case_ref} has no name")
        sex = self.sex.strip().upper()
        if sex not in SEXES:
            raise ValueError(f"sex must be one of {SEXES}, got {self.sex!r}")
        object.__setattr__(self, "sex", sex)
        object.__setattr__(self, "ssr_codes", _normalise_codes(tuple(self.ssr_codes)))
        object.__setattr__(self, "health_notes", tuple(self.health_notes))
        if self.stop is not None:
            object.__setattr__(self, "stop", self.stop.strip().upper())

    @property
    def needs(self) -> tuple[SsrCode, ...]:
        """The SSR entries for this passenger, in the order recorded."""
        return tuple(SSR_CODES[c] for c in self.ssr_codes)

    @property
    def is_minor_unaccompanied(self) -> bool:
        """True if either the UMNR code or the agency flag says so."""
        return self.unaccompanied_minor or "UMNR" in self.ssr_codes

    @property
    def is_agency_passenger(self) -> bool:
        """False for deportees and inadmissible passengers (DEPA/DEPU/INAD)."""
        return not any(NeedGroup.NOT_AGENCY in n.groups for n in self.needs)

    @property
    def has_special_needs(self) -> bool:
        """True if the team must do something for this passenger: any SSR code other
        than the family-grouping ones (INFT, CHLD), an unaccompanied minor, or an
        escort note."""
        return (any(n.groups - {NeedGroup.FAMILY} for n in self.needs)
                or self.is_minor_unaccompanied or bool(self.escort_note))

    @property
    def display_name(self) -> str:
        """``SURNAME, Given Names`` as in the travel document."""
        if self.surname and self.given_names:
            return f"{self.surname.upper()}, {self.given_names}"
        return (self.surname.upper() or self.given_names).strip()


@dataclass(frozen=True, slots=True)
class DocMovement:
    """The flight leg a document is about.

    Attributes:
        flight: carrier + number as printed, e.g. ``"KL1234"``.
        operational_date: the airline's operational date of the flight.
        origin, destination: IATA airport codes.
        kind: one of :data:`MOVEMENT_KINDS`, seen from this airport.
        scheduled_local, actual_local: local times of the relevant event (departure
            for a departure, arrival for an arrival / transit inbound); ``None`` if not
            known yet.
        terminal, gate: as last known; ``None`` prints a dash.
        is_charter: a whole aircraft chartered by the agency.
        stops: intermediate stops in route order, excluding origin and destination
            (e.g. ``("EBL", "BSR")`` for AMS-EBL-BSR-BGW). Empty for a single leg.
        origin_name, destination_name: optional city names for print ("Erbil").
        stop_names: optional IATA code -> city name mapping for the stops.
        onward_flight: for a transit, the onward flight number (printed).
        aircraft: registration / type if known, e.g. ``"PH-BXA B737-800"``.
    """

    flight: str
    operational_date: date
    origin: str
    destination: str
    kind: str
    scheduled_local: datetime | None = None
    actual_local: datetime | None = None
    terminal: str | None = None
    gate: str | None = None
    is_charter: bool = False
    stops: tuple[str, ...] = ()
    origin_name: str | None = None
    destination_name: str | None = None
    stop_names: tuple[tuple[str, str], ...] = ()
    onward_flight: str | None = None
    aircraft: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in MOVEMENT_KINDS:
            raise ValueError(f"kind must be one of {MOVEMENT_KINDS}, got {self.kind!r}")
        object.__setattr__(self, "stops", tuple(s.strip().upper() for s in self.stops))
        object.__setattr__(self, "stop_names", tuple(tuple(p) for p in self.stop_names))

    @property
    def route(self) -> tuple[str, ...]:
        """Origin, stops and destination in order."""
        return (self.origin, *self.stops, self.destination)

    @property
    def disembarkation_points(self) -> tuple[str, ...]:
        """Where passengers can leave the aircraft: the stops, then the destination."""
        return (*self.stops, self.destination)

    def place_name(self, code: str) -> str | None:
        """City name for an IATA code on the route, if the caller supplied one."""
        names = dict(self.stop_names)
        if code == self.origin and self.origin_name:
            return self.origin_name
        if code == self.destination and self.destination_name:
            return self.destination_name
        return names.get(code)


@dataclass(frozen=True, slots=True)
class HandoverDoc:
    """The handover manifest: the record the receiving party keeps.

    A signed handover is never edited: a correction is a new document with
    ``version > 1`` that names the document it replaces (``supersedes_document_id`` and
    ``supersedes_version``, which defaults to ``version - 1``) and, ideally, says why
    (``correction_note``).

    Attributes:
        document_id: unique id printed on every page and encoded in the QR code's URL.
        version: 1 for the first issue.
        supersedes_document_id: the document this one replaces (required if version>1).
        issued_at_local: when this version was issued.
        issued_by: the staff member who issued it.
        agency_name, airport_name: for the header.
        movement: the flight.
        receiving_party: organisation (or "family member") receiving the passengers.
        receiving_person: the person who receives and signs.
        handing_person: the agency staff member who hands over and signs.
        passengers: the passengers handed over (grouped by case when printed).
        escort_notes: notes for the receiving party about the handover as a whole.
        verify_url: where anyone can verify this document against the server (QR).
        handed_over_at_local: the time of the handover; ``None`` leaves a line to
            fill in by hand.
        handover_place: e.g. "Schiphol Plaza, meeting point 3".
        supersedes_version: version number of the replaced document.
        correction_note: what changed compared with the replaced version.
    """

    document_id: str
    version: int
    supersedes_document_id: str | None
    issued_at_local: datetime
    issued_by: str | Phrase  # "name (role)": a phrase, translated where drawn
    agency_name: str
    airport_name: str
    movement: DocMovement
    receiving_party: str
    receiving_person: str
    handing_person: str
    passengers: tuple[DocPassenger, ...]
    escort_notes: tuple[str, ...]
    verify_url: str
    handed_over_at_local: datetime | None = None
    handover_place: str | None = None
    supersedes_version: int | None = None
    correction_note: str | None = None
    #: The receiver's identity document as checked ("passport NL1234567"), or None.
    receiver_id_checked: str | None = None
    #: Why an arrival was released before on-blocks or before the passenger was met.
    release_override: str | None = None
    #: Signatures drawn on the tablet (strokes in pad units), drawn into the boxes.
    handing_strokes: tuple[tuple[tuple[int, int], ...], ...] | None = None
    receiving_strokes: tuple[tuple[tuple[int, int], ...], ...] | None = None

    def __post_init__(self) -> None:
        _check_issue(self.document_id, self.version, self.supersedes_document_id,
                     self.supersedes_version)
        if self.supersedes_document_id is not None and self.supersedes_version is None:
            object.__setattr__(self, "supersedes_version", self.version - 1)
        object.__setattr__(self, "passengers", tuple(self.passengers))
        object.__setattr__(self, "escort_notes", tuple(self.escort_notes))
        if not self.passengers:
            raise ValueError("a handover needs at least one passenger")
        _reject_non_agency(self.passengers)


@dataclass(frozen=True, slots=True)
class EscortOnBoard:
    """An escort travelling on a charter or assigned in a briefing."""

    name: str
    role: str | Phrase
    """e.g. "medical escort", "operational escort", "team lead" (a phrase: translated
    where the document is drawn)."""
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class StopHeadcount:
    """Passengers leaving the aircraft at one stop."""

    stop: str
    stop_name: str | None
    cases: int
    passengers: int


@dataclass(frozen=True, slots=True)
class CharterManifestDoc:
    """The manifest of a (possibly multi-stop) charter flight.

    Every passenger's ``stop`` (``None`` = the final destination) must be one of the
    movement's disembarkation points.  :meth:`headcounts` gives one row per
    disembarkation point in route order; the rows add up to :attr:`total` by
    construction, and ``declared_total`` (if given, e.g. from the airline's booking)
    must match it or the document is refused.
    """

    document_id: str
    version: int
    supersedes_document_id: str | None
    issued_at_local: datetime
    issued_by: str | Phrase  # "name (role)": a phrase, translated where drawn
    agency_name: str
    airport_name: str
    movement: DocMovement
    passengers: tuple[DocPassenger, ...]
    escorts: tuple[EscortOnBoard, ...]
    verify_url: str
    declared_total: int | None = None
    supersedes_version: int | None = None
    correction_note: str | None = None

    def __post_init__(self) -> None:
        _check_issue(self.document_id, self.version, self.supersedes_document_id,
                     self.supersedes_version)
        if self.supersedes_document_id is not None and self.supersedes_version is None:
            object.__setattr__(self, "supersedes_version", self.version - 1)
        object.__setattr__(self, "passengers", tuple(self.passengers))
        object.__setattr__(self, "escorts", tuple(self.escorts))
        points = self.movement.disembarkation_points
        for p in self.passengers:
            if p.stop is not None and p.stop not in points:
                raise ValueError(
                    f"{p.display_name} ({p.case_ref}) leaves at {p.stop}, "
                    f"which is not on the route {'-'.join(self.movement.route)}")
        _reject_non_agency(self.passengers)
        if self.declared_total is not None and self.declared_total != self.total:
            raise ValueError(
                f"declared total {self.declared_total} != {self.total} passengers listed")

    def stop_of(self, p: DocPassenger) -> str:
        return p.stop or self.movement.destination

    def passengers_at(self, stop: str) -> tuple[DocPassenger, ...]:
        return tuple(p for p in self.passengers if self.stop_of(p) == stop)

    def headcounts(self) -> tuple[StopHeadcount, ...]:
        rows = []
        for stop in self.movement.disembarkation_points:
            ps = self.passengers_at(stop)
            rows.append(StopHeadcount(stop, self.movement.place_name(stop),
                                      len({p.case_ref for p in ps}), len(ps)))
        return tuple(rows)

    @property
    def total(self) -> int:
        return len(self.passengers)

    @property
    def total_cases(self) -> int:
        return len({p.case_ref for p in self.passengers})


@dataclass(frozen=True, slots=True)
class EscortBriefingDoc:
    """The team's briefing for one movement: who needs what, and who does it.

    ``passengers`` may be the whole movement: the builder prints only those with
    special needs (:attr:`DocPassenger.has_special_needs`) and states how many of
    ``len(passengers)`` that is.  Needs are printed as the SSR code with its meaning and
    ``team_action``.

    Attributes:
        meeting_point: where the team meets the passengers.
        report_time_local: when escorts must be there.
        notes: general notes for the escorts (operational only, no health detail).
    """

    document_id: str
    version: int
    issued_at_local: datetime
    issued_by: str | Phrase  # "name (role)": a phrase, translated where drawn
    agency_name: str
    airport_name: str
    movement: DocMovement
    passengers: tuple[DocPassenger, ...]
    escorts: tuple[EscortOnBoard, ...] = ()
    meeting_point: str | None = None
    report_time_local: datetime | None = None
    notes: tuple[str, ...] = ()
    verify_url: str | None = None
    supersedes_document_id: str | None = None
    supersedes_version: int | None = None

    def __post_init__(self) -> None:
        _check_issue(self.document_id, self.version, self.supersedes_document_id,
                     self.supersedes_version)
        if self.supersedes_document_id is not None and self.supersedes_version is None:
            object.__setattr__(self, "supersedes_version", self.version - 1)
        object.__setattr__(self, "passengers", tuple(self.passengers))
        object.__setattr__(self, "escorts", tuple(self.escorts))
        object.__setattr__(self, "notes", tuple(self.notes))
        _reject_non_agency(self.passengers)

    @property
    def special_needs_passengers(self) -> tuple[DocPassenger, ...]:
        return tuple(p for p in self.passengers if p.has_special_needs)


@dataclass(frozen=True, slots=True)
class LaneCount:
    """One lane of the daily report.

    Attributes:
        lane: ``"departure"``, ``"transit"`` or ``"arrival"``.
        movements: flights worked.
        passengers: passengers assisted.
        completed: passengers whose last milestone was reached (boarded / handed over).
        no_shows: passengers who did not show.
    """

    lane: str
    movements: int
    passengers: int
    completed: int
    no_shows: int

    def __post_init__(self) -> None:
        if self.lane not in MOVEMENT_KINDS:
            raise ValueError(f"lane must be one of {MOVEMENT_KINDS}, got {self.lane!r}")
        if min(self.movements, self.passengers, self.completed, self.no_shows) < 0:
            raise ValueError("counts cannot be negative")
        if self.completed + self.no_shows > self.passengers:
            raise ValueError(
                f"{self.lane}: completed + no-shows exceed passengers assisted")


@dataclass(frozen=True, slots=True)
class ExceptionEntry:
    """Something that went wrong or needed a decision (missed connection, split case,
    late medical clearance, ...).  ``description`` is operational: no health detail."""

    time_local: datetime | None
    flight: str | None
    description: str | Phrase  # a phrase: the document renders it in its language
    case_ref: str | None = None


@dataclass(frozen=True, slots=True)
class NoShowEntry:
    """A passenger who did not travel, with the reason recorded."""

    case_ref: str
    passenger_name: str
    flight: str
    reason: str


@dataclass(frozen=True, slots=True)
class DailyReportDoc:
    """The day's summary for the airport team.

    Attributes:
        report_date: the local date reported on.
        lanes: one :class:`LaneCount` per lane (missing lanes print as zero).
        need_groups: passengers per need group (a passenger may count in several).
        exceptions, no_shows: listed in the order given.
    """

    document_id: str
    report_date: date
    issued_at_local: datetime
    issued_by: str | Phrase  # "name (role)": a phrase, translated where drawn
    agency_name: str
    airport_name: str
    lanes: tuple[LaneCount, ...]
    need_groups: tuple[tuple[NeedGroup, int], ...] = ()
    exceptions: tuple[ExceptionEntry, ...] = ()
    no_shows: tuple[NoShowEntry, ...] = ()
    verify_url: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "lanes", tuple(self.lanes))
        object.__setattr__(self, "need_groups",
                           tuple((NeedGroup(g), int(n)) for g, n in self.need_groups))
        object.__setattr__(self, "exceptions", tuple(self.exceptions))
        object.__setattr__(self, "no_shows", tuple(self.no_shows))
        dup = [k for k, n in Counter(lc.lane for lc in self.lanes).items() if n > 1]
        if dup:
            raise ValueError(f"lane given twice: {dup}")
        if any(n < 0 for _, n in self.need_groups):
            raise ValueError("need group counts cannot be negative")
        counted = sum(lc.no_shows for lc in self.lanes)
        if counted != len(self.no_shows):
            raise ValueError(
                f"lanes count {counted} no-shows but {len(self.no_shows)} are listed")

    def lane(self, lane: str) -> LaneCount:
        for lc in self.lanes:
            if lc.lane == lane:
                return lc
        return LaneCount(lane, 0, 0, 0, 0)

    @property
    def total_passengers(self) -> int:
        return sum(lc.passengers for lc in self.lanes)

    @property
    def total_movements(self) -> int:
        return sum(lc.movements for lc in self.lanes)


def _reject_non_agency(passengers: tuple[DocPassenger, ...]) -> None:
    for p in passengers:
        if not p.is_agency_passenger:
            raise ValueError(
                f"{p.display_name} ({p.case_ref}) carries "
                f"{'/'.join(c for c in p.ssr_codes if c in ('DEPA', 'DEPU', 'INAD'))}: "
                "not an agency passenger, cannot appear on an agency document")
