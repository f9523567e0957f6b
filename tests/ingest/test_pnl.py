"""PNL and ADL: destinations, name elements, every element kind, sections, parts."""

from __future__ import annotations

from datetime import date, time

import pytest

from movements.ingest import (
    ClassTotal,
    Connection,
    Element,
    Flight,
    Group,
    NameEntry,
    PersonName,
    Remark,
    TelexError,
    parse_adl,
    parse_pnl,
)
from tests.ingest.corpus import load

HEAD = "PNL\nKL1234/15SEP AMS PART1\n-TIA005Y\n"


def one(body: str) -> NameEntry:
    """Parse a PNL with one destination line and return its only name entry."""
    (entry,) = parse_pnl(HEAD + body + "\nENDPNL\n").entries
    return entry


def test_single_part_fixture() -> None:
    pnl = parse_pnl(load("pnl_ok_single.txt"), reference=date(2025, 9, 14))
    assert pnl.flight == Flight("KL", 1234) and pnl.station == "AMS"
    assert pnl.flight_date == date(2025, 9, 15)
    assert (pnl.part, pnl.last_part) == (1, True)
    assert pnl.totals == (ClassTotal("TIA", "Y", 12), ClassTotal("YYZ", "C", 0))
    grace, family, maria, layla, selam = pnl.entries
    assert grace.names == (PersonName("OKELLO", "GRACE", "MRS"),)
    assert grace.locator == "ABC123"
    assert grace.remarks == (Remark("WCHC", "HK1 NEEDS AISLE CHAIR AT THE AIRCRAFT DOOR"),)
    assert grace.inbound == Connection(Flight("KQ", 116), "Y", 15, "NBO", None)
    assert (grace.action, grace.destination, grace.cabin_class) == (None, "TIA", "Y")
    assert [n.given_name for n in family.names] == ["JOHN", "MARY", "PAUL"]
    assert [n.title for n in family.names] == ["MR", "MISS", "MSTR"]
    assert family.group == Group("A", 3, "KENYAGRP")
    assert family.onward == (Connection(Flight("KL", 673), "Y", 15, None, "YYZ"),)
    assert family.remarks == (Remark("UMNR", "HK1 AGE 09"),)
    assert maria.names == (PersonName("ИВАНОВА", "МАРИЯ", "MS"),)
    assert (maria.locator, maria.remarks) == ("QWE789", (Remark("LANG", "HK1 RUSSIAN"),))
    assert layla.names == (PersonName("حداد", "ليلى", "MRS"),)
    assert layla.remarks == (Remark("MEDA", "HK1"),)
    assert selam.names == (PersonName("ተስፋዬ", "ሰላም", "MS"),)
    assert selam.onward == (Connection(Flight("KL", 1547), "Y", 15, "AMS", "FCO",
                                       time(14, 10), "HK"),)
    assert selam.other == (Element("C", "KENYA RESETTLEMENT"),)
    assert selam.line_no == 14


def test_multi_part_pnl() -> None:
    part1 = parse_pnl(load("pnl_ok_part1.txt"))
    part2 = parse_pnl(load("pnl_ok_part2.txt"))
    assert (part1.part, part1.last_part, part2.part, part2.last_part) == (1, False, 2, True)
    assert [str(n) for n in part1.entries[0].names] == ["MWANGI/PETER MR", "MWANGI/ESTHER MRS"]
    assert part2.entries[0].remarks == (
        Remark("DEAF", "HK1"),
        Remark("STCR", "HK1 MEDICAL ESCORT TRAVELS ON 1HASSAN/AMINA DR"),
    )


def test_crlf_and_sita_header() -> None:
    pnl = parse_pnl(load("pnl_ok_sita_crlf.txt"))
    assert pnl.envelope.origin_time == "141900"
    assert pnl.entries[0].locator == "ABC123" and pnl.entries[0].line_no == 7


