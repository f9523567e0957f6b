"""MVT: the flight line and each element line, day inference and UTC resolution."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from movements.ingest import Delay, Flight, MvtTime, TelexError, parse_mvt
from tests.ingest.corpus import load

HEAD = "MVT\nKL1234/15.PHBXA.AMS\n"
REFERENCE = date(2025, 9, 14)


def utc(day: int, hour: int, minute: int, month: int = 9) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=UTC)


def test_departure_fixture() -> None:
    mvt = parse_mvt(load("mvt_ok_departure.txt"), REFERENCE)
    assert mvt.flight == Flight("KL", 1234)
    assert (mvt.flight_day, mvt.registration, mvt.station) == (15, "PHBXA", "AMS")
    assert mvt.flight_date == date(2025, 9, 15)
    assert mvt.off_block is not None and mvt.off_block.utc == utc(15, 10, 22)
    assert mvt.airborne is not None and mvt.airborne.utc == utc(15, 10, 35)
    assert mvt.estimated_arrival is not None
    assert mvt.estimated_arrival.station == "TIA"
    assert mvt.estimated_arrival.time.utc == utc(15, 13, 10)
    assert mvt.delays == (Delay("93", 45),)
    assert mvt.passengers == 123
    assert mvt.supplementary == "CREW CHANGE DELAYED BOARDING\nWHEELCHAIR PAX BOARDED FIRST"


def test_without_reference_times_are_day_hour_minute() -> None:
    mvt = parse_mvt(load("mvt_ok_departure.txt"))
    assert mvt.off_block == MvtTime(15, 10, 22)
    assert mvt.flight_date is None


def test_arrival_with_explicit_days_rolls_over_midnight() -> None:
    mvt = parse_mvt(load("mvt_ok_arrival_rollover.txt"), REFERENCE)
    assert mvt.touchdown == MvtTime(15, 23, 50, utc=utc(15, 23, 50))
    assert mvt.on_block == MvtTime(16, 0, 5, utc=utc(16, 0, 5))


def test_hhmm_times_roll_over_into_the_next_month() -> None:
    mvt = parse_mvt(load("mvt_ok_rollover.txt"), REFERENCE)
    assert mvt.flight_date == date(2025, 8, 31)
    assert mvt.off_block is not None and mvt.off_block.utc == utc(31, 23, 50, month=8)
    assert mvt.airborne == MvtTime(31, 0, 5, next_day=True, utc=utc(1, 0, 5))
    assert mvt.estimated_arrival is not None
    assert mvt.estimated_arrival.time.utc == utc(1, 2, 10)


def test_hhmm_after_an_explicit_day_takes_that_day() -> None:
    mvt = parse_mvt(HEAD + "AA160040/0052\n", REFERENCE)
    assert mvt.on_block == MvtTime(16, 0, 52, utc=utc(16, 0, 52))


def test_hhmm_arrival_rolls_over_from_touchdown() -> None:
    mvt = parse_mvt(HEAD + "AA2358/0004\n", REFERENCE)
    assert mvt.touchdown == MvtTime(15, 23, 58, utc=utc(15, 23, 58))
    assert mvt.on_block == MvtTime(15, 0, 4, next_day=True, utc=utc(16, 0, 4))


def test_estimated_arrival_rolls_over_from_estimated_departure() -> None:
    mvt = parse_mvt(HEAD + "ED152330\nEA0130 TIA\n", REFERENCE)
    assert mvt.estimated_departure == MvtTime(15, 23, 30, utc=utc(15, 23, 30))
    assert mvt.estimated_arrival is not None
    assert mvt.estimated_arrival.time.utc == utc(16, 1, 30)


def test_estimates_fixture_has_two_delays_with_durations() -> None:
    mvt = parse_mvt(load("mvt_ok_estimates.txt"))
    assert mvt.delays == (Delay("93", 30), Delay("11", 15))
    assert mvt.estimated_departure == MvtTime(15, 12, 30)
    assert mvt.estimated_arrival is not None and mvt.estimated_arrival.station == "YYZ"


@pytest.mark.parametrize(("line", "delays"), [
    ("DL93", (Delay("93", None),)),
    ("DL93/11", (Delay("93", None), Delay("11", None))),
    ("DL93/0045", (Delay("93", 45),)),
    ("DL93/11/0130/0015", (Delay("93", 90), Delay("11", 15))),
    ("DL93A/RA/0010/0020", (Delay("93A", 10), Delay("RA", 20))),
])
def test_delay_line_shapes(line: str, delays: tuple[Delay, ...]) -> None:
    assert parse_mvt(HEAD + line).delays == delays


@pytest.mark.parametrize(("line", "reason"), [
    ("DL", "neither a delay code"),
    ("DL0045", "neither a delay code"),
    ("DL93/0045/11", "neither a delay code"),
    ("DL93/0075", "is not HHMM"),
    ("DL93/11/0030", "2 delay codes but 1 duration"),
    ("AD", "off-block time is not HHMM"),
    ("AD151022/", "airborne time is not HHMM"),
    ("AD1022/1035/1040", "got 3 times"),
    ("AD151022/151035 XX", "is not an estimated arrival"),
    ("AD1022/1035 EA1310", "is not an estimated arrival"),
    ("AD1022/1035 EA2510 TIA", "estimated arrival time 2510 is not a valid time"),
    ("AD321022", "is not a valid time"),
    ("AA151360", "is not a valid time"),
    ("ED15120", "estimated departure time is not HHMM"),
    ("EA1310 TIA\nAD1022/1035 EA1315 TIA", "second EA"),
    ("PX", "not a number"),
    ("PX12345", "not a number"),
    ("ZZ151200", "unknown MVT line"),
    ("PX12/13", "13 infants of 12 passengers"),
    ("AD1022 EOX", "is not an estimated take-off"),
])
def test_element_errors(line: str, reason: str) -> None:
    with pytest.raises(TelexError) as caught:
        parse_mvt(HEAD + line)
    assert reason in caught.value.reason
    assert caught.value.line_no >= 3


@pytest.mark.parametrize(("line", "reason"), [
    ("KL1234/15.PHBXA", "FLIGHT/DD.REGISTRATION.STATION"),
    ("KL1234/15.PH-BXA.AMS", "registration"),
    ("KL1234/32.PHBXA.AMS", "is not a day of month"),
    ("1234/15.PHBXA.AMS", "is not a flight designator"),
    ("KL12345/15.PHBXA.AMS", "is not a flight designator"),
    ("KL1234.PHBXA.AMS", "is not FLIGHT/DD"),
    ("KL1234/15.PHBXA.AMSX", "is not a 3-letter airport code"),
])
def test_flight_line_errors(line: str, reason: str) -> None:
    with pytest.raises(TelexError) as caught:
        parse_mvt(f"MVT\n{line}\nPX1\n")
    assert caught.value.line_no == 2
    assert reason in caught.value.reason


def test_flight_designator_variants() -> None:
    assert parse_mvt("MVT\nKLM0012A/05.PHBXA.AMS\nPX1").flight == Flight("KLM", 12, "A")
    assert str(parse_mvt("MVT\nKL0673/05.PHBXA.AMS\nPX1").flight) == "KL673"
    assert parse_mvt("MVT\nU21234/05.GEZAA.AMS\nPX1").flight == Flight("U2", 1234)


def test_tolerated_space_after_the_element_code() -> None:
    mvt = parse_mvt(HEAD + "AD 151022/151035 EA1310TIA\nPX 7\n")
    assert mvt.off_block == MvtTime(15, 10, 22)
    assert mvt.estimated_arrival is not None and mvt.estimated_arrival.station == "TIA"
    assert mvt.passengers == 7


def test_everything_after_si_is_free_text() -> None:
    mvt = parse_mvt(HEAD + "AD1022\nSI\nAD THIS IS NOT AN AD LINE\n  PX NOR THIS  \n")
    assert mvt.supplementary == "AD THIS IS NOT AN AD LINE\nPX NOR THIS"
    assert mvt.passengers is None


def test_allowed_but_unused_lines_are_kept_verbatim() -> None:
    mvt = parse_mvt(HEAD + "AD1022 EO1035 EA1310 TIA\nNI151200\nEDL93/0100\nPX131/4/2\n")
    assert mvt.other == (("NI", "151200"), ("EDL", "93/0100"))
    assert mvt.estimated_takeoff == MvtTime(15, 10, 35)
    assert (mvt.passengers, mvt.infants, mvt.passenger_figures) == (131, 4, (2,))


def test_correction_and_possible_duplicate_indicators() -> None:
    assert parse_mvt("MVT COR\nKL1234/15.PHBXA.AMS\nPX1").correction
    cor = parse_mvt("QU AMSKLXH\n.NBOKQXH 150830 KL/00123\nPDM\nCOR\nMVT\n"
                    "KL1234/15.PHBXA.AMS\nPX1\nNNNN\n")
    assert cor.correction and cor.envelope.possible_duplicate
    assert cor.envelope.message_id == "KL/00123"
