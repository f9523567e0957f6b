"""A synthetic, deterministic year of assisted movements at Amsterdam Schiphol.

``generate_year()`` plans every movement the airport team worked in one year, with the
people it assisted on each, so that ``totals()`` of the plan reproduces the published
2016 figures (``YEAR_2016_TARGETS``) exactly.  The seed decides who travels, when and
under which (invented) names; it never changes a total.  Stdlib only: a demo loader,
a benchmark or a test can turn the plan into rows through the domain actions.

How the figures are laid out.  Where the source leaves a choice open the choice is ours,
and ``YEAR_2016_TARGETS`` marks it CHOSEN.

* Arrivals, 1,970 people = 700 resettled (Dutch resettlement programme) + 1,216 relocated
  from Italy and Greece + 54 family reunification.  The report's arrival paragraph gives
  exactly these three numbers and they add up to 1,970, so "over 1,200 relocated" is
  1,216 here.
* Resettlement to the Netherlands lands as *arrivals*: 463 from Turkey on Istanbul
  flights (the 12 medical resettlement cases are among them), 237 from Kenya, Jordan
  and Egypt.  Resettlement to third countries (USA, Canada, Scandinavia) passes through
  as *transits* with programme ``"resettlement"``; ``YearTotals.resettled`` counts the
  arrivals only.
* Departures, 4,635 people: voluntary returns, among them the 18 unaccompanied children,
  the 26 victims of trafficking, 273 of the 285 medical cases and the November charter
  to Baghdad, Erbil and Basra.
* Transits, 8,133 people, counted once on their inbound leg (``transit_in``); the onward
  leg (``transit_out``) lists the same passenger objects.  Mostly resettlement groups
  from Nairobi, Entebbe, Dar es Salaam, Addis Ababa and the Middle East; a few voluntary
  returns from the Nordic countries and Ireland connect here too.

Times: ``scheduled_utc`` is the scheduled time at AMS (arrival for arrivals and inbound
transit legs, departure otherwise), aware UTC; ``operational_date`` is its local date.
``flight_number`` is the number without the carrier, as ``Movement.flight_number``.
"""

from __future__ import annotations

import calendar
import itertools
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from ..domain.ssr import SSR_CODES, NeedGroup
from . import names as nm

MovementKind = Literal["departure", "arrival", "transit_in", "transit_out"]
Sex = Literal["F", "M", "X"]
Medical = Literal["basic", "chronic"]

AMS = "AMS"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PROGRAMMES = ("voluntary_return", "resettlement", "relocation", "family_reunification",
              "other")
CHRONIC_CONDITIONS = ("diabetes", "hypertension_cardiovascular", "infectious", "mental",
                      "other")
MEDICAL_CODES = ("STCR", "MEDA", "OXYG", "WCHC")
ITALY_GREECE_AIRPORTS = frozenset({"ATH", "SKG", "HER", "FCO", "CTA", "PMO", "BRI", "MXP"})
NOT_AGENCY_CODES = frozenset(c.code for c in SSR_CODES.values()
                             if NeedGroup.NOT_AGENCY in c.groups)
MEDICAL_ESCORT_CODES = frozenset(c.code for c in SSR_CODES.values() if c.needs_medical_escort)


# --------------------------------------------------------------------------- the plan

@dataclass(frozen=True, slots=True)
class PlannedPassenger:
    key: str
    case_ref: str
    surname: str
    given_names: str
    native_name: str | None  # Arabic, Cyrillic or Ge'ez script; None for Latin-only names
    birth_date: date
    sex: Sex
    nationality: str  # ISO 3166-1 alpha-3
    ssr_codes: tuple[str, ...]
    chronic_condition: str | None  # one of CHRONIC_CONDITIONS, only when medical == chronic
    medical: Medical | None
    victim_of_trafficking: bool
    unaccompanied_minor: bool
    programme: str  # one of PROGRAMMES
    # Where the journey ends when that is beyond the movement's destination (ULN via
    # IST); for a charter, the stop where the passenger leaves (Booking.stop).
    final_destination: str | None = None
    medical_escort: bool = False  # an SSR code on this passenger needs a medical escort
    operational_escort: bool = False
    release_to_name: str | None = None  # UMNR: the only adult the child may be released to
    release_to_relation: str | None = None

    def age_on(self, day: date) -> int:
        return _age(self.birth_date, day)


@dataclass(frozen=True, slots=True)
class PlannedMovement:
    key: str
    kind: MovementKind
    carrier: str
    flight_number: str
    operational_date: date
    scheduled_utc: datetime
    origin: str
    destination: str
    is_charter: bool
    charter_stops: tuple[str, ...]
    onward_key: str | None  # transit_in: the key of its transit_out movement
    passengers: tuple[PlannedPassenger, ...]

    @property
    def flight(self) -> str:
        return f"{self.carrier}{self.flight_number}"


@dataclass(frozen=True, slots=True)
class YearPlan:
    year: int
    movements: tuple[PlannedMovement, ...]

    def counted(self) -> dict[str, tuple[PlannedPassenger, PlannedMovement]]:
        """Each person once, with the movement that counts them (transit: inbound leg)."""
        out: dict[str, tuple[PlannedPassenger, PlannedMovement]] = {}
        for m in self.movements:
            if m.kind != "transit_out":
                for p in m.passengers:
                    out.setdefault(p.key, (p, m))
        return out


@dataclass(frozen=True, slots=True)
class YearTotals:
    people: int
    departures: int
    transits: int
    arrivals: int
    transits_by_month: tuple[int, ...]  # January..December, by inbound leg
    peak_transit_month: int  # 1..12
    youngest_age_days: int
    oldest_age_years: int
    medical_cases: int
    medical_basic: int
    medical_chronic: int
    chronic_by_condition: tuple[tuple[str, int], ...]  # in CHRONIC_CONDITIONS order
    medical_codes: tuple[tuple[str, int], ...]  # MEDICAL_CODES carried by medical cases
    medical_escorts: int
    unaccompanied_children_returned: int
    trafficking_victims_returned: int
    family_reunification: int
    family_reunification_unaccompanied: int
    resettled: int
    resettled_from_turkey: int
    resettled_medical: int
    relocated_from_italy_greece: int
    charter_flights: int
    charter_stops: tuple[str, ...]
    charter_date: date | None
    charter_passengers: int