def test_elements_attached_to_the_name_without_spaces() -> None:
    entry = one("1OKELLO/GRACEMRS.L/ABC123.R/WCHC.O/KL673Y15YYZ")
    assert entry.names == (PersonName("OKELLO", "GRACEMRS"),)  # no guessing at titles
    assert entry.locator == "ABC123"
    assert entry.remarks == (Remark("WCHC", ""),)
    assert entry.onward[0].off == "YYZ"


def test_group_suffix_after_a_space_and_hyphenated_names() -> None:
    entry = one("2AL-HASSAN/ALI MR/NOOR-AMAL MS -B2FAMILY")
    assert entry.group == Group("B", 2, "FAMILY")
    assert [str(n) for n in entry.names] == ["AL-HASSAN/ALI MR", "AL-HASSAN/NOOR-AMAL MS"]


def test_remarks_continuation_joins_as_sent_and_several_onward_legs() -> None:
    entry = one("1OKELLO/GRACE\n.R/UMNR HK1 MEET BY AUNT OKEL\n.RN/LO ROSE\n"
                ".O/KL673Y15YYZ\n.O2/AC100Y16YYZYVR0930HK1\n.I/KQ0116Y15NBOAMS")
    assert entry.remarks == (Remark("UMNR", "HK1 MEET BY AUNT OKELLO ROSE"),)
    assert [c.flight for c in entry.onward] == [Flight("KL", 673), Flight("AC", 100)]
    assert entry.onward[1].board == "YYZ" and entry.onward[1].status == "HK1"
    assert entry.inbound is not None and (entry.inbound.board, entry.inbound.off) == (
        "NBO", "AMS")


def test_title_only_and_locator_with_owner() -> None:
    entry = one("1SUKARNO/MR .L/ABC123/1A .W/K/1/20 .N/0571234")
    assert entry.names == (PersonName("SUKARNO", None, "MR"),)
    assert entry.locator == "ABC123"
    assert entry.other == (Element("W", "K/1/20"), Element("N", "0571234"))


def test_rbd_lines_after_the_flight_line_are_skipped() -> None:
    pnl = parse_pnl("PNL\nKL1234/15SEP AMS PART1\nRBD C/CJD Y/YBM\nCFG/036C264Y\n"
                    "-TIA001Y\n1OKELLO/GRACE\nENDPNL")
    assert len(pnl.entries) == 1


@pytest.mark.parametrize(("body", "line_no", "reason"), [
    ("1OKELLO GRACE", 4, "has no '/'"),
    ("1/GRACE", 4, "empty part"),
    ("1OKELLO/", 4, "empty given name"),
    ("0OKELLO/GRACE", 4, "name count 0"),
    ("2OKELLO/GRACE 12A", 4, "contains a digit"),
    ("1OKELLO😀/GRACE", 4, "'OKELLO😀' contains '😀' (U+1F600, character 7)"),
    ("1OKELLO/GR@CE", 4, "'GR@CE' contains '@'"),
    ("1OKELLO/GRACE-A0GRP", 4, "group size is zero"),
    ("1OKELLO/GRACE .L/AB", 4, "booking locator 'AB'"),
    ("1OKELLO/GRACE .R/INFT HK1 02FEX26 OKELLO/BABY", 4, "'02FEX26' is not DDMMMYY"),
    ("1OKELLO/GRACE .R/INFT HK1 31FEB26", 4, "'31FEB26' is not a date"),
    ("2OKELLO/GRACE/JOHN .R/INFT HK1 02FEB26", 4, "several passengers"),
    ("1OKELLO/GRACE .R/INFT HK1 OKELLO/A/B 02FEB26", 4, "one infant"),
    ("1OKELLO/GRACE .I/KQ116Y15NBO .I/KQ116Y15NBO", 4, "second .I/"),
    ("1OKELLO/GRACE .I/KQ116Y15NBO2560", 4, "connection time 2560"),
    ("1OKELLO/GRACE .I/KQ116Y32NBO", 4, "connection day"),
    ("1OKELLO/GRACE .O/", 4, "empty .O/ element"),
    ("1OKELLO/GRACE\n.RN/TEXT", 5, ".RN/ must continue"),
    ("1OKELLO/GRACE\n.Q/TEXT", 5, "unknown element"),
    ("1OKELLO/GRACE\nRBD C/CJD", 5, "expected a destination line"),
    ("1OKELLO/GRACE\n-TIA1Y2", 5, "destination line must be"),
    ("1OKELLO/GRACE\n-TIA001Y\n.L/ABC123", 6, "no name element above"),
])
def test_name_and_element_errors(body: str, line_no: int, reason: str) -> None:
    with pytest.raises(TelexError) as caught:
        parse_pnl(HEAD + body + "\nENDPNL\n")
    assert caught.value.line_no == line_no
    assert reason in caught.value.reason


