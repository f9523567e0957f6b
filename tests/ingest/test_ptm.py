"""PTM: flight line, transfer lines, name continuations, parts."""

from __future__ import annotations

from datetime import date

import pytest

from movements.ingest import (
    DayMonth,
    Flight,
    FlightDay,
    PersonName,
    SeatCount,
    TelexError,
    parse_ptm,
)
from tests.ingest.corpus import load

HEAD = "PTM\nKQ116/15SEP NBOAMS PART1\n"


def test_single_part_fixture() -> None:
    ptm = parse_ptm(load("ptm_ok_single.txt"), reference=date(2025, 9, 14))
    assert ptm.flight == Flight("KQ", 116)
    assert ptm.flight_day == DayMonth(15, 9)
    assert ptm.flight_date == date(2025, 9, 15)
    assert (ptm.origin, ptm.destination, ptm.part, ptm.last_part) == ("NBO", "AMS", 1, True)
    first, second, third = ptm.transfers
    assert first.onward == FlightDay(Flight("KL", 673), 15)
    assert (first.destination, first.seats, first.bags) == ("YYZ", (SeatCount(4, "Y"),), 6)
    assert [n.given_name for n in first.names] == ["GRACE", "JOHN", "MARY", "PAUL"]
    assert {n.surname for n in first.names} == {"OKELLO"}
    assert first.passengers == 4 and first.line_no == 3
    assert second.seats == (SeatCount(1, "C"),) and second.bags == 1
    assert third.bags is None
    assert third.names[1] == PersonName("ИВАНОВА", "ОЛЬГА")


def test_names_continue_on_dash_lines_in_any_script() -> None:
    ptm = parse_ptm(load("ptm_ok_part1_continuation.txt"))
    assert (ptm.part, ptm.last_part) == (1, False)
    assert ptm.envelope.origin == "NBOKQXH"
    yyz, bgw = ptm.transfers
    assert [str(n) for n in yyz.names] == [
        "OKELLO/GRACE", "OKELLO/JOHN", "MWANGI/PETER", "MWANGI/ESTHER"]
    assert bgw.seats == (SeatCount(2, "C"), SeatCount(2, "Y"))
    assert bgw.names[0] == PersonName("حداد", "ليلى")
    assert bgw.names[3] == PersonName("ተስፋዬ", "ዳዊት")


def test_last_part_and_nil() -> None:
    part2 = parse_ptm(load("ptm_ok_part2_last.txt"))
    assert (part2.part, part2.last_part) == (2, True)
    nil = parse_ptm(load("ptm_ok_nil.txt"))
    assert nil.transfers == () and nil.origin == "EBB"


def test_names_are_optional_and_a_surname_alone_is_one_passenger() -> None:
    ptm = parse_ptm(HEAD + "KL673/15 YYZ 2Y\nKL675/15 YYZ 1Y 0B OKELLO\nENDPTM")
    assert ptm.transfers[0].names == () and ptm.transfers[0].passengers == 2
    assert ptm.transfers[1].names == (PersonName("OKELLO"),)


@pytest.mark.parametrize(("body", "line_no", "reason"), [
    ("KL673/15 YYZ\nENDPTM", 3, "transfer line must be"),
    ("KL673 YYZ 1Y\nENDPTM", 3, "is not FLIGHT/DD"),
    ("KL673/15 YY 1Y\nENDPTM", 3, "destination 'YY'"),
    ("KL673/15 YYZ 0Y\nENDPTM", 3, "zero passengers"),
    ("KL673/15 YYZ 1Y 6X OKELLO/GRACE\nENDPTM", 3, "contains a digit"),
    ("KL673/15 YYZ 2Y OKELLO/GRACE\n-\nENDPTM", 4, "empty name continuation"),
    ("KL673/15 YYZ 2Y OKELLO/GRACE\n-MWANGI/PETER/ESTHER\nENDPTM", 3,
     "3 names for 2 passengers"),
    ("KL673/15 YYZ 1Y OKELLO//GRACE\nENDPTM", 3, "empty part"),
    (".L/ABC123\nENDPTM", 3, "PTM names continue on '-' lines"),
    ("NIL\nKL673/15 YYZ 1Y\nENDPTM", 4, "text after NIL"),
    ("ENDPTM", 2, "no transfer lines"),
    ("KL673/15 YYZ 1Y\nENDPNL", 4, "PTM must end with ENDPTM or ENDPART1"),
])
def test_transfer_errors(body: str, line_no: int, reason: str) -> None:
    with pytest.raises(TelexError) as caught:
        parse_ptm(HEAD + body)
    assert caught.value.line_no == line_no
    assert reason in caught.value.reason


@pytest.mark.parametrize(("line", "reason"), [
    ("KQ116/15SEP NBOAMS", "flight line must be"),
    ("KQ116/15SEPT NBOAMS PART1", "is not FLIGHT/DDMMM"),
    ("KQ116/30FEB NBOAMS PART1", "is not a date"),
    ("KQ116/15SEP NBOAMS PART0", "is not a part number"),
    ("KQ116/15SEP NBOAMS PARTA", "is not a part number"),
])
def test_flight_line_errors(line: str, reason: str) -> None:
    with pytest.raises(TelexError) as caught:
        parse_ptm(f"PTM\n{line}\nNIL\nENDPTM\n")
    assert caught.value.line_no == 2
    assert reason in caught.value.reason
