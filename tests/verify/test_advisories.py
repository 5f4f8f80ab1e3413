"""Advisories: what the answers to the advisory probes say about a receiver (never failures)."""

from __future__ import annotations

from contract_tests.advisories import Observation, advise


def reading(tokens: int, all_whitespace: int, types: tuple[str, ...] = ("otp",)) -> str:
    observed = [
        o
        for t in types
        for o in (
            Observation("reading:tokens", t, "a", tokens),
            Observation("reading:all-whitespace", t, "b", all_whitespace),
        )
    ]
    (advisory,) = advise(observed, 300)
    return advisory.message


def test_a_receiver_that_accepts_only_one_reading_is_named_by_it() -> None:
    assert reading(200, 401).startswith('implements the "tokens" reading')
    assert reading(401, 200).startswith('implements the "all-whitespace" reading')
    assert reading(200, 200).startswith("accepts a signature made under either reading")


def test_a_receiver_that_rejects_both_readings_is_flagged_with_its_statuses() -> None:
    (advisory,) = advise(
        [
            Observation("reading:tokens", "otp", "a", 400),
            Observation("reading:all-whitespace", "otp", "b", 401),
        ],
        300,
    )
    assert advisory.notable
    assert "rejects a valid notification" in advisory.message
    assert "otp (all-whitespace: 401, tokens: 400)" in advisory.message


def test_replayed_timestamps_that_were_accepted_are_listed() -> None:
    (advisory,) = advise(
        [
            Observation("replay", "otp", "a timestamp one day old", 200),
            Observation("replay", "otp", "a non-numeric timestamp", 401),
        ],
        300,
    )
    assert advisory.notable
    assert advisory.message.startswith("accepted a timestamp one day old (otp): no replay")
    assert "more than 300 s" in advisory.message
