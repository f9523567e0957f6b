"""PSM: the documented passenger line, free-text continuation, parts, NIL."""

from __future__ import annotations

from datetime import date

import pytest

from movements.ingest import Flight, FlightDay, PersonName, TelexError, parse_psm
from tests.ingest.corpus import load

HEAD = "PSM\nKL1234/15SEP AMS PART1\n"


def test_single_part_fixture() -> None:
    psm = parse_psm(load("psm_ok_single.txt"), reference=date(2025, 9, 14))
    assert psm.flight == Flight("KL", 1234) and psm.station == "AMS"
    assert (psm.part, psm.last_part, psm.flight_date) == (1, True, date(2025, 9, 15))
    grace, paul, sisters, layla, selam = psm.entries
    assert grace.ssr_codes == ("WCHC",)
    assert grace.names == (PersonName("OKELLO", "GRACE", "MRS"),)
    assert (grace.destination, grace.seats) == ("TIA", ("12A",))
    assert grace.onward == FlightDay(Flight("KL", 673), 15)
    assert grace.free_text == "AISLE CHAIR AT DOOR BOARD FIRST"
    assert grace.line_no == 3
    assert paul.ssr_codes == ("UMNR", "LANG") and paul.free_text == "AGE 09 MEETING AUNT"
    assert [str(n) for n in sisters.names] == ["ИВАНОВА/МАРИЯ MS", "ИВАНОВА/ОЛЬГА MISS"]
    assert sisters.seats == ("21A", "21B")
    assert layla.names == (PersonName("حداد", "ليلى", "MRS"),) and layla.seats == ()
    assert selam.onward == FlightDay(Flight("KL", 1547), 15) and selam.free_text is None


def test_part_one_of_several_and_nil() -> None:
    part1 = parse_psm(load("psm_ok_part1.txt"))
    assert (part1.part, part1.last_part) == (1, False)
    assert part1.entries[0].ssr_codes == ("STCR",)
    assert parse_psm(load("psm_ok_nil.txt")).entries == ()


def test_free_text_continuation_starts_free_text_when_the_line_had_none() -> None:
    psm = parse_psm(HEAD + "DEAF 1 TIA OKELLO/GRACE MRS\nFT SIGN LANGUAGE\nENDPSM")
    assert psm.entries[0].free_text == "SIGN LANGUAGE"


@pytest.mark.parametrize(("body", "line_no", "reason"), [
    ("WCHC 1 TIA", 3, "passenger line must be"),
    ("WCHC/ 1 TIA OKELLO/GRACE", 3, "is not 4-letter SSR codes"),
    ("WCHC 0 TIA OKELLO/GRACE", 3, "is not a number from 1"),
    ("WCHC X TIA OKELLO/GRACE", 3, "is not a number from 1"),
    ("WCHC 1 TI OKELLO/GRACE", 3, "destination 'TI'"),
    ("WCHC 1 TIA 12A", 3, "has no name"),
    ("WCHC 1 TIA OKELLO GRACE", 3, "has no '/'"),
    ("WCHC 1 TIA OKELLO/GRACE ONWARD", 3, "ONWARD without a flight"),
    ("WCHC 1 TIA OKELLO/GRACE ONWARD KL673", 3, "is not FLIGHT/DD"),
    ("WCHC 1 TIA OKELLO/GRACE FT", 3, "FT without text"),
    ("WCHC 1 TIA OKELLO/GRACE 12A 12B", 3, "2 seats for 1 passenger"),
    ("FT ORPHAN", 3, "before any passenger line"),
    ("WCHC 1 TIA OKELLO/GRACE\nFT", 4, "empty free-text continuation"),
    ("NIL\nWCHC 1 TIA OKELLO/GRACE", 4, "text after NIL"),
])
def test_passenger_line_errors(body: str, line_no: int, reason: str) -> None:
    with pytest.raises(TelexError) as caught:
        parse_psm(HEAD + body + "\nENDPSM\n")
    assert caught.value.line_no == line_no
    assert reason in caught.value.reason


def test_flight_line_needs_station_and_part() -> None:
    with pytest.raises(TelexError, match="flight line must be") as caught:
        parse_psm("PSM\nKL1234/15SEP AMS\nNIL\nENDPSM")
    assert caught.value.line_no == 2