# The one place for the figures.  Source: /work/shared/DOMAIN.md, "Scale (2016, one
# airport)", and the annual report it summarises (/work/shared/seed: "IOM assistance at
# Schiphol Airport", medical cases, unaccompanied children, victims of trafficking,
# relocation, resettlement, family reunification, the Iraq charter "in November").
# CHOSEN marks what the source does not fix; those values are ours.
YEAR_2016_TARGETS = YearTotals(
    people=14_738,
    departures=4_635,
    transits=8_133,
    arrivals=1_970,
    # September 1,393 is sourced (the record month); the other months are CHOSEN.
    transits_by_month=(480, 455, 560, 610, 655, 700, 745, 880, 1_393, 790, 560, 305),
    peak_transit_month=9,
    youngest_age_days=47,  # "less than 2 months old": 47 days is CHOSEN
    oldest_age_years=93,
    medical_cases=285,
    medical_basic=198,
    medical_chronic=87,
    # The five categories are sourced; the split is CHOSEN.
    chronic_by_condition=(("diabetes", 21), ("hypertension_cardiovascular", 24),
                          ("infectious", 9), ("mental", 18), ("other", 15)),
    # CHOSEN: 2 stretcher and 4 oxygen cases (both with MEDIF, so MEDA), 3 more MEDA,
    # 9 immobile (WCHC).  "Some needing medical air transport" = the stretchers.
    medical_codes=(("STCR", 2), ("MEDA", 9), ("OXYG", 4), ("WCHC", 9)),
    medical_escorts=9,  # every STCR or MEDA case flies with a medical escort
    unaccompanied_children_returned=18,
    trafficking_victims_returned=26,
    family_reunification=54,
    family_reunification_unaccompanied=24,
    resettled=700,
    resettled_from_turkey=463,
    resettled_medical=12,  # "463 from Turkey, including 12 medical cases"
    relocated_from_italy_greece=1_216,  # "over 1,200"; 700 + 1,216 + 54 = 1,970 arrivals
    charter_flights=1,
    charter_stops=("BGW", "EBL", "BSR"),
    charter_date=date(2016, 11, 17),  # "in November"; the day is CHOSEN
    charter_passengers=96,  # CHOSEN
)

# Shares the totals do not show (CHOSEN).
_RESETTLED_MEDICAL_CHRONIC = 5  # of the 12 medical resettlement cases
_VR_TRANSIT_SHARE = 0.06  # of each month's transits: returns connecting at AMS
_OTHER_TRANSIT_SHARE = 0.03  # of resettlement-route transit cases: other programmes
_GROUP_MCT = timedelta(minutes=90)  # connection a whole group can make
_SMALL_MCT = timedelta(minutes=60)


# ------------------------------------------------------------------------- the routes

@dataclass(frozen=True, slots=True)
class _Route:
    carrier: str
    number: str
    origin: str
    destination: str
    local: time  # scheduled local time at AMS

    @property
    def code(self) -> str:
        return f"{self.carrier}{self.number}"

    def scheduled(self, day: date) -> datetime:
        return datetime.combine(day, self.local, AMSTERDAM).astimezone(UTC)


def _routes(*specs: str) -> dict[str, _Route]:
    """``"KL691 AMS-YYZ 13:05"``: designator, leg, local time at AMS."""
    out = {}
    for spec in specs:
        flight, leg, hhmm = spec.split()
        origin, destination = leg.split("-")
        hour, minute = hhmm.split(":")
        route = _Route(flight[:2], flight[2:], origin, destination, time(int(hour), int(minute)))
        out[route.code] = route
    return out


# Flight numbers and times are plausible, not a timetable.
_DEPARTURES = _routes(
    "TK1952 AMS-IST 11:40", "TK1956 AMS-IST 19:35", "OS372 AMS-VIE 06:55",
    "LH2303 AMS-MUC 07:10", "KL433 AMS-IKA 14:15", "SU2551 AMS-SVO 12:40",
    "PS102 AMS-KBP 14:25", "JU361 AMS-BEG 15:45", "KL587 AMS-LOS 10:25",
    "AT851 AMS-CMN 13:10", "KL743 AMS-BOG 14:30", "KL1975 AMS-BUD 09:15",
    "KL1391 AMS-OTP 12:35", "KL1373 AMS-SOF 09:55", "KL809 AMS-CGK 17:25",
    "EK148 AMS-DXB 14:55", "QR274 AMS-DOH 15:25", "RJ126 AMS-AMM 13:20",
    "MS758 AMS-CAI 14:10", "A9652 AMS-TBS 21:15", "KQ117 AMS-NBO 20:40",
)
_CHARTER = _Route("IA", "9851", AMS, "BSR", time(9, 30))
_ARRIVALS = _routes(
    "TK1951 IST-AMS 10:25", "TK1955 IST-AMS 17:45", "KL566 NBO-AMS 05:50",
    "RJ127 AMM-AMS 15:35", "MS759 CAI-AMS 12:40", "ET756 ADD-AMS 06:15",
    "KL1574 ATH-AMS 13:40", "A3620 ATH-AMS 16:05", "AZ110 FCO-AMS 11:55",
    "KL1608 FCO-AMS 20:15", "HV6126 CTA-AMS 21:35",
)
_TRANSIT_IN = _routes(
    "KQ116 NBO-AMS 06:05", "KL536 EBB-AMS 05:45", "KL570 DAR-AMS 06:25",
    "ET724 ADD-AMS 06:35", "KL592 JNB-AMS 06:40", "KL810 KUL-AMS 06:15",
    "MS757 CAI-AMS 09:15", "RJ125 AMM-AMS 12:10", "QR273 DOH-AMS 13:20",
    "EK147 DXB-AMS 13:10", "TK1957 IST-AMS 18:55",
    "KL1144 OSL-AMS 08:20", "KL1110 ARN-AMS 08:35", "KL1126 CPH-AMS 08:25",
    "KL1170 HEL-AMS 09:05", "EI602 DUB-AMS 08:55",
)
_TRANSIT_OUT = _routes(
    "KL691 AMS-YYZ 13:05", "KL695 AMS-YYZ 17:20", "KL671 AMS-YUL 10:45",
    "KL681 AMS-YVR 13:25", "KL641 AMS-JFK 10:00", "KL643 AMS-JFK 16:10",
    "KL611 AMS-ORD 10:20", "KL661 AMS-IAH 10:05", "KL651 AMS-IAD 10:15",
    "KL621 AMS-ATL 11:00", "KL605 AMS-SFO 10:50", "KL601 AMS-LAX 10:30",
    "DL165 AMS-MSP 13:40", "KL1143 AMS-OSL 14:50", "KL1125 AMS-CPH 15:20",
    "KL1109 AMS-ARN 15:35", "KL1169 AMS-HEL 16:05",
    "KL589 AMS-ACC 10:30", "TK1954 AMS-IST 16:05", "OS374 AMS-VIE 17:35",
)

