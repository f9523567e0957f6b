"""The error type, the SITA envelope, line breaks and date resolution."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime

import pytest

from movements.ingest import (
    Adl,
    Mvt,
    Pnl,
    Psm,
    Ptm,
    TelexError,
    parse_adl,
    parse_mvt,
    parse_pnl,
    parse_psm,
    parse_ptm,
    parse_telex,
    resolve_day,
    resolve_day_month,
)
from tests.ingest.corpus import load

MVT = "MVT\nKL1234/15.PHBXA.AMS\nAD151022/151035 EA1310 TIA\n"


def test_error_reads_as_line_text_and_reason() -> None:
    with pytest.raises(TelexError) as caught:
        parse_telex("MVT\nKL1234/15.PHBXA.AMS\nAD15XX22\n")
    error = caught.value
    assert (error.line_no, error.line) == (3, "AD15XX22")
    assert str(error) == "line 3: 'AD15XX22' — off-block time is not HHMM or DDHHMM"
    assert isinstance(error, ValueError)


def test_error_survives_pickling_and_shortens_long_lines_only_in_str() -> None:
    error = TelexError(7, "X" * 200, "too long")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.line_no, copy.line, copy.reason) == (7, "X" * 200, "too long")
    assert str(copy) == f"line 7: '{'X' * 77}...' — too long"


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_any_line_break_gives_the_same_result_and_line_numbers(newline: str) -> None:
    text = MVT.replace("\n", newline)
    assert parse_telex(text) == parse_telex(MVT)
    with pytest.raises(TelexError) as caught:
        parse_telex(text.replace("EA1310 TIA", "EA1310 T1A"))
    assert caught.value.line_no == 3


def test_blank_lines_trailing_spaces_tabs_and_bom_are_layout() -> None:
    text = "\ufeff\n\n  MVT  \n\tKL1234/15.PHBXA.AMS\t\n\n\nAD151022/151035   EA1310  TIA   \n\n"
    assert parse_telex(text) == parse_telex(MVT)


def test_sita_envelope_is_read_and_kept() -> None:
    parsed = parse_telex(load("mvt_ok_sita_crlf.txt"))
    assert isinstance(parsed, Mvt)
    assert parsed.envelope.priority == "QU"
    assert parsed.envelope.addresses == ("AMSKLXH", "AMSOPXH")
    assert parsed.envelope.origin == "NBOKQXH"
    assert parsed.envelope.origin_time == "150830"
    assert parsed.passengers == 123


def test_envelope_may_span_address_lines_and_omit_the_time() -> None:
    text = "QK AMSKLXH\nAMSOPXH NBOKQXH\n.EBBKQXH\n" + MVT
    envelope = parse_telex(text).envelope
    assert envelope.addresses == ("AMSKLXH", "AMSOPXH", "NBOKQXH")
    assert envelope.origin == "EBBKQXH" and envelope.origin_time is None


@pytest.mark.parametrize(("text", "line_no", "reason"), [
    ("QU AMSKLXH\nHELLO THERE\n" + MVT, 2, "expected a message identifier"),
    (".NBOKQXH 150830\nQU AMSKLXH\n" + MVT, 2, "expected a message identifier"),
    ("QU AMSKLXH\nQD AMSOPXH\n" + MVT, 2, "second priority code"),
    ("QU AMSKLXH\n.NBOKQXH 150830\n", 2, "no message identifier"),
    ("", 1, "empty telex"),
    ("\x01\x02\x03", 1, "empty telex"),
])
def test_envelope_errors(text: str, line_no: int, reason: str) -> None:
    with pytest.raises(TelexError) as caught:
        parse_telex(text)
    assert caught.value.line_no == line_no
    assert reason in caught.value.reason


def test_non_text_input_is_a_telex_error() -> None:
    with pytest.raises(TelexError, match="must be text"):
        parse_telex(MVT.encode())  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "kind"), [
    ("mvt_ok_departure.txt", Mvt), ("ptm_ok_single.txt", Ptm), ("pnl_ok_single.txt", Pnl),
    ("adl_ok_sections.txt", Adl), ("psm_ok_single.txt", Psm),
])
def test_parse_telex_detects_the_type(name: str, kind: type) -> None:
    assert type(parse_telex(load(name))) is kind


def test_typed_parsers_refuse_other_types_at_the_identifier() -> None:
    pnl = load("pnl_ok_single.txt")
    for parser in (parse_mvt, parse_ptm, parse_adl, parse_psm):
        with pytest.raises(TelexError) as caught:
            parser(pnl)
        assert caught.value.line_no == 1
        assert "this telex is PNL" in caught.value.reason
    assert isinstance(parse_pnl(pnl), Pnl)


def test_adl_is_not_a_pnl() -> None:
    adl = parse_telex(load("adl_ok_sections.txt"))
    assert isinstance(adl, Adl) and not isinstance(adl, Pnl)


@pytest.mark.parametrize(("day", "reference", "expected"), [
    (15, date(2025, 9, 14), date(2025, 9, 15)),
    (31, date(2025, 9, 14), date(2025, 8, 31)),  # September has no 31st
    (1, date(2025, 9, 30), date(2025, 10, 1)),  # month rollover forwards
    (30, date(2025, 10, 1), date(2025, 9, 30)),  # and backwards
    (31, date(2025, 12, 31), date(2025, 12, 31)),
    (2, date(2025, 12, 31), date(2026, 1, 2)),  # year rollover
    (29, date(2024, 3, 1), date(2024, 2, 29)),  # leap day
    (29, date(2025, 3, 1), date(2025, 3, 29)),  # no 29 Feb in 2025
    (16, date(2025, 1, 31), date(2025, 1, 16)),  # 15 days back beats 16 forward
])
def test_resolve_day_picks_the_nearest_date(day: int, reference: date, expected: date) -> None:
    assert resolve_day(day, reference) == expected


def test_resolve_day_rejects_impossible_days() -> None:
    with pytest.raises(ValueError):
        resolve_day(0, date(2025, 9, 14))
    with pytest.raises(ValueError):
        resolve_day(32, date(2025, 9, 14))


@pytest.mark.parametrize(("day", "month", "reference", "expected"), [
    (15, 9, date(2025, 9, 14), date(2025, 9, 15)),
    (2, 1, date(2025, 12, 30), date(2026, 1, 2)),
    (30, 12, date(2026, 1, 2), date(2025, 12, 30)),
    (29, 2, date(2025, 3, 1), date(2024, 2, 29)),  # the nearest 29 Feb that exists
])
def test_resolve_day_month_picks_the_nearest_year(
        day: int, month: int, reference: date, expected: date) -> None:
    assert resolve_day_month(day, month, reference) == expected


def test_reference_at_the_end_of_time_is_a_telex_error_not_an_overflow() -> None:
    with pytest.raises(TelexError, match="reference date"):
        parse_telex("MVT\nKL1234/31.PHBXA.AMS\nAD312350/0005\n", reference=date.max)
    with pytest.raises(TelexError, match="reference date"):
        parse_telex(load("pnl_ok_single.txt").replace("15SEP", "29FEB"),
                    reference=date(9999, 12, 1))


def test_a_datetime_reference_counts_by_its_date() -> None:
    late = datetime(2025, 9, 14, 23, 59, tzinfo=UTC)
    assert parse_telex(MVT, reference=late) == parse_telex(MVT, reference=late.date())


def test_a_reference_that_is_not_a_date_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        parse_telex(MVT, reference="2025-09-14")  # type: ignore[arg-type]