def test_pnl_without_destination_lines_is_rejected() -> None:
    with pytest.raises(TelexError, match="no destination line"):
        parse_pnl("PNL\nKL1234/15SEP AMS PART1\nENDPNL")


def test_adl_sections_in_either_order() -> None:
    adl = parse_adl(load("adl_ok_sections.txt"))
    assert [(e.action, e.destination, str(e.names[0])) for e in adl.entries] == [
        ("ADD", "TIA", "HASSAN/AMINA DR"),
        ("DEL", "TIA", "MWANGI/PETER MR"),
        ("CHG", "YYZ", "OKELLO/PAUL MSTR"),
    ]
    assert adl.entries[0].remarks == (Remark("OXYG", "HK1"),)
    assert adl.totals == (ClassTotal("TIA", "Y", 13), ClassTotal("YYZ", "Y", 5))
    first = parse_adl(load("adl_ok_destination_first.txt"))
    assert [(e.action, e.names[0].surname) for e in first.entries] == [
        ("DEL", "ИВАНОВА"), ("ADD", "ተስፋዬ")]


def test_adl_element_cannot_cross_a_section_line() -> None:
    with pytest.raises(TelexError, match="no name element above") as caught:
        parse_adl("ADL\nKL1234/15SEP AMS PART1\n-TIA001Y\nADD\n1OKELLO/GRACE\nDEL\n"
                  ".L/ABC123\nENDADL")
    assert caught.value.line_no == 7


def test_adl_multi_part() -> None:
    adl = parse_adl("ADL\nKL1234/15SEP AMS PART3\n-TIA001Y\nADD\n1OKELLO/GRACE\nENDPART3")
    assert (adl.part, adl.last_part) == (3, False)


def test_several_locators_infants_children_and_kept_elements() -> None:
    pnl = parse_pnl(
        "PNL\nKL1002/30NOV AMS PART1\nRBD C/CJD Y/YBM\nAVAIL\nAMS DUB C004 Y012\n"
        "-DUB002Y PAD001\n1MENSAH/AMA MRS\n.L/Q4W7ZR/KL\n.L/7HHKQ2/1A\n"
        ".R/INFT HK1 02FEB26 MENSAH/KOFI\n.W/K/1/20 .M/KL1002Y30AMSDUB\n"
        "1BOATENG/ESI MISS CHD .R/CHLD HK1 05MAY19\nENDPNL\n")
    ama, esi = pnl.entries
    assert ama.locators == ("Q4W7ZR", "7HHKQ2") and ama.locator == "Q4W7ZR"
    assert [(i.name, i.birth_date) for i in ama.infants] == [
        (PersonName("MENSAH", "KOFI"), date(2026, 2, 2))]
    assert [e.code for e in ama.other] == ["W", "M"]
    assert esi.names[0].child and esi.child_birth == date(2019, 5, 5)
    assert pnl.header == ("RBD C/CJD Y/YBM", "AVAIL", "AMS DUB C004 Y012")
    assert pnl.totals[0].suffixes == ("PAD001",)
