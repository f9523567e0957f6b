"""Tables of the coordinators' plan (issue 14), kept apart from ``models`` so the
planning work stays in its own module: cancellations, charters and their crew and
pickups, travel documents, readiness records, case confirmation, carrier notifications.

All times UTC (``UtcDateTime``); dates are calendar dates of the travel document or the
clearance as issued.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, UtcDateTime


class MovementCancellation(Base):
    """A planned movement that will not be worked (its flight state is CNX)."""

    __tablename__ = "movement_cancellation"
    movement_id: Mapped[int] = mapped_column(ForeignKey("movement.id", ondelete="CASCADE"),
                                             primary_key=True)
    reason: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    username: Mapped[str | None] = mapped_column(String(80))


class BookingCancellation(Base):
    """Why a booking was cancelled (the booking keeps status ``cancelled``)."""

    __tablename__ = "booking_cancellation"
    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"),
                                            index=True)
    reason: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class Charter(Base):
    """The whole-aircraft details of a charter movement (its stops are ``CharterStop``)."""

    __tablename__ = "charter"
    movement_id: Mapped[int] = mapped_column(ForeignKey("movement.id", ondelete="CASCADE"),
                                             primary_key=True)
    operator: Mapped[str] = mapped_column(String(120))
    seat_capacity: Mapped[int] = mapped_column(Integer)


class CharterCrew(Base):
    """An escort or medical staff member planned on a charter, on board from
    ``board_at`` (an airport code on the route, the origin by default) to ``leave_at``."""

    __tablename__ = "charter_crew"
    id: Mapped[int] = mapped_column(primary_key=True)
    movement_id: Mapped[int] = mapped_column(ForeignKey("movement.id", ondelete="CASCADE"),
                                             index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    board_at: Mapped[str] = mapped_column(String(3))
    leave_at: Mapped[str] = mapped_column(String(3))
    phone: Mapped[str | None] = mapped_column(String(40))


class GroundPickup(Base):
    """Ground transport from a reception location to the airport for one movement."""

    __tablename__ = "ground_pickup"
    id: Mapped[int] = mapped_column(primary_key=True)
    movement_id: Mapped[int] = mapped_column(ForeignKey("movement.id", ondelete="CASCADE"),
                                             index=True)
    location: Mapped[str] = mapped_column(String(200))
    pickup_at: Mapped[datetime] = mapped_column(UtcDateTime())
    vehicle: Mapped[str] = mapped_column(String(80))
    headcount: Mapped[int] = mapped_column(Integer)


class TravelDocument(Base):
    """The passenger's travel document (personal data: purged with the passenger)."""

    __tablename__ = "travel_document"
    passenger_id: Mapped[int] = mapped_column(ForeignKey("passenger.id", ondelete="CASCADE"),
                                              primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(24))
    number: Mapped[str] = mapped_column(String(40))
    expires_on: Mapped[date] = mapped_column(Date)
    issuing_country: Mapped[str] = mapped_column(String(3))


class PassengerClearance(Base):
    """What readiness needs besides the document: MEDIF, declaration, consent, UMNR
    guardians.  One row per passenger, written by ``record_clearance``."""

    __tablename__ = "passenger_clearance"
    passenger_id: Mapped[int] = mapped_column(ForeignKey("passenger.id", ondelete="CASCADE"),
                                              primary_key=True)
    medif_valid_until: Mapped[date | None] = mapped_column(Date)
    #: Flights the MEDIF covers, as "KL1234" strings joined by spaces.
    medif_flights: Mapped[str | None] = mapped_column(String(200))
    declaration_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    consent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    guardian_origin_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    guardian_destination_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)


class CaseConfirmation(Base):
    """A coordinator confirmed the case ready to travel on a movement."""

    __tablename__ = "case_confirmation"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("travel_case.id"), index=True)
    movement_id: Mapped[int] = mapped_column(ForeignKey("movement.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    #: Set when confirmed although readiness listed something missing.
    override_reason: Mapped[str | None] = mapped_column(String(300))
    missing: Mapped[str | None] = mapped_column(Text)


class CarrierNotification(Base):
    """A special-assistance pre-notification (PSM-shaped) sent to the operating carrier."""

    __tablename__ = "carrier_notification"
    id: Mapped[int] = mapped_column(primary_key=True)
    movement_id: Mapped[int] = mapped_column(ForeignKey("movement.id", ondelete="CASCADE"),
                                             index=True)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime())
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    username: Mapped[str | None] = mapped_column(String(80))
    corrected: Mapped[bool] = mapped_column(Boolean, default=False)
    fingerprint: Mapped[str] = mapped_column(String(64))
    telex: Mapped[str] = mapped_column(Text)
    email_body: Mapped[str] = mapped_column(Text)


class NotifiedPassenger(Base):
    """A passenger named in an issued carrier notification (with the codes sent): what
    "pre-notified" in the service levels is computed from (reports.service_levels)."""

    __tablename__ = "notified_passenger"
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("carrier_notification.id", ondelete="CASCADE"), primary_key=True)
    passenger_id: Mapped[int] = mapped_column(ForeignKey("passenger.id", ondelete="CASCADE"),
                                              primary_key=True, index=True)
    codes: Mapped[str] = mapped_column(String(120))  # SSR codes sent, space-separated


class EntryValidityRule(Base):
    """An administrator's entry in the travel-document validity table, overriding the
    packaged one (domain/data/entry_validity.csv) for one destination country: the
    document must be valid ``months`` beyond the travel date (0: no such rule)."""

    __tablename__ = "entry_validity_rule"
    country: Mapped[str] = mapped_column(String(2), primary_key=True)  # ISO 3166 alpha-2
    months: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    username: Mapped[str | None] = mapped_column(String(80))