Weights = tuple[tuple[str, float], ...]
Flow = tuple[tuple[str, str | None], ...]  # (route code, final destination or None)

# Voluntary returns: nationality -> (weight, routes with final destination).  The main
# countries of return in 2016 were Albania, Mongolia and Iran (seed, "2016 at a glance").
_RETURN_FLOWS: dict[str, tuple[float, Flow]] = {
    "ALB": (14, (("OS372", "TIA"), ("LH2303", "TIA"), ("TK1952", "TIA"))),
    "MNG": (10, (("TK1952", "ULN"), ("SU2551", "ULN"))),
    "IRN": (9, (("KL433", None), ("TK1956", "IKA"), ("QR274", "IKA"))),
    "IRQ": (9, (("RJ126", "BGW"), ("RJ126", "EBL"), ("TK1952", "EBL"), ("TK1956", "BSR"),
                ("QR274", "BGW"))),
    "AFG": (5, (("TK1956", "KBL"), ("EK148", "KBL"), ("QR274", "KBL"))),
    "UKR": (6, (("PS102", None),)),
    "SRB": (6, (("JU361", None),)),
    "GEO": (6, (("A9652", None), ("PS102", "TBS"), ("TK1952", "TBS"))),
    "ARM": (6, (("OS372", "EVN"), ("PS102", "EVN"), ("SU2551", "EVN"))),
    "RUS": (5, (("SU2551", None), ("SU2551", "GRV"))),
    "BIH": (4, (("OS372", "SJJ"), ("LH2303", "SJJ"))),
    "MDA": (2, (("PS102", "KIV"), ("OS372", "KIV"))),
    "MAR": (4, (("AT851", None), ("AT851", "TNG"))),
    "DZA": (1, (("AT851", "ALG"),)),
    "NGA": (3, (("KL587", None),)),
    "SLE": (0.5, (("AT851", "FNA"),)),
    "EGY": (1, (("MS758", None),)),
    "SDN": (1, (("MS758", "KRT"),)),
    "KEN": (0.7, (("KQ117", None),)),
    "UGA": (0.5, (("KQ117", "EBB"),)),
    "IDN": (0.5, (("KL809", None),)),
    "PHL": (0.5, (("EK148", "MNL"),)),
    "COL": (0.5, (("KL743", None),)),
    "HUN": (0.7, (("KL1975", None),)),
    "ROU": (0.7, (("KL1391", None),)),
    "BGR": (0.7, (("KL1373", None),)),
}
# Seed: children returned to Afghanistan, Albania, Colombia, Iraq and Iran.
_UMNR_RETURNS: Weights = (("AFG", 6), ("ALB", 5), ("IRQ", 3), ("IRN", 2), ("COL", 2))
# Seed: 7 nationalities, almost half from Hungary, Romania and Bulgaria.
_VOT_RETURNS: Weights = (("HUN", 4), ("ROU", 5), ("BGR", 3), ("IDN", 3), ("NGA", 6),
                         ("PHL", 3), ("SLE", 2))
# Seed: medical cases by country of origin: Serbia, Bosnia and Herzegovina, Ukraine, other.
_MEDICAL_RETURNS: Weights = (("SRB", 22), ("BIH", 18), ("UKR", 15), ("ARM", 8), ("GEO", 7),
                             ("RUS", 6), ("ALB", 6), ("IRQ", 5), ("IRN", 4), ("AFG", 3),
                             ("MNG", 3), ("MDA", 3))
# Returns grew through 2016 (seed: a 57% increase in caseload).
_RETURN_MONTHS = (0.75, 0.8, 0.9, 0.95, 1.0, 1.0, 1.0, 0.95, 1.05, 1.1, 1.15, 1.2)

# Arrival groups: (route, weight, nationalities).
ArrivalFlow = tuple[tuple[str, float, Weights], ...]
_TURKEY_RESETTLEMENT: ArrivalFlow = (("TK1951", 7, (("SYR", 1),)),
                                     ("TK1955", 3, (("SYR", 1),)))
_TURKEY_MONTHS = (0, 0, 0, 0.6, 0.8, 1, 1, 1, 1.2, 1.2, 1.2, 1)  # EU-Turkey from April
_OTHER_RESETTLEMENT: ArrivalFlow = (
    ("KL566", 5, (("SOM", 4), ("SSD", 3), ("COD", 3), ("ERI", 1), ("ETH", 1))),
    ("RJ127", 4, (("SYR", 7), ("IRQ", 3))),
    ("MS759", 2, (("SDN", 5), ("ERI", 3), ("SYR", 2))),
)
_RELOCATION_GREECE: ArrivalFlow = (("KL1574", 6, (("SYR", 7), ("IRQ", 3))),
                                   ("A3620", 4, (("SYR", 7), ("IRQ", 3))))
_RELOCATION_ITALY: ArrivalFlow = (("AZ110", 5, (("ERI", 9), ("SYR", 1))),
                                  ("KL1608", 3, (("ERI", 9), ("SYR", 1))),
                                  ("HV6126", 2, (("ERI", 1),)))
_RELOCATION_GREECE_SHARE = 0.75
_RELOCATION_MONTHS = (0.2, 0.4, 0.6, 0.7, 0.8, 1.0, 1.1, 1.0, 1.3, 1.5, 1.6, 1.8)
_FAMILY_REUNIFICATION: ArrivalFlow = (
    ("ET756", 5, (("ERI", 6), ("ETH", 2), ("SOM", 2))),
    ("TK1951", 4, (("SYR", 8), ("IRQ", 2))),
    ("KL566", 2, (("SOM", 6), ("SSD", 4))),
    ("MS759", 2, (("SDN", 5), ("ERI", 5))),
)
_FLAT_MONTHS = (1.0,) * 12

