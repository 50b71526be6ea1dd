"""RFC 3339 parsing for captured_at: accepted spellings and refusals."""

from datetime import datetime, timezone

import pytest

from sandbox.timestamps import TimestampError, format_utc, parse_timestamp


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
