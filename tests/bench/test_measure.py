"""The benchmark's arithmetic, on numbers chosen by hand."""

from types import SimpleNamespace

import pytest

from bench.measure import MeasureError, added_latency, percentile, take_turns


def test_percentile_takes_the_nearest_rank():
    samples = [float(n) for n in range(1, 101)]

    assert percentile(samples, 0.50) == 50.0
    assert percentile(samples, 0.99) == 99.0
    assert percentile([7.0], 0.99) == 7.0


def test_added_latency_subtracts_the_direct_call_at_each_percentile():
    full = [10.0, 11.0, 12.0, 13.0]
    direct = [6.0, 6.0, 7.0, 8.0]
    floor = [8.0, 8.0, 9.0, 9.0]

    summary = added_latency(full, direct, floor)

    assert summary["samples"] == 4
    assert summary["added_p50"] == pytest.approx(11.0 - 6.0)
    assert summary["added_p99"] == pytest.approx(13.0 - 8.0)


def test_guestforms_share_pairs_each_round_with_the_floors():
    # The app's slow round (30) and the floor's slow round (25) are not the
    # same round: the difference of the two p99s (5) matches no request,
    # while the paired differences show one round 22 ms above the floor.
    full = [10.0, 10.0, 10.0, 30.0]
    floor = [8.0, 25.0, 8.0, 8.0]
    direct = [6.0, 6.0, 6.0, 6.0]

    summary = added_latency(full, direct, floor)

    assert summary["own_p50"] == pytest.approx(2.0)
    assert summary["own_p99"] == pytest.approx(22.0)


def test_the_stacks_share_pairs_each_floor_with_the_direct_call():
    # One slow direct call (9) makes the difference of the two p99s zero
    # (9 - 9), below what the floor cost in every other round; paired,
    # each round's own floor cost shows.
    full = [10.0, 10.0, 10.0, 10.0]
    floor = [8.0, 8.0, 9.0, 8.5]
    direct = [6.0, 6.0, 6.0, 9.0]

    summary = added_latency(full, direct, floor)

    assert summary["floor_added_p50"] == pytest.approx(2.0)
    assert summary["floor_added_p99"] == pytest.approx(3.0)


def test_added_latency_refuses_rounds_of_different_lengths():
    with pytest.raises(ValueError):
        added_latency([1.0, 2.0], [1.0, 2.0], [1.0])


def answering(status, log, name):
    def send():
        log.append(name)
        return SimpleNamespace(status_code=status)

    return send


def test_each_round_starts_with_another_sender():
    log = []
    senders = {name: (answering(200, log, name), 200) for name in "abc"}

    times = take_turns(senders, 4)

    assert log == [*"abc", *"bca", *"cab", *"abc"]
    assert {name: len(taken) for name, taken in times.items()} == {
        "a": 4,
        "b": 4,
        "c": 4,
    }


def test_the_untimed_step_runs_before_every_round():
    log = []
    senders = {"a": (answering(200, log, "a"), 200)}

    take_turns(senders, 2, lambda: log.append("setup"))

    assert log == ["setup", "a", "setup", "a"]


def test_a_wrong_status_stops_the_measurement():
    request = SimpleNamespace(method="POST")
    wrong = SimpleNamespace(status_code=500, request=request, url="u", text="boom")

    with pytest.raises(MeasureError, match="answered 500, not 200"):
        take_turns({"a": (lambda: wrong, 200)}, 1)
