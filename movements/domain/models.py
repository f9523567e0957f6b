"""The persistent domain model (SQLAlchemy 2, typed).

All times are stored as UTC.  SQLite has no time zone type, so ``UtcDateTime`` puts the
UTC zone back on the way out; comparing aware and naive datetimes is a bug we never want
to meet at 23:59 on a daylight-saving day.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .vocabulary import (  # the ORM columns use them; edges import vocabulary
    BookingStatus,
    ChronicCondition,
    EscortKind,
    HandoverStatus,
    MedicalLevel,
    MovementKind,
    OrganisationKind,
    Role,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store aware UTC times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _enum(cls: type[enum.Enum]) -> Enum:
    # Store the value (readable in SQL and stable across renames of the Python name).
    return Enum(cls, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e],
                validate_strings=True)


class Airport(Base):
    __tablename__ = "airport"
    id: Mapped[int] = mapped_column(primary_key=True)
    iata: Mapped[str] = mapped_column(String(3), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64))
    escort_transfer_minutes: Mapped[int] = mapped_column(Integer, default=20)
    min_connection_minutes: Mapped[int] = mapped_column(Integer, default=50)


class Organisation(Base):
    __tablename__ = "organisation"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(_enum(OrganisationKind))


class UserAirport(Base):
    __tablename__ = "user_airport"
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"),
                                         primary_key=True)
    airport_id: Mapped[int] = mapped_column(ForeignKey("airport.id"), primary_key=True)


class User(Base):
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_enum(Role))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Set by an admin's reset (a one-time password): changed at the next sign-in.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: The console's language for this person (``en``, ``nl``; movements/i18n.py).
    locale: Mapped[str] = mapped_column(String(8), default="en", server_default="en")

    organisation: Mapped[Organisation | None] = relationship()
    airports: Mapped[list[Airport]] = relationship(secondary="user_airport")


class Movement(Base):
    """One flight leg that the team works."""

    __tablename__ = "movement"
    __table_args__ = (
        UniqueConstraint("airport_id", "carrier", "flight_number", "operational_date", "kind",
                         name="uq_movement_flight"),
        Index("ix_movement_board", "airport_id", "operational_date"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    airport_id: Mapped[int] = mapped_column(ForeignKey("airport.id"))
    kind: Mapped[MovementKind] = mapped_column(_enum(MovementKind))
    is_charter: Mapped[bool] = mapped_column(Boolean, default=False)
    carrier: Mapped[str] = mapped_column(String(3))
    flight_number: Mapped[str] = mapped_column(String(6))
    operational_date: Mapped[date] = mapped_column(Date)
    origin: Mapped[str] = mapped_column(String(3))
    destination: Mapped[str] = mapped_column(String(3))
    scheduled_at: Mapped[datetime] = mapped_column(UtcDateTime())
    estimated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    actual_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    terminal: Mapped[str | None] = mapped_column(String(8))
    pier: Mapped[str | None] = mapped_column(String(8))
    gate: Mapped[str | None] = mapped_column(String(8))
    aircraft_registration: Mapped[str | None] = mapped_column(String(12))
    aircraft_type: Mapped[str | None] = mapped_column(String(8))
    flight_state: Mapped[str] = mapped_column(String(8), default="SCH")
    # Every state the feed reports, in flight_states.board_states order (flight_state
    # is the first); None when only flight_state is known.
    flight_states: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    airport: Mapped[Airport] = relationship()
    bookings: Mapped[list[Booking]] = relationship(back_populates="movement",
                                                   order_by="Booking.id")
    stops: Mapped[list[CharterStop]] = relationship(order_by="CharterStop.position",
                                                    cascade="all, delete-orphan")
    __mapper_args__ = {"version_id_col": version}

    @property
    def flight(self) -> str:
        return f"{self.carrier}{self.flight_number}"

    @property
    def lane(self) -> str:
        return self.kind.lane

    @property
    def best_time(self) -> datetime:
        return self.actual_at or self.estimated_at or self.scheduled_at


class CharterStop(Base):
    __tablename__ = "charter_stop"
    id: Mapped[int] = mapped_column(primary_key=True)
    movement_id: Mapped[int] = mapped_column(ForeignKey("movement.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    airport_code: Mapped[str] = mapped_column(String(3))
    scheduled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # arrival there


class Transit(Base):
    """Links the inbound and the onward leg of a transit; the connection is the risk."""

    __tablename__ = "transit"
    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_movement_id: Mapped[int] = mapped_column(ForeignKey("movement.id"), unique=True)
    onward_movement_id: Mapped[int] = mapped_column(ForeignKey("movement.id"))
    inbound: Mapped[Movement] = relationship(foreign_keys=[inbound_movement_id])
    onward: Mapped[Movement] = relationship(foreign_keys=[onward_movement_id])


class Case(Base):
    """A family or travel group that must travel together."""

    __tablename__ = "travel_case"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    airport_id: Mapped[int] = mapped_column(ForeignKey("airport.id"))
    programme: Mapped[str] = mapped_column(String(40), default="voluntary_return")
    split_flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    passengers: Mapped[list[Passenger]] = relationship(back_populates="case",
                                                       order_by="Passenger.id")


class Passenger(Base):
    __tablename__ = "passenger"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("travel_case.id"))
    surname: Mapped[str] = mapped_column(String(120))
    given_names: Mapped[str] = mapped_column(String(200))
    native_name: Mapped[str | None] = mapped_column(String(300))
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1), default="X")
    nationality: Mapped[str | None] = mapped_column(String(3))
    booking_locator: Mapped[str | None] = mapped_column(String(12))
    language: Mapped[str | None] = mapped_column(String(40))
    # The agency's own flags, next to the SSR codes.
    medical_escort_required: Mapped[bool] = mapped_column(Boolean, default=False)
    operational_escort_required: Mapped[bool] = mapped_column(Boolean, default=False)
    victim_of_trafficking: Mapped[bool] = mapped_column(Boolean, default=False)
    chronic_condition: Mapped[ChronicCondition | None] = mapped_column(_enum(ChronicCondition))
    medical_level: Mapped[MedicalLevel | None] = mapped_column(_enum(MedicalLevel))
    medical_notes: Mapped[str | None] = mapped_column(Text)
    # UMNR: the only adult the child may be released to.
    release_to_name: Mapped[str | None] = mapped_column(String(200))
    release_to_relation: Mapped[str | None] = mapped_column(String(80))
    # An infant travelling on this adult's lap (INFT): the adult's passenger id.
    lap_of_passenger_id: Mapped[int | None] = mapped_column(ForeignKey("passenger.id"))
    purged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    case: Mapped[Case] = relationship(back_populates="passengers")
    needs: Mapped[list[SpecialNeed]] = relationship(order_by="SpecialNeed.id",
                                                    cascade="all, delete-orphan")
    bookings: Mapped[list[Booking]] = relationship(back_populates="passenger")
    __mapper_args__ = {"version_id_col": version}

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(n.code for n in self.needs)

    @property
    def initials(self) -> str:
        parts = [self.given_names[:1], self.surname[:1]]
        return "".join(p.upper() for p in parts if p) or "?"

    def age_on(self, day: date) -> int | None:
        if self.birth_date is None:
            return None
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    def is_minor_on(self, day: date) -> bool:
        age = self.age_on(day)
        return age is not None and age < 18

    @property
    def is_unaccompanied_minor(self) -> bool:
        return "UMNR" in self.codes


class SpecialNeed(Base):
    __tablename__ = "special_need"
    # Reports count people per code (GROUP BY code) without scanning every need.
    __table_args__ = (Index("ix_special_need_code", "code", "passenger_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    passenger_id: Mapped[int] = mapped_column(ForeignKey("passenger.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(4))
    text: Mapped[str | None] = mapped_column(String(300))


class Booking(Base):
    """A passenger's place on a movement."""

    __tablename__ = "booking"
    __table_args__ = (UniqueConstraint("passenger_id", "movement_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    passenger_id: Mapped[int] = mapped_column(ForeignKey("passenger.id"))
    movement_id: Mapped[int] = mapped_column(ForeignKey("movement.id"), index=True)
    seat: Mapped[str | None] = mapped_column(String(5))
    stop: Mapped[str | None] = mapped_column(String(3))
    status: Mapped[BookingStatus] = mapped_column(_enum(BookingStatus),
                                                  default=BookingStatus.BOOKED)
    no_show_reason: Mapped[str | None] = mapped_column(String(300))
    #: Who recorded the no-show and when (the undo window is theirs).
    no_show_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    no_show_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    passenger: Mapped[Passenger] = relationship(back_populates="bookings")
    movement: Mapped[Movement] = relationship(back_populates="bookings")
    milestones: Mapped[list[Milestone]] = relationship(order_by="Milestone.id",
                                                       back_populates="booking")
    __mapper_args__ = {"version_id_col": version}


class Milestone(Base):
    __tablename__ = "milestone"
    __table_args__ = (UniqueConstraint("booking_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    override_reason: Mapped[str | None] = mapped_column(String(300))
    booking: Mapped[Booking] = relationship(back_populates="milestones")


class EscortAssignment(Base):
    __tablename__ = "escort_assignment"
    id: Mapped[int] = mapped_column(primary_key=True)
    movement_id: Mapped[int] = mapped_column(ForeignKey("movement.id"), index=True)
    passenger_id: Mapped[int] = mapped_column(ForeignKey("passenger.id"))
    kind: Mapped[EscortKind] = mapped_column(_enum(EscortKind))
    escort_name: Mapped[str] = mapped_column(String(200))
    assigned_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Note(Base):
    __tablename__ = "note"
    id: Mapped[int] = mapped_column(primary_key=True)
    movement_id: Mapped[int] = mapped_column(ForeignKey("movement.id"), index=True)
    passenger_id: Mapped[int | None] = mapped_column(ForeignKey("passenger.id"))
    text: Mapped[str] = mapped_column(Text)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class HandoverPassenger(Base):
    __tablename__ = "handover_passenger"
    handover_id: Mapped[int] = mapped_column(ForeignKey("handover.id", ondelete="CASCADE"),
                                             primary_key=True)
    passenger_id: Mapped[int] = mapped_column(ForeignKey("passenger.id"), primary_key=True)


class Handover(Base):
    """Passengers handed to a receiving party.  Signed means frozen."""

    __tablename__ = "handover"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[str] = mapped_column(String(36), unique=True)
    movement_id: Mapped[int] = mapped_column(ForeignKey("movement.id"), index=True)
    receiving_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    receiving_person: Mapped[str] = mapped_column(String(200))
    receiver_id_checked: Mapped[str | None] = mapped_column(String(200))
    handing_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    handed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[HandoverStatus] = mapped_column(_enum(HandoverStatus),
                                                   default=HandoverStatus.DRAFT)
    handing_signature: Mapped[str | None] = mapped_column(String(200))
    receiving_signature: Mapped[str | None] = mapped_column(String(200))
    signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    notes: Mapped[str | None] = mapped_column(Text)
    handover_version: Mapped[int] = mapped_column(Integer, default=1)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("handover.id"))
    #: Why an arrival was released before on-blocks or before the passenger was met
    #: (printed on the manifest); None when the guard held.
    release_override: Mapped[str | None] = mapped_column(String(500))
    #: Signatures drawn on the tablet: strokes as JSON (``movements.domain.signatures``).
    handing_strokes: Mapped[str | None] = mapped_column(Text)
    receiving_strokes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    movement: Mapped[Movement] = relationship()
    receiving_organisation: Mapped[Organisation] = relationship()
    passengers: Mapped[list[Passenger]] = relationship(secondary="handover_passenger",
                                                       order_by="Passenger.id")
    supersedes: Mapped[Handover | None] = relationship(
        foreign_keys=[supersedes_id], remote_side="Handover.id")
    __mapper_args__ = {"version_id_col": version}


class ManifestDocument(Base):
    """A generated PDF as issued: its bytes and hash, so anyone can verify a copy."""

    __tablename__ = "manifest_document"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    handover_id: Mapped[int | None] = mapped_column(ForeignKey("handover.id"))
    movement_id: Mapped[int | None] = mapped_column(ForeignKey("movement.id"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    issued_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    content: Mapped[bytes] = mapped_column()


class StreamCounter(Base):
    """The last sequence number of one live stream; bumped inside each change.

    A stream is what one screen follows: ``board:AMS:2026-09-15`` (one airport's day) or
    ``movement:42`` (one movement page, which also shows its linked transit leg).  Each
    stream's numbers are gapless because they are taken in the transaction of the change.
    """

    __tablename__ = "stream_counter"
    stream: Mapped[str] = mapped_column(String(60), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class ImportUndo(Base):
    """What one committed chunk of a running import changed, so that a failed import can
    be undone (``actions.import_undo``): a bulk import commits in bounded chunks so taps
    get in between, and keeps all-or-nothing by undoing the chunks already in.  The rows
    of a batch live only while its import runs."""

    __tablename__ = "import_undo"
    id: Mapped[int] = mapped_column(primary_key=True)
    batch: Mapped[str] = mapped_column(String(40), index=True)
    op: Mapped[str] = mapped_column(String(10))  # insert | update | delete (what was done)
    table_name: Mapped[str] = mapped_column(String(60))
    row_key: Mapped[dict[str, Any]] = mapped_column(JSON)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the row before (update/delete)


@event.listens_for(Movement, "load")
def _remember_loaded_day(movement: Movement, _context: object) -> None:
    """The day a movement had when this transaction read it: a change of date must also
    reach the board of that day, which then drops the row (``uow.streams_of``)."""
    movement.__dict__["_loaded_day"] = movement.__dict__.get("operational_date")


def loaded_day(movement: Movement) -> date | None:
    """The movement's ``operational_date`` as this session first read it (None: new)."""
    value = movement.__dict__.get("_loaded_day")
    return value if isinstance(value, date) else None


class BulkBatch(Base):
    """One chunked bulk write (a passenger import, a telex list, a demo year): what it
    is, whose process runs it, and how it ended (``actions.bulk``).  A process killed
    mid-write leaves ``running`` with its journal (``import_undo``); the next start, or
    the jobs, roll it back from that journal and say so here (``recovered``)."""

    __tablename__ = "bulk_batch"
    batch: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # passenger_import | telex_list | ...
    airport: Mapped[str | None] = mapped_column(String(3), index=True)
    label: Mapped[str | None] = mapped_column(String(200))  # e.g. the file's name
    user_id: Mapped[int | None] = mapped_column(Integer)
    owner: Mapped[str] = mapped_column(String(200))  # host:pid:token of its process
    state: Mapped[str] = mapped_column(String(20), index=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    heartbeat_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    detail: Mapped[str | None] = mapped_column(String(500))


class StreamEvent(Base):
    __tablename__ = "stream_event"
    __table_args__ = (UniqueConstraint("stream", "seq", name="uq_stream_event_seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    stream: Mapped[str] = mapped_column(String(60))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    movement_id: Mapped[int | None] = mapped_column(ForeignKey("movement.id"))
    passenger_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class AuditEntry(Base):
    """Append-only: no action updates or deletes these rows."""

    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    username: Mapped[str | None] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    detail: Mapped[str | None] = mapped_column(Text)


class IdempotentResponse(Base):
    """A write's stored reply, so a tablet's retry replays it instead of acting twice."""

    __tablename__ = "idempotent_response"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Alert(Base):
    """Something a coordinator must look at; raised and cleared by rules, acked by a person."""

    __tablename__ = "alert"
    __table_args__ = (Index("ix_alert_open", "airport_id", "cleared_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    airport_id: Mapped[int] = mapped_column(ForeignKey("airport.id"))
    movement_id: Mapped[int | None] = mapped_column(ForeignKey("movement.id"))
    passenger_id: Mapped[int | None] = mapped_column(ForeignKey("passenger.id"))
    kind: Mapped[str] = mapped_column(String(40))
    dedupe_key: Mapped[str] = mapped_column(String(200), index=True)
    message: Mapped[str] = mapped_column(String(500))
    #: The message as a translatable phrase (JSON, domain/phrases.py); NULL on rows
    #: written before it (read back by parsing ``message``).
    message_phrase: Mapped[str | None] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime())
    cleared_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    acknowledged_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class TelexMessage(Base):
    """Every telex as received, with what became of it."""

    __tablename__ = "telex_message"
    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    message_type: Mapped[str | None] = mapped_column(String(8))
    flight: Mapped[str | None] = mapped_column(String(12))
    flight_date: Mapped[date | None] = mapped_column(Date)
    part: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    raw: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16))  # applied, duplicate, rejected, pending
    detail: Mapped[str | None] = mapped_column(Text)
    # A refusal's reason as a phrase (JSON, domain/phrases.py), so the log reads in the
    # reader's language; ``detail`` keeps the English.  NULL: show ``detail`` as stored.
    detail_phrase: Mapped[str | None] = mapped_column(Text)
    movement_id: Mapped[int | None] = mapped_column(ForeignKey("movement.id"))
    # The airport it was received for (who may read it: access.access_telex).
    airport_id: Mapped[int | None] = mapped_column(ForeignKey("airport.id"), index=True)


class FeedStatus(Base):
    __tablename__ = "feed_status"
    airport_id: Mapped[int] = mapped_column(ForeignKey("airport.id"), primary_key=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    # The provider asked us to wait (429/503 Retry-After): no request before this.
    wait_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Records of the last good poll that could not be read: [{"where", "reason"}].
    quarantined: Mapped[list[dict[str, str]] | None] = mapped_column(JSON(none_as_null=True))


class JobLease(Base):
    """Leader lease: exactly one process runs the timed jobs; another takes over on expiry."""

    __tablename__ = "job_lease"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class UserSession(Base):
    """A server-side sign-in session; the cookie carries only a random id's hash key."""

    __tablename__ = "user_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    client_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    current_airport_id: Mapped[int | None] = mapped_column(ForeignKey("airport.id"))


class LoginAttempt(Base):
    __tablename__ = "login_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    client_address: Mapped[str] = mapped_column(String(64), index=True)
    success: Mapped[bool] = mapped_column(Boolean)


class ConnectionRule(Base):
    """A carrier's minimum connection time at one airport (else Airport.min_connection_minutes)."""

    __tablename__ = "connection_rule"
    __table_args__ = (UniqueConstraint("airport_id", "carrier", name="uq_connection_rule_carrier"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    airport_id: Mapped[int] = mapped_column(ForeignKey("airport.id"))
    carrier: Mapped[str] = mapped_column(String(3))
    min_connection_minutes: Mapped[int] = mapped_column(Integer)


class UmnrRule(Base):
    """Whether a carrier carries an unaccompanied minor on a connection, and on how many."""

    __tablename__ = "umnr_rule"
    carrier: Mapped[str] = mapped_column(String(3), primary_key=True)
    allows_connections: Mapped[bool] = mapped_column(Boolean, default=False)
    max_connections: Mapped[int] = mapped_column(Integer, default=0)


# -- telex ingest: the latest passenger lists, who the telexes put on the manifest, and
# -- the coordinator's decisions on the differences (migration 0003).


class TelexList(Base):
    """What the latest passenger telexes of one kind say about one flight at the airport.

    ``kind`` is PNL (a full PNL replaces it, an ADL amends it), PTM (a later PTM
    replaces it) or PSM (PART1 again replaces it).  ``side`` is the leg at the airport:
    ``arrival`` (the flight lands here) or ``departure`` (it leaves from here).
    ``movement_ids`` are the movements of that flight and side the list covers.
    """

    __tablename__ = "telex_list"
    __table_args__ = (UniqueConstraint("airport_id", "kind", "flight", "flight_date", "side",
                                       name="uq_telex_list_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    airport_id: Mapped[int] = mapped_column(ForeignKey("airport.id"))
    kind: Mapped[str] = mapped_column(String(8))
    flight: Mapped[str] = mapped_column(String(12))
    flight_date: Mapped[date] = mapped_column(Date)
    side: Mapped[str] = mapped_column(String(10))
    movement_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # A full list (PNL, PTM): whoever it does not name is not on the flight.  A PSM, or
    # ADLs without their PNL, name only some passengers.
    complete: Mapped[bool] = mapped_column(Boolean, default=True)
    telex_message_id: Mapped[int | None] = mapped_column(ForeignKey("telex_message.id"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    entries: Mapped[list[TelexEntry]] = relationship(order_by="TelexEntry.id",
                                                     cascade="all, delete-orphan")


class TelexEntry(Base):
    """One passenger as the current list names them (personal data: purge with them)."""

    __tablename__ = "telex_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("telex_list.id", ondelete="CASCADE"),
                                         index=True)
    movement_id: Mapped[int] = mapped_column(ForeignKey("movement.id"), index=True)
    passenger_id: Mapped[int | None] = mapped_column(ForeignKey("passenger.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    group_key: Mapped[str] = mapped_column(String(40))
    surname: Mapped[str] = mapped_column(String(120))
    given_name: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(8))
    locator: Mapped[str | None] = mapped_column(String(12))
    destination: Mapped[str | None] = mapped_column(String(3))
    seat: Mapped[str | None] = mapped_column(String(5))
    # Every SSR remark as sent, [code, text]; codes outside ssr.SSR_CODES stay only here.
    remarks: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    onward_flight: Mapped[str | None] = mapped_column(String(12))
    onward_date: Mapped[date | None] = mapped_column(Date)
    inbound_flight: Mapped[str | None] = mapped_column(String(12))
    inbound_date: Mapped[date | None] = mapped_column(Date)
    birth_date: Mapped[date | None] = mapped_column(Date)  # infants and children
    lap_of: Mapped[str | None] = mapped_column(String(200))  # INFT: the adult's name


class TelexPassenger(Base):
    """A passenger a telex put on the manifest (no coordinator planned them).  Later
    telexes may update or drop these; a coordinator's passengers they never change."""

    __tablename__ = "telex_passenger"
    passenger_id: Mapped[int] = mapped_column(ForeignKey("passenger.id", ondelete="CASCADE"),
                                              primary_key=True)
    telex_message_id: Mapped[int | None] = mapped_column(ForeignKey("telex_message.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ReconciliationDecision(Base):
    """A coordinator applied or dismissed one telex-vs-manifest difference."""

    __tablename__ = "reconciliation_decision"
    __table_args__ = (Index("ix_reconciliation_decision_key", "movement_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    movement_id: Mapped[int] = mapped_column(ForeignKey("movement.id"))
    key: Mapped[str] = mapped_column(String(300))
    decision: Mapped[str] = mapped_column(String(10))  # applied, dismissed
    summary: Mapped[str] = mapped_column(String(500))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime())
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    username: Mapped[str | None] = mapped_column(String(80))


class FlightFieldSource(Base):
    """Who speaks for one field of a movement (gate, terminal, pier, estimated or actual
    time; the flight state, which only the feed's last report is kept for): what the
    flight feed last reported, and a person's correction that holds over it.  A feed
    report equal to its last changes nothing; a correction holds until the feed reports a
    value different from its last report (``movements.domain.actions.flight_sources``)."""

    __tablename__ = "flight_field_source"
    movement_id: Mapped[int] = mapped_column(ForeignKey("movement.id", ondelete="CASCADE"),
                                             primary_key=True)
    field: Mapped[str] = mapped_column(String(20), primary_key=True)
    #: The feed's last report, as text (ISO 8601 UTC for times); None: never reported.
    feed_value: Mapped[str | None] = mapped_column(String(40))
    feed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: True while a person's correction holds; ``person_value`` may then be None (cleared).
    person_set: Mapped[bool] = mapped_column(Boolean, default=False)
    person_value: Mapped[str | None] = mapped_column(String(40))
    set_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    set_by: Mapped[str | None] = mapped_column(String(200))
    set_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


# The coordinators' plan (issue 14) lives in its own module; importing it here puts its
# tables in Base.metadata wherever the models are loaded.
# Contacts and the outbox (issue 16), likewise.
from . import outbox_models as outbox_models  # noqa: E402
from . import planning_models as planning_models  # noqa: E402
