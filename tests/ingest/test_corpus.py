"""Every fixture: the good ones parse to their type, the bad ones fail where expected."""

from __future__ import annotations

from datetime import date

import pytest

from movements.ingest import TelexError, parse_telex
from tests.ingest.corpus import load, names

KIND_BY_PREFIX = {"mvt": "MVT", "ptm": "PTM", "pnl": "PNL", "adl": "ADL", "psm": "PSM"}

# file -> (line number, a fragment of the reason): the rejection must point at the
# line a person would fix, not merely fail somewhere.
BAD = {
    "adl_bad_endpnl.txt": (6, "ADL must end with ENDADL or ENDPART1"),
    "adl_bad_name_without_section.txt": (4, "before any ADD, DEL or CHG"),
    "any_bad_empty.txt": (1, "empty telex"),
    "any_bad_origin_time.txt": (2, "origin time is not DDHHMM"),
    "any_bad_unknown_type.txt": (3, "expected a message identifier"),
    "mvt_bad_delay_durations.txt": (4, "2 delay codes but 1 duration"),
    "mvt_bad_duplicate_ad.txt": (4, "second AD"),
    "mvt_bad_ea_station.txt": (3, "arrival station 'TI'"),
    "mvt_bad_flight_line.txt": (2, "FLIGHT/DD.REGISTRATION.STATION"),
    "mvt_bad_hour.txt": (3, "is not a valid time"),
    "mvt_bad_missing_header.txt": (1, "expected a message identifier"),
    "mvt_bad_no_elements.txt": (2, "nothing after the flight line"),
    "mvt_bad_px.txt": (4, "passengers on board is not a number"),
    "mvt_bad_time.txt": (3, "off-block time is not HHMM or DDHHMM"),
    "mvt_bad_unknown_line.txt": (4, "unknown MVT line"),
    "pnl_bad_adl_section.txt": (4, "belong in an ADL"),
    "pnl_bad_connection.txt": (5, "is not FLIGHT CLASS DAY STATION"),
    "pnl_bad_date.txt": (2, "'31SEP' is not a date"),
    "pnl_bad_end_mismatch.txt": (5, "ENDPART1 does not match PART2"),
    "pnl_bad_missing_header.txt": (1, "expected a message identifier"),
    "pnl_bad_name_before_destination.txt": (3, "before any destination line"),
    "pnl_bad_name_count.txt": (4, "name count 3 but 2 given names"),
    "pnl_bad_orphan_element.txt": (4, "no name element above"),
    "pnl_bad_remark_code.txt": (5, "4-letter SSR code"),
    "pnl_bad_rn_without_remark.txt": (5, ".RN/ must continue"),
    "pnl_bad_text_after_end.txt": (6, "text after ENDPNL"),
    "pnl_bad_unknown_element.txt": (5, "unknown element"),
    "psm_bad_count.txt": (3, "passenger count 2 but 1 name"),
    "psm_bad_field_order.txt": (3, "unexpected '12A'"),
    "psm_bad_missing_end.txt": (3, "ends without ENDPSM or ENDPART1"),
    "psm_bad_seat_count.txt": (3, "1 seat for 2 passengers"),
    "psm_bad_ssr.txt": (3, "'WCH' is not 4-letter SSR codes"),
    "ptm_bad_end_mismatch.txt": (4, "ENDPART2 does not match PART1"),
    "ptm_bad_missing_end.txt": (3, "ends without ENDPTM or ENDPART1"),
    "ptm_bad_name_count.txt": (3, "4 names for 3 passengers"),
    "ptm_bad_orphan_continuation.txt": (3, "before any transfer line"),
    "ptm_bad_route.txt": (2, "is not origin+destination"),
    "ptm_bad_seats.txt": (3, "seats 'Y4'"),
}


def test_every_bad_fixture_has_an_expectation() -> None:
    assert sorted(BAD) == names("bad")


@pytest.mark.parametrize("name", names("ok"))
def test_good_fixture_parses_to_its_type(name: str) -> None:
    parsed = parse_telex(load(name), reference=date(2025, 9, 14))
    assert KIND_BY_PREFIX[name.split("_")[0]] == parsed.KIND


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_fixture_is_rejected_at_its_line(name: str) -> None:
    line_no, reason = BAD[name]
    with pytest.raises(TelexError) as caught:
        parse_telex(load(name))
    assert caught.value.line_no == line_no
    assert reason in caught.value.reason
    # The line carried is the line at that number, as a person sees it.
    shown = load(name).splitlines()[line_no - 1].strip() if load(name).strip() else ""
    assert caught.value.line == shown