# Transit inbound legs: (weight, weight in the peak month, nationalities, onward profile).
_RESETTLEMENT_INBOUND: dict[str, tuple[float, float, Weights, str]] = {
    "KQ116": (22, 66, (("SOM", 35), ("SSD", 15), ("COD", 20), ("ETH", 10), ("ERI", 8),
                       ("BDI", 7)), "africa"),
    "KL536": (14, 42, (("COD", 45), ("SSD", 25), ("BDI", 15), ("RWA", 5), ("SOM", 10)),
              "africa"),
    "KL570": (4, 4, (("COD", 1), ("BDI", 1)), "africa"),
    "ET724": (8, 8, (("ERI", 50), ("SOM", 20), ("SSD", 15), ("ETH", 15)), "africa"),
    "KL592": (4, 4, (("COD", 60), ("SOM", 25), ("BDI", 15)), "africa"),
    "KL810": (4, 4, (("MMR", 1),), "asia"),
    "MS757": (6, 6, (("SDN", 35), ("ERI", 25), ("ETH", 15), ("SOM", 10), ("SYR", 15)),
              "africa"),
    "RJ125": (10, 10, (("SYR", 7), ("IRQ", 3)), "mideast"),
    "QR273": (6, 6, (("AFG", 6), ("IRQ", 4)), "mideast"),
    "EK147": (4, 4, (("AFG", 4), ("IRN", 6)), "mideast"),
    "TK1957": (12, 12, (("SYR", 60), ("IRQ", 25), ("IRN", 10), ("AFG", 5)), "mideast"),
}
_PEAK_GROUPS = {"KQ116", "KL536"}  # seed: large groups from Nairobi and Entebbe
_ONWARD: dict[str, Weights] = {
    "africa": (("KL641", 8), ("KL643", 5), ("KL611", 7), ("KL661", 7), ("KL651", 5),
               ("KL621", 6), ("KL605", 4), ("KL601", 4), ("DL165", 5), ("KL691", 5),
               ("KL695", 3), ("KL671", 2), ("KL681", 2), ("KL1143", 3), ("KL1125", 2),
               ("KL1109", 3), ("KL1169", 2)),
    "mideast": (("KL691", 9), ("KL695", 8), ("KL671", 6), ("KL681", 4), ("KL641", 3),
                ("KL643", 4), ("KL611", 3), ("DL165", 3), ("KL1143", 3), ("KL1125", 2),
                ("KL1109", 3), ("KL1169", 2)),
    "asia": (("KL611", 5), ("KL661", 4), ("KL621", 4), ("DL165", 4), ("KL641", 3),
             ("KL605", 2), ("KL1143", 2)),
}
_RETURN_INBOUND: Weights = (("KL1144", 3), ("KL1110", 3), ("KL1126", 2), ("KL1170", 1),
                            ("EI602", 2))
_RETURN_ONWARD: dict[str, tuple[float, Flow]] = {  # onward leg -> nationality, final
    "KL589": (2, (("GHA", None),)),
    "TK1954": (5, (("AFG", "KBL"), ("IRQ", "EBL"), ("IRQ", "BGW"), ("IRN", "IKA"),
                   ("MNG", "ULN"))),
    "OS374": (4, (("ALB", "TIA"), ("BIH", "SJJ"), ("ARM", "EVN"), ("GEO", "TBS"),
                  ("SRB", "BEG"))),
}

_RETURN_SIZES: Weights = (("1", 55), ("2", 15), ("3", 12), ("4", 10), ("5", 5), ("6", 3))
_REFUGEE_SIZES: Weights = (("1", 22), ("2", 12), ("3", 13), ("4", 14), ("5", 13), ("6", 10),
                           ("7", 8), ("8", 5), ("9", 3))
_REUNION_SIZES: Weights = (("1", 30), ("2", 30), ("3", 25), ("4", 15))
_MEDICAL_CASE_SIZES: Weights = (("1", 60), ("2", 25), ("3", 10), ("4", 5))

_KIND_ORDER = {"arrival": 0, "transit_in": 1, "transit_out": 2, "departure": 3}
_KIND_TAG = {"departure": "D", "arrival": "A", "transit_in": "TI", "transit_out": "TO"}
_CASE_PREFIX = {"voluntary_return": "VR", "resettlement": "RS", "relocation": "RL",
                "family_reunification": "FR", "other": "OT"}
_STOP_WEIGHTS = (45, 35, 20)  # charter passengers leaving at each stop


# ------------------------------------------------------------------------ the builder

