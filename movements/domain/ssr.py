"""The fixed vocabulary of IATA SSR codes the team records, with plain words.

Special needs are recorded as codes, never as free text alone, so that the board, the
alerts and the manifests can act on them.  ``receiver_action`` is what a receiving party
must do and is the only health-related wording a handover manifest may carry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class NeedGroup(StrEnum):
    """Badge groups shown on the board."""

    ESCORT = "escort"
    MEDICAL = "medical"
    STRETCHER_OXYGEN = "stretcher_oxygen"
    WHEELCHAIR = "wheelchair"
    MINOR = "minor"
    MEET_ASSIST = "meet_assist"
    COMMUNICATION = "communication"
    FAMILY = "family"
    NOT_AGENCY = "not_agency"


@dataclass(frozen=True, slots=True)
class SsrCode:
    code: str
    meaning: str
    team_action: str
    receiver_action: str
    groups: frozenset[NeedGroup]
    needs_medical_escort: bool = False
    health_data: bool = False


def _c(
    code: str,
    meaning: str,
    team_action: str,
    receiver_action: str,
    *groups: NeedGroup,
    medical_escort: bool = False,
    health: bool = False,
) -> SsrCode:
    return SsrCode(code, meaning, team_action, receiver_action, frozenset(groups),
                   medical_escort, health)


G = NeedGroup
SSR_CODES: dict[str, SsrCode] = {
    c.code: c
    for c in (
        _c("WCHR", "wheelchair for distance; can climb steps and walk in the cabin",
           "wheelchair from the designated point to the gate",
           "wheelchair for longer distances", G.WHEELCHAIR),
        _c("WCHS", "cannot climb steps; can walk in the cabin",
           "ambulift or jet bridge", "ambulift or step-free access", G.WHEELCHAIR),
        _c("WCHC", "immobile: cannot climb steps nor walk in the cabin",
           "aisle chair, two agents, board first, leave last",
           "wheelchair at all times; two people to transfer", G.WHEELCHAIR, G.ESCORT),
        _c("WCMP", "own manual wheelchair", "dangerous-goods check at check-in",
           "own wheelchair travels in the hold", G.WHEELCHAIR),
        _c("WCBD", "own wheelchair, dry-cell battery", "dangerous-goods check at check-in",
           "own powered wheelchair travels in the hold", G.WHEELCHAIR),
        _c("WCBW", "own wheelchair, wet-cell battery", "dangerous-goods check at check-in",
           "own powered wheelchair travels in the hold", G.WHEELCHAIR),
        _c("WCBL", "own wheelchair, lithium battery", "dangerous-goods check at check-in",
           "own powered wheelchair travels in the hold", G.WHEELCHAIR),
        _c("STCR", "stretcher", "medical escort required; seats blocked",
           "stretcher: ambulance transfer, medical escort hands over medical file",
           G.STRETCHER_OXYGEN, G.MEDICAL, G.ESCORT, medical_escort=True, health=True),
        _c("MEDA", "medical case; airline clearance (MEDIF) needed",
           "clearance valid for every leg; medical escort per clearance",
           "medical follow-up: medical escort hands over medical file",
           G.MEDICAL, G.ESCORT, medical_escort=True, health=True),
        _c("OXYG", "oxygen on board", "equipment checklist; MEDIF",
           "needs oxygen on arrival: have a supply ready",
           G.STRETCHER_OXYGEN, G.MEDICAL, health=True),
        _c("BLND", "blind", "communication aids; continuous escort",
           "blind: guide by the arm, read documents aloud", G.COMMUNICATION, G.ESCORT),
        _c("DEAF", "deaf", "communication aids; continuous escort",
           "deaf: written communication", G.COMMUNICATION, G.ESCORT),
        _c("DPNA", "intellectual or developmental disability",
           "communication aids; continuous escort",
           "needs continuous accompaniment and simple instructions",
           G.COMMUNICATION, G.ESCORT),
        _c("MAAS", "meet and assist", "meet at the aircraft or designated point",
           "meet at arrival and accompany", G.MEET_ASSIST),
        _c("UMNR", "unaccompanied minor",
           "escort; release only to the named adult after an ID check and signature",
           "unaccompanied minor: release only to the named adult after an ID check",
           G.MINOR, G.ESCORT),
        _c("LANG", "language assistance", "interpreter", "interpreter needed",
           G.COMMUNICATION),
        _c("INFT", "infant", "family grouping", "infant travelling on a lap", G.FAMILY),
        _c("CHLD", "child", "family grouping", "child travelling with the family", G.FAMILY),
        _c("DEPA", "deportee, accompanied", "not an agency passenger", "", G.NOT_AGENCY),
        _c("DEPU", "deportee, unaccompanied", "not an agency passenger", "", G.NOT_AGENCY),
        _c("INAD", "inadmissible passenger", "not an agency passenger", "", G.NOT_AGENCY),
    )
}


def ssr(code: str) -> SsrCode:
    """Look a code up; raises ``KeyError`` with the code for unknown ones."""
    try:
        return SSR_CODES[code.strip().upper()]
    except KeyError:
        raise KeyError(f"unknown SSR code {code!r}") from None


#: Age bands of the SSR codes that state an age (IATA: an infant, INFT, is under 2 years
#: on the travel date; a child, CHLD, is 2 to 11 years), as (lowest, highest) whole years.
AGE_BANDS: dict[str, tuple[int, int]] = {"INFT": (0, 1), "CHLD": (2, 11)}


def age_on(birth_date: date, day: date) -> int:
    """Whole years of age on ``day`` (a birthday on 29 February counts on 1 March)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month,
                                                                 birth_date.day))


def age_conflicts(codes: Iterable[str], birth_date: date | None, day: date
                  ) -> list[tuple[str, int]]:
    """(code, age) for each age-stating SSR code (``AGE_BANDS``) that does not fit the
    passenger's age on ``day``; empty when the birth date is unknown."""
    if birth_date is None:
        return []
    age = age_on(birth_date, day)
    return [(c, age) for c in codes if c in AGE_BANDS
            and not AGE_BANDS[c][0] <= age <= AGE_BANDS[c][1]]
