"""Simulated faults: per request with `Prefer`, globally with --fail-rate and --delay."""

from __future__ import annotations

import random
import time

import pytest

from mock_server.faults import Faults, PreferError, parse_prefer
from tests.mock.conftest import Running, Start, problem


def test_prefer_code_answers_that_status_and_is_recorded_as_simulated(receiver: Running) -> None:
    response = receiver.notify(receiver.example(), headers={"prefer": "code=503"})
    record = receiver.last()

    assert response.status_code == 503
    document = problem(response)
    assert document["title"] == "Service Unavailable (simulated)"
    assert document["detail"] == (
        "simulated by Prefer: code=503; the real answer would have been 200 (accepted)"
    )
    assert (record["verdict"], record["status"]) == ("simulated", 503)
    assert record["simulated"] == "Prefer: code=503"


def test_prefer_code_on_an_invalid_notification_says_what_the_real_answer_was(
    receiver: Running,
) -> None:
    response = receiver.notify(receiver.example(event_id=True), headers={"prefer": "code=500"})

    assert response.status_code == 500
    assert "would have been data.event_id: true is not an integer" in problem(response)["detail"]
    assert receiver.last()["reasons"][0].startswith("data.event_id")


def test_prefer_delay_waits_then_gives_the_real_answer(receiver: Running) -> None:
    started = time.monotonic()
    response = receiver.notify(receiver.example(), headers={"prefer": "delay=0.3"})
    elapsed = time.monotonic() - started
    record = receiver.last()

    assert response.status_code == 200
    assert elapsed >= 0.3
    assert (record["verdict"], record["simulated"]) == ("accepted", "Prefer: delay=0.3")


@pytest.mark.parametrize(
    ("prefer", "reason"),
    [
        ("code=200", "code='200' is not a status the mock simulates (400–599)"),
        ("code=abc", "code='abc' is not a status the mock simulates"),
        ("delay=-1", "delay='-1' is not a number of seconds from 0 to 60"),
        ("delay=61", "delay='61' is not a number of seconds from 0 to 60"),
        ("delay=nan", "delay='nan' is not a number of seconds"),
        ("code=500, delay=later", "delay='later' is not a number of seconds"),
    ],
)
def test_prefer_values_the_mock_cannot_simulate_get_400_naming_the_header(
    receiver: Running, prefer: str, reason: str
) -> None:
    response = receiver.notify(receiver.example(), headers={"prefer": prefer})

    assert response.status_code == 400
    assert problem(response)["detail"].startswith(f"header prefer: {reason}")
    assert receiver.last()["verdict"] == "rejected"


def test_preferences_the_mock_does_not_know_are_ignored(receiver: Running) -> None:
    response = receiver.notify(receiver.example(), headers={"prefer": "return=minimal"})

    assert response.status_code == 200


def test_fail_rate_one_answers_every_notification_with_a_simulated_500(start: Start) -> None:
    running = start(fail_rate=1.0)
    types = list(running.contract.types)

    for type_name in types * 3:
        response = running.notify(running.example(type_name))
        assert response.status_code == 500, type_name
        assert problem(response)["detail"].startswith("simulated by --fail-rate 1;")
        assert running.last()["simulated"] == "--fail-rate 1"
    assert running.admin("/notifications/count", verdict="simulated")["count"] == len(types) * 3


def test_fail_rate_fails_about_that_share_and_the_journal_counts_them(start: Start) -> None:
    running = start(faults=Faults(fail_rate=0.3, rng=random.Random(7)))

    statuses = [running.notify(running.example()).status_code for _ in range(60)]

    assert set(statuses) == {200, 500}
    assert 8 <= statuses.count(500) <= 30
    assert running.admin("/notifications/count", verdict="simulated")["count"] == statuses.count(
        500
    )
    assert running.admin("/notifications/count", verdict="accepted")["count"] == statuses.count(200)


def test_prefer_code_beats_the_fail_rate(start: Start) -> None:
    running = start(fail_rate=1.0)

    response = running.notify(running.example(), headers={"prefer": "code=429"})

    assert response.status_code == 429


def test_delay_flag_delays_every_answer_and_prefer_delay_overrides_it(start: Start) -> None:
    running = start(delay=0.25)

    started = time.monotonic()
    assert running.notify(running.example()).status_code == 200
    delayed = time.monotonic() - started
    started = time.monotonic()
    assert running.notify(running.example(), headers={"prefer": "delay=0"}).status_code == 200
    undelayed = time.monotonic() - started

    assert delayed >= 0.25
    assert undelayed < 0.25
    assert running.last()["simulated"] == "Prefer: delay=0"


def test_prefer_parsing_follows_rfc_7240() -> None:
    assert parse_prefer('code="503"; foo=bar, Delay=1.5') == (503, 1.5)
    assert parse_prefer("code=502, code=504") == (502, None)  # the first one counts
    assert parse_prefer("respond-async, wait=10") == (None, None)


def test_no_fault_is_decided_when_nothing_asks_for_one() -> None:
    faults = Faults()

    assert faults.decide(None).status is None
    assert faults.decide(None).delay == 0


def test_an_invalid_prefer_raises_a_prefer_error() -> None:
    with pytest.raises(PreferError, match="code='99'"):
        Faults().decide("code=99")
