"""RFC 3339 parsing for captured_at: accepted spellings and refusals."""

from datetime import datetime, timezone

import pytest

from sandbox.timestamps import (
    TimestampError,
    format_utc,
    parse_timestamp,
    read_local_timestamp,
)

NOT_A_TIMESTAMP = "Use an RFC 3339 timestamp with an offset"
DOES_NOT_EXIST = "The timestamp names a date or time that does not exist."
OUT_OF_RANGE = (
    "The timestamp falls outside 0001-01-01T00:00:00Z to "
    "9999-12-31T23:59:59Z, the range the API stores."
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2021-03-01 00:00:00-08", datetime(2021, 3, 1, 8, tzinfo=timezone.utc)),
        (
            "2021-03-01T00:00:00+0130",
            datetime(2021, 2, 28, 22, 30, tzinfo=timezone.utc),
        ),
        (
            "2021-03-01T00:00:00.25Z",
            datetime(2021, 3, 1, 0, 0, 0, 250000, tzinfo=timezone.utc),
        ),
        (
            "2021-03-01T00:00:00.123456789Z",
            datetime(2021, 3, 1, 0, 0, 0, 123456, tzinfo=timezone.utc),
        ),
        (
            "2021-03-01T00:00:00.12345678901234567890Z",
            datetime(2021, 3, 1, 0, 0, 0, 123456, tzinfo=timezone.utc),
        ),
        (" 2021-03-01T00:00:00Z ", datetime(2021, 3, 1, tzinfo=timezone.utc)),
    ],
)
def test_parse_timestamp_reads_offsets_and_fractions(text, expected):
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2021-03-01T00:00:00",
        "2021-03-01T00:00:00+08:60",
        "2021-13-01T00:00:00Z",
        "2021-03-01T00:00:60Z",
        "2021-3-1T00:00:00Z",
        "2021-03-01T00:00:00 Z",
    ],
)
def test_parse_timestamp_refuses_what_cannot_be_placed_in_utc(text):
    with pytest.raises(TimestampError):
        parse_timestamp(text)


def test_format_utc_writes_whole_seconds_with_z():
    moment = datetime(9, 1, 2, 3, 4, 5, 600000, tzinfo=timezone.utc)

    assert format_utc(moment) == "0009-01-02T03:04:05Z"


@pytest.mark.parametrize(
    "text",
    [
        "2021-03-01T00:00:00-٠٨:٠٠",
        "2021-03-01T00:00:00-0٨",
        "٢٠٢١-٠٣-٠١T00:00:00Z",
        "2021-03-01T0٠:00:00Z",
        "2021-03-01T00:00:00.٥Z",
        "2021-03-01T00:00:00.５Z",
        "\u00a02021-03-01T00:00:00Z",
        "2021-03-01T00:00:00Z\u2003",
    ],
)
def test_digits_and_spaces_beyond_ascii_are_not_a_timestamp(text):
    with pytest.raises(TimestampError, match=NOT_A_TIMESTAMP):
        parse_timestamp(text)


@pytest.mark.parametrize(
    "text",
    [
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:00:00-02:00",
        "0000-01-01T00:00:00Z",
        "0000-02-29T00:00:00Z",
    ],
)
def test_timestamps_outside_the_stored_years_say_so(text):
    with pytest.raises(TimestampError) as caught:
        parse_timestamp(text)

    assert str(caught.value) == OUT_OF_RANGE


@pytest.mark.parametrize("text", ["0000-02-30T00:00:00Z", "2021-02-29T00:00:00Z"])
def test_days_that_no_calendar_has_still_do_not_exist(text):
    with pytest.raises(TimestampError) as caught:
        parse_timestamp(text)

    assert str(caught.value) == DOES_NOT_EXIST


def test_local_reading_keeps_a_time_that_leaves_the_years_only_in_utc():
    moment = read_local_timestamp("0001-01-01T00:00:00+01:00")

    assert moment.isoformat() == "0001-01-01T00:00:00+01:00"