def _age(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _apportion(total: int, weights: Weights) -> list[tuple[str, int]]:
    """Split ``total`` by weight, largest remainder first: the parts add up exactly."""
    whole = sum(w for _, w in weights)
    shares = [(name, total * w / whole) for name, w in weights]
    parts = {name: int(s) for name, s in shares}
    rest = total - sum(parts.values())
    for name, _ in sorted(shares, key=lambda x: x[1] - int(x[1]), reverse=True)[:rest]:
        parts[name] += 1
    return [(name, parts[name]) for name, _ in weights]


@dataclass(slots=True)
class _Slot:
    """A movement while it fills."""

    kind: MovementKind
    route: _Route
    day: date
    passengers: list[PlannedPassenger] = field(default_factory=list)
    onward: _Slot | None = None
    is_charter: bool = False
    stops: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{_KIND_TAG[self.kind]}-{self.route.code}-{self.day:%Y%m%d}"

    def freeze(self) -> PlannedMovement:
        r = self.route
        return PlannedMovement(
            key=self.key, kind=self.kind, carrier=r.carrier, flight_number=r.number,
            operational_date=self.day, scheduled_utc=r.scheduled(self.day), origin=r.origin,
            destination=r.destination, is_charter=self.is_charter, charter_stops=self.stops,
            onward_key=self.onward.key if self.onward is not None else None,
            passengers=tuple(self.passengers))


@dataclass(frozen=True, slots=True)
class _Member:
    sex: Literal["F", "M"]
    age_days: int
    given: nm.NamePart
    surname: nm.NamePart


class _YearBuilder:
    def __init__(self, year: int, seed: int, targets: YearTotals) -> None:
        self.year = year
        self.t = targets
        # A string seed is hashed with SHA-512: stable across runs and interpreters.
        self.rng = random.Random(f"movements.demo.year:{year}:{seed}")
        self.slots: dict[tuple[str, str, date], _Slot] = {}
        self._pax = 0
        self._case = 0
        self._resettled_chronic: list[str] = []  # conditions of the medical resettled
        self._cumulative: dict[Weights, tuple[list[str], list[float]]] = {}

    # ---- small draws
    def pick(self, weights: Weights) -> str:
        split = self._cumulative.get(weights)
        if split is None:
            split = self._cumulative[weights] = (
                [k for k, _ in weights], list(itertools.accumulate(w for _, w in weights)))
        population, cumulative = split
        return self.rng.choices(population, cum_weights=cumulative)[0]

    def size(self, table: Weights, cap: int) -> int:
        return min(int(self.pick(table)), cap)

    def day_in(self, month: int) -> date:
        last = calendar.monthrange(self.year, month)[1]
        return date(self.year, month, self.rng.randint(1, last))

    def day_by(self, month_weights: Sequence[float]) -> date:
        return self.day_in(self.rng.choices(range(1, 13), month_weights)[0])

    def age_days(self, years: int) -> int:
        # Never within a few days of a birthday, so the age in years is what was asked
        # whatever the leap days; infants are at least 75 days old (see youngest).
        if years == 0:
            return self.rng.randint(75, 364)
        return int((years + 0.01 + self.rng.random() * 0.98) * 365.2425)

    def slot(self, kind: MovementKind, route: _Route, day: date) -> _Slot:
        key = (kind, route.code, day)
        found = self.slots.get(key)
        if found is None:
            found = self.slots[key] = _Slot(kind, route, day)
        return found

    def case_ref(self, programme: str) -> str:
        self._case += 1
        return f"{_CASE_PREFIX[programme]}{self.year % 100:02d}-{self._case:05d}"

    # ---- people
    def codes(self, age: int, *, umnr: bool, medical: Medical | None,
              planted: tuple[str, ...] = ()) -> tuple[str, ...]:
        rng = self.rng
        out = list(planted)
        if umnr:
            out.append("UMNR")
        elif age < 2:
            out.append("INFT")
        elif age < 12:
            out.append("CHLD")
        wheelchair = any(c.startswith("WC") or c == "STCR" for c in out)
        if not wheelchair:
            roll = rng.random()
            if medical == "chronic" and roll < 0.4 or medical == "basic" and roll < 0.3:
                out.append("WCHS" if roll < 0.1 else "WCHR")
                wheelchair = True
            elif medical is None and age >= 75 and roll < 0.6:
                out.append("WCHR")
                wheelchair = True
        if age >= 70 and not wheelchair and rng.random() < 0.5:
            out.append("MAAS")
        if age >= 18 and rng.random() < 0.08:
            out.append("LANG")
        return tuple(out)

    def person(self, *, ref: str, programme: str, nationality: str, member: _Member,
               travel: date, umnr: bool = False, vot: bool = False,
               medical: Medical | None = None, condition: str | None = None,
               planted: tuple[str, ...] = (), final: str | None = None,
               release_to: tuple[str, str] | None = None) -> PlannedPassenger:
        self._pax += 1
        culture = nm.culture_of(nationality)
        name = nm.compose(culture, member.given, member.surname, member.sex)
        birth = travel - timedelta(days=member.age_days)
        codes = self.codes(_age(birth, travel), umnr=umnr, medical=medical, planted=planted)
        return PlannedPassenger(
            key=f"PX{self.year % 100:02d}{self._pax:05d}", case_ref=ref,
            surname=name.surname, given_names=name.given_names, native_name=name.native_name,
            birth_date=birth, sex=member.sex, nationality=nationality, ssr_codes=codes,
            chronic_condition=condition, medical=medical, victim_of_trafficking=vot,
            unaccompanied_minor=umnr, programme=programme, final_destination=final,
            medical_escort=not MEDICAL_ESCORT_CODES.isdisjoint(codes),
            operational_escort=umnr,
            release_to_name=release_to[0] if release_to else None,
            release_to_relation=release_to[1] if release_to else None)

    def members(self, culture: nm.Culture, size: int, *, p_male: float = 0.6,
                head_age: tuple[int, int] | None = None,
                infant_days: int | None = None) -> list[_Member]:
        """A plausible family (or one person): names follow the culture's conventions."""
        rng = self.rng
        if size == 1:
            sex: Literal["F", "M"] = "M" if rng.random() < p_male else "F"
            years = rng.randint(*(head_age or (19, 62)))
            return [_Member(sex, self.age_days(years), nm.given_name(rng, culture, sex),
                            nm.random_surname(rng, culture))]
        head_sex: Literal["F", "M"] = "M" if rng.random() < 0.78 else "F"
        head_years = rng.randint(*(head_age or (23, 55)))
        head = _Member(head_sex, self.age_days(head_years),
                       nm.given_name(rng, culture, head_sex), nm.random_surname(rng, culture))
        family = [head]
        father = head if head_sex == "M" else None
        youngest_parent = head_years
        own_names = culture.wife_keeps_surname or culture.patronymic
        if rng.random() < 0.85:
            sp_sex: Literal["F", "M"] = "F" if head_sex == "M" else "M"
            sp_years = max(18, min(85, head_years + (rng.randint(-7, 3) if sp_sex == "F"
                                                     else rng.randint(-3, 7))))
            spouse = _Member(sp_sex, self.age_days(sp_years),
                             nm.given_name(rng, culture, sp_sex),
                             nm.random_surname(rng, culture) if own_names else head.surname)
            family.append(spouse)
            father = spouse if sp_sex == "M" else father
            youngest_parent = min(youngest_parent, sp_years)
        if size - len(family) >= 4 and rng.random() < 0.25:
            g_sex: Literal["F", "M"] = "F" if rng.random() < 0.6 else "M"
            g_years = max(50, min(89, head_years + rng.randint(22, 32)))
            family.append(_Member(g_sex, self.age_days(g_years),
                                  nm.given_name(rng, culture, g_sex),
                                  nm.random_surname(rng, culture) if own_names
                                  else head.surname))
        if culture.patronymic:
            child_surname = father.given if father else nm.given_name(rng, culture, "M")
        else:
            child_surname = father.surname if father else head.surname
        oldest_child = max(0, min(17, youngest_parent - 18))
        n_children = size - len(family)
        for i in range(n_children):
            c_sex: Literal["F", "M"] = "M" if rng.random() < 0.5 else "F"
            days = (infant_days if infant_days is not None and i == n_children - 1
                    else self.age_days(rng.randint(0, oldest_child)))
            family.append(_Member(c_sex, days, nm.given_name(rng, culture, c_sex),
                                  child_surname))
        return family

    def add_case(self, slot: _Slot, *, programme: str, nationality: str, size: int,
                 final: str | None = None, **member_args: object) -> list[PlannedPassenger]:
        ref = self.case_ref(programme)
        culture = nm.culture_of(nationality)
        family = self.members(culture, size, **member_args)  # type: ignore[arg-type]
        people = [self.person(ref=ref, programme=programme, nationality=nationality,
                              member=m, travel=slot.day, final=final) for m in family]
        slot.passengers.extend(people)
        return people

    def parent_of(self, culture: nm.Culture, child_surname: nm.NamePart) -> tuple[str, str]:
        """An invented parent's name for a UMNR release, as "SURNAME, Given"."""
        rng = self.rng
        relation = "mother" if rng.random() < 0.4 else "father"
        if relation == "mother":
            sex: Literal["F", "M"] = "F"
            surname = (nm.random_surname(rng, culture) if culture.wife_keeps_surname
                       or culture.patronymic else child_surname)
            given = nm.given_name(rng, culture, "F")
        else:
            sex = "M"
            if culture.patronymic:  # the child's surname is the father's given name
                given, surname = child_surname, nm.random_surname(rng, culture)
            else:
                given, surname = nm.given_name(rng, culture, "M"), child_surname
        name = nm.compose(culture, given, surname, sex)
        return f"{name.surname.upper()}, {name.given_names}", relation

    def add_umnr(self, slot: _Slot, *, programme: str, nationality: str, ages: tuple[int, int],
                 count: int = 1, final: str | None = None) -> None:
        """Unaccompanied children of one case (siblings when count > 1)."""
        rng = self.rng
        culture = nm.culture_of(nationality)
        ref = self.case_ref(programme)
        surname = nm.random_surname(rng, culture)
        release = self.parent_of(culture, surname)
        for _ in range(count):
            sex: Literal["F", "M"] = "M" if rng.random() < 0.8 else "F"
            member = _Member(sex, self.age_days(rng.randint(*ages)),
                             nm.given_name(rng, culture, sex), surname)
            slot.passengers.append(self.person(
                ref=ref, programme=programme, nationality=nationality, member=member,
                travel=slot.day, umnr=True, final=final, release_to=release))

    # ---- departures
    def return_slot(self, nationality: str, day: date) -> tuple[_Slot, str | None]:
        code, final = self.rng.choice(_RETURN_FLOWS[nationality][1])
        return self.slot("departure", _DEPARTURES[code], day), final

    def departures(self) -> None:
        t = self.t
        left = t.departures - self.charter()
        for nationality, n in _apportion(t.unaccompanied_children_returned, _UMNR_RETURNS):
            for _ in range(n):
                slot, final = self.return_slot(nationality, self.day_by(_RETURN_MONTHS))
                self.add_umnr(slot, programme="voluntary_return", nationality=nationality,
                              ages=(13, 17) if nationality == "AFG" else (8, 17), final=final)
                left -= 1
        for nationality, n in _apportion(t.trafficking_victims_returned, _VOT_RETURNS):
            for _ in range(n):
                slot, final = self.return_slot(nationality, self.day_by(_RETURN_MONTHS))
                ref = self.case_ref("voluntary_return")
                culture = nm.culture_of(nationality)
                member = self.members(culture, 1, p_male=0.35, head_age=(19, 45))[0]
                slot.passengers.append(self.person(
                    ref=ref, programme="voluntary_return", nationality=nationality,
                    member=member, travel=slot.day, vot=True, final=final))
                left -= 1
        left -= self.medical_returns()
        return_weights = tuple((n, w) for n, (w, _) in _RETURN_FLOWS.items())
        while left > 0:
            nationality = self.pick(return_weights)
            slot, final = self.return_slot(nationality, self.day_by(_RETURN_MONTHS))
            size = self.size(_RETURN_SIZES, left)
            self.add_case(slot, programme="voluntary_return", nationality=nationality,
                          size=size, final=final, p_male=0.7)
            left -= size

    def charter(self) -> int:
        t = self.t
        if not t.charter_flights or t.charter_date is None:
            return 0
        day = t.charter_date.replace(year=self.year)
        route = replace(_CHARTER, destination=t.charter_stops[-1])
        slot = self.slot("departure", route, day)
        slot.is_charter, slot.stops = True, t.charter_stops
        left, i = t.charter_passengers, 0
        stops = t.charter_stops
        weights = _STOP_WEIGHTS if len(stops) == len(_STOP_WEIGHTS) else None
        while left > 0:
            # Every stop gets a case first, then by weight.
            stop = stops[i] if i < len(stops) else self.rng.choices(stops, weights)[0]
            size = self.size(_RETURN_SIZES, left)
            self.add_case(slot, programme="voluntary_return", nationality="IRQ", size=size,
                          final=stop, p_male=0.8)
            left -= size
            i += 1
        return t.charter_passengers

    def chronic_plan(self) -> list[str]:
        conditions = [c for c, n in self.t.chronic_by_condition for _ in range(n)]
        self.rng.shuffle(conditions)
        return conditions

    def medical_returns(self) -> int:
        """Medical departure cases (the 285 less the resettled ones); returns people."""
        t, rng = self.t, self.rng
        chronic = self.chronic_plan()
        self._resettled_chronic = chronic[:_RESETTLED_MEDICAL_CHRONIC]
        chronic = chronic[_RESETTLED_MEDICAL_CHRONIC:]
        basic = t.medical_basic - (t.resettled_medical - _RESETTLED_MEDICAL_CHRONIC)
        codes = dict(t.medical_codes)
        quotas = [(("STCR", "MEDA"), codes.get("STCR", 0),
                   {"other", "hypertension_cardiovascular"}),
                  (("OXYG", "MEDA"), codes.get("OXYG", 0),
                   {"other", "hypertension_cardiovascular"}),
                  (("MEDA",), codes.get("MEDA", 0) - codes.get("STCR", 0) - codes.get("OXYG", 0),
                   set(CHRONIC_CONDITIONS)),
                  (("WCHC",), codes.get("WCHC", 0), set(CHRONIC_CONDITIONS))]
        cases: list[tuple[Medical, str | None, tuple[str, ...]]] = []
        for condition in chronic:
            planted: tuple[str, ...] = ()
            for i, (plant, n, fits) in enumerate(quotas):
                if n > 0 and condition in fits:
                    planted, quotas[i] = plant, (plant, n - 1, fits)
                    break
            cases.append(("chronic", condition, planted))
        cases.extend(("basic", None, ()) for _ in range(basic))
        rng.shuffle(cases)
        people = 0
        for level, illness, planted in cases:
            nationality = self.pick(_MEDICAL_RETURNS)
            slot, final = self.return_slot(nationality, self.day_by(_RETURN_MONTHS))
            ref = self.case_ref("voluntary_return")
            culture = nm.culture_of(nationality)
            size = self.size(_MEDICAL_CASE_SIZES, 9)
            ages = (45, 88) if planted else (25, 85) if level == "chronic" else (18, 80)
            family = self.members(culture, size, head_age=ages)
            slot.passengers.append(self.person(
                ref=ref, programme="voluntary_return", nationality=nationality,
                member=family[0], travel=slot.day, medical=level, condition=illness,
                planted=planted, final=final))
            slot.passengers.extend(self.person(
                ref=ref, programme="voluntary_return", nationality=nationality, member=m,
                travel=slot.day, final=final) for m in family[1:])
            people += size
        return people

    # ---- arrivals
    def arrival_groups(self, total: int, flows: ArrivalFlow, months: Sequence[float],
                       programme: str, group: tuple[int, int]) -> list[tuple[_Slot, int]]:
        """Groups of cases on one flight, until exactly ``total`` people have arrived."""
        rng = self.rng
        routes = tuple((code, w) for code, w, _ in flows)
        nationalities = {code: nats for code, _, nats in flows}
        made: list[tuple[_Slot, int]] = []
        left = total
        while left > 0:
            code = self.pick(routes)
            slot = self.slot("arrival", _ARRIVALS[code], self.day_by(months))
            target = rng.randint(*group)
            while target > 0 and left > 0:
                size = self.size(_REFUGEE_SIZES, left)
                start = len(slot.passengers)
                self.add_case(slot, programme=programme, size=size,
                              nationality=self.pick(nationalities[code]))
                made.extend((slot, i) for i in range(start, start + size))
                left -= size
                target -= size
        return made

    def arrivals(self) -> None:
        t, rng = self.t, self.rng
        turkey = self.arrival_groups(t.resettled_from_turkey, _TURKEY_RESETTLEMENT,
                                     _TURKEY_MONTHS, "resettlement", (20, 55))
        levels: list[tuple[Medical, str | None]] = [
            ("chronic", c) for c in self._resettled_chronic]
        levels += [("basic", None)] * (t.resettled_medical - len(levels))
        for (slot, i), (level, condition) in zip(rng.sample(turkey, len(levels)), levels,
                                                 strict=True):
            p = slot.passengers[i]
            slot.passengers[i] = replace(p, medical=level, chronic_condition=condition)
        self.arrival_groups(t.resettled - t.resettled_from_turkey, _OTHER_RESETTLEMENT,
                            _FLAT_MONTHS, "resettlement", (10, 35))
        greece = round(t.relocated_from_italy_greece * _RELOCATION_GREECE_SHARE)
        self.arrival_groups(greece, _RELOCATION_GREECE, _RELOCATION_MONTHS, "relocation",
                            (15, 60))
        self.arrival_groups(t.relocated_from_italy_greece - greece, _RELOCATION_ITALY,
                            _RELOCATION_MONTHS, "relocation", (15, 60))
        self.family_reunification()

    def family_reunification(self) -> None:
        t, rng = self.t, self.rng
        routes = tuple((code, w) for code, w, _ in _FAMILY_REUNIFICATION)
        nationalities = {code: nats for code, _, nats in _FAMILY_REUNIFICATION}
        programme = "family_reunification"

        def where() -> tuple[_Slot, str]:
            code = self.pick(routes)
            slot = self.slot("arrival", _ARRIVALS[code], self.day_by(_FLAT_MONTHS))
            return slot, self.pick(nationalities[code])

        # The oldest passenger of the year: a mother joining her son.
        slot, _ = where()
        culture = nm.culture_of("SYR")
        day = slot.day
        birthday = date(day.year - t.oldest_age_years, day.month, min(day.day, 28))
        born = birthday - timedelta(days=rng.randint(0, 300))
        oldest = _Member("F", (day - born).days, nm.given_name(rng, culture, "F"),
                         nm.random_surname(rng, culture))
        slot.passengers.append(self.person(ref=self.case_ref(programme), programme=programme,
                                           nationality="SYR", member=oldest, travel=day))
        left = t.family_reunification - t.family_reunification_unaccompanied - 1
        children = t.family_reunification_unaccompanied
        pairs = min(3, children // 4)
        for count in [2] * pairs + [1] * (children - 2 * pairs):
            slot, nationality = where()
            self.add_umnr(slot, programme=programme, nationality=nationality, ages=(6, 17),
                          count=count)
        while left > 0:
            slot, nationality = where()
            size = self.size(_REUNION_SIZES, left)
            self.add_case(slot, programme=programme, nationality=nationality, size=size,
                          p_male=0.3)
            left -= size

    # ---- transits
    def onward(self, inbound: _Route, day: date, choices: Weights,
               mct: timedelta) -> _Slot | None:
        """The onward leg for passengers landing on ``inbound`` that day, if one fits."""
        landed = inbound.scheduled(day)
        fitting: list[tuple[str, float]] = []
        days: dict[str, date] = {}
        for code, weight in choices:
            route = _TRANSIT_OUT[code]
            for onward_day in (day, day + timedelta(days=1)):
                gap = route.scheduled(onward_day) - landed
                if gap >= mct:
                    if gap <= timedelta(hours=24) and onward_day.year == self.year:
                        fitting.append((code, weight))
                        days[code] = onward_day
                    break
        if not fitting:
            return None
        code = self.pick(tuple(fitting))
        return self.slot("transit_out", _TRANSIT_OUT[code], days[code])

    def transit_slot(self, code: str, month: int, choices: Weights,
                     mct: timedelta) -> _Slot:
        inbound = _TRANSIT_IN[code]
        while True:
            day = self.day_in(month)
            slot = self.slots.get(("transit_in", code, day))
            if slot is not None:
                return slot
            onward = self.onward(inbound, day, choices, mct)
            if onward is not None:
                slot = self.slot("transit_in", inbound, day)
                slot.onward = onward
                return slot

    def transits(self) -> None:
        t, rng = self.t, self.rng
        return_onward = tuple((code, w) for code, (w, _) in _RETURN_ONWARD.items())
        for month, quota in enumerate(t.transits_by_month, start=1):
            left = quota
            peak = month == t.peak_transit_month
            weights = tuple((code, peak_w if peak else w)
                            for code, (w, peak_w, _, _) in _RESETTLEMENT_INBOUND.items())
            if peak:  # the youngest passenger of the year, in a family from Nairobi
                slot = self.transit_slot("KQ116", month, _ONWARD["africa"], _GROUP_MCT)
                self.add_case(slot, programme="resettlement", nationality="SOM", size=4,
                              infant_days=t.youngest_age_days)
                left -= 4
            returns = round(quota * _VR_TRANSIT_SHARE)
            while returns > 0 and left > 0:
                slot = self.transit_slot(self.pick(_RETURN_INBOUND), month, return_onward,
                                         _SMALL_MCT)
                assert slot.onward is not None
                nationality, final = rng.choice(_RETURN_ONWARD[slot.onward.route.code][1])
                size = self.size(_RETURN_SIZES[:4], left)
                self.add_case(slot, programme="voluntary_return", nationality=nationality,
                              size=size, final=final, p_male=0.75)
                left -= size
                returns -= size
            while left > 0:
                code = self.pick(weights)
                _, _, nationalities, profile = _RESETTLEMENT_INBOUND[code]
                slot = self.transit_slot(code, month, _ONWARD[profile], _GROUP_MCT)
                target = rng.randint(*((30, 90) if peak and code in _PEAK_GROUPS else (8, 45)))
                while target > 0 and left > 0:
                    size = self.size(_REFUGEE_SIZES, left)
                    programme = ("other" if rng.random() < _OTHER_TRANSIT_SHARE
                                 else "resettlement")
                    self.add_case(slot, programme=programme, size=size,
                                  nationality=self.pick(nationalities))
                    left -= size
                    target -= size

    # ---- all together
    def build(self) -> YearPlan:
        self.departures()
        self.arrivals()
        self.transits()
        slots = sorted(self.slots.values(), key=lambda s: (
            s.route.scheduled(s.day), _KIND_ORDER[s.kind], s.route.code))
        for slot in slots:
            if slot.kind == "transit_in":
                assert slot.onward is not None
                slot.onward.passengers.extend(slot.passengers)
        return YearPlan(self.year, tuple(s.freeze() for s in slots))


def generate_year(year: int = 2016, seed: int = 2016,
                  targets: YearTotals = YEAR_2016_TARGETS) -> YearPlan:
    """Plan a year of assisted movements at AMS whose totals equal ``targets``."""
    return _YearBuilder(year, seed, targets).build()


# ------------------------------------------------------------------------- the totals

def totals(plan: YearPlan) -> YearTotals:
    """Every figure of the year, counting people (a transit once, on its inbound leg)."""
    counted = plan.counted().values()
    by_kind = Counter(m.kind for _, m in counted)
    months = [0] * 12
    for _, m in counted:
        if m.kind == "transit_in":
            months[m.operational_date.month - 1] += 1
    medical = [p for p, _ in counted if p.medical is not None]
    chronic = Counter(p.chronic_condition for p in medical if p.medical == "chronic")
    codes = Counter(c for p in medical for c in p.ssr_codes if c in MEDICAL_CODES)
    arrivals = [(p, m) for p, m in counted if m.kind == "arrival"]
    departures = [p for p, m in counted if m.kind == "departure"]
    resettled = [(p, m) for p, m in arrivals if p.programme == "resettlement"]
    reunited = [p for p, _ in arrivals if p.programme == "family_reunification"]
    charters = [m for m in plan.movements if m.is_charter]
    return YearTotals(
        people=len(counted),
        departures=by_kind["departure"],
        transits=by_kind["transit_in"],
        arrivals=by_kind["arrival"],
        transits_by_month=tuple(months),
        peak_transit_month=months.index(max(months)) + 1,
        youngest_age_days=min((m.operational_date - p.birth_date).days for p, m in counted),
        oldest_age_years=max(p.age_on(m.operational_date) for p, m in counted),
        medical_cases=len(medical),
        medical_basic=sum(p.medical == "basic" for p in medical),
        medical_chronic=sum(p.medical == "chronic" for p in medical),
        chronic_by_condition=tuple((c, chronic[c]) for c in CHRONIC_CONDITIONS),
        medical_codes=tuple((c, codes[c]) for c in MEDICAL_CODES),
        medical_escorts=sum(p.medical_escort for p in medical),
        unaccompanied_children_returned=sum(p.unaccompanied_minor for p in departures),
        trafficking_victims_returned=sum(p.victim_of_trafficking for p in departures),
        family_reunification=len(reunited),
        family_reunification_unaccompanied=sum(p.unaccompanied_minor for p in reunited),
        resettled=len(resettled),
        resettled_from_turkey=sum(m.origin == "IST" for _, m in resettled),
        resettled_medical=sum(p.medical is not None for p, _ in resettled),
        relocated_from_italy_greece=sum(
            p.programme == "relocation" and m.origin in ITALY_GREECE_AIRPORTS
            for p, m in arrivals),
        charter_flights=len(charters),
        charter_stops=charters[0].charter_stops if charters else (),
        charter_date=charters[0].operational_date if charters else None,
        charter_passengers=sum(len(m.passengers) for m in charters),
    )
