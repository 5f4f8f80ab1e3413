"""The proof: verify fails every faulty receiver under its rule, and passes every correct one.

The corpus (tests/receivers/) and the mock server are written independently of the verifier.
Each receiver runs as a real HTTP server on 127.0.0.1, on a path other than /notifications.
"""

from __future__ import annotations

import re

import pytest

from contract_tests import rules
from contract_tests.result import Result
from contract_tests.runner import DEFAULT_MAX_EXAMPLES
from mock_server.app import create_app
from mock_server.settings import MEMORY
from mock_server.settings import Settings as MockSettings
from tests.receivers import (
    BROKEN,
    CORRECT,
    FAULTY,
    RECEIVER_PATH,
    REMEMBERING,
    SEQUENCED,
    STRICT,
)
from tests.receivers.defective import RULES
from tests.support.server import serve
from tests.verify.conftest import SECRET, quick

PASSING = {**CORRECT, **REMEMBERING}
"""Every receiver verify must pass with no failure."""
HANG_TIMEOUT = 1.0
"""Seconds: enough for any prompt answer; the receivers that hang take far longer."""


def _describe(result: Result) -> str:
    return "\n".join(
        f"{f.rule} {f.type} {f.title}: {'; '.join(f.problems)}" for f in result.failures[:10]
    )


def test_the_corpus_labels_its_receivers_with_the_rules_verify_fails() -> None:
    # The corpus keeps its own copy of the failing rules (it never imports the verifier): the
    # copy and every label in it must be the catalogue's.
    assert set(RULES) == set(rules.FAILING)
    assert {rule for _, rule, _ in SEQUENCED.values()} <= RULES
    assert set().union(*BROKEN.values()) <= RULES


@pytest.mark.parametrize("name", sorted(FAULTY))
def test_verify_fails_every_faulty_receiver_naming_exactly_its_rules(name: str) -> None:
    factory, rule, defect = FAULTY[name]
    with serve(factory(SECRET)) as base:
        result = quick(base + RECEIVER_PATH, max_examples=2, request_timeout=HANG_TIMEOUT)
    assert rule in result.broken_rules(), f"{name} ({defect}) was not failed under {rule}"
    assert set(result.broken_rules()) == BROKEN[name], f"{name} ({defect}): {_describe(result)}"
    assert not result.conforms


@pytest.mark.parametrize("name", sorted(SEQUENCED))
def test_verify_fails_every_faulty_receiver_of_several_requests_naming_exactly_its_rule(
    name: str,
) -> None:
    factory, rule, defect = SEQUENCED[name]
    strict = {"require_replay_protection": 300} if name in STRICT else {}
    with serve(factory(SECRET)) as base:
        result = quick(base + RECEIVER_PATH, max_examples=0, **strict)
    assert rule in result.broken_rules(), f"{name} ({defect}) was not failed under {rule}"
    if rule == "retry-redelivery":
        # It crashes on every repeat of a notification's content: the exact retry, and the
        # battery's same notification in other bytes (keys reordered or repeated).
        assert all(f.status == 500 for f in result.failures), _describe(result)
    else:
        assert result.broken_rules() == [rule], _describe(result)


@pytest.mark.parametrize("name", sorted(STRICT))
def test_a_wide_replay_window_is_an_advisory_by_default_naming_the_window(name: str) -> None:
    with serve(SEQUENCED[name][0](SECRET)) as base:
        result = quick(base + RECEIVER_PATH, max_examples=0)
    assert result.failures == [], _describe(result)
    window = next(a for a in result.advisories if a.rule == "advisory-replay-window")
    assert window.notable
    assert result.replay_window is not None
    assert window.message.startswith(result.replay_window)


def test_a_window_wider_than_required_fails_naming_the_measured_window() -> None:
    with serve(SEQUENCED["window_one_hour"][0](SECRET)) as base:
        result = quick(base + RECEIVER_PATH, max_examples=0, require_replay_protection=300)
    titles = [f.title for f in result.failures if f.type != "any"]
    measured = [t for t in titles if "replay window" in t]
    assert len(measured) == 2  # one a side
    # The receiver compares with its clock to the microsecond: the past edge may read a second less.
    window = re.compile(r"accepts −(3599|3600) s … \+(3599|3600) s")
    assert all(window.search(t) for t in measured), measured


@pytest.mark.parametrize("name", ["raw_bytes", "idempotent", "starlette_table"])
def test_a_300_s_window_passes_strict_replay_mode(name: str) -> None:
    with serve(PASSING[name](SECRET)) as base:
        result = quick(base + RECEIVER_PATH, max_examples=0, require_replay_protection=300)
    assert result.failures == [], _describe(result)
    assert result.replay_window is not None
    assert "300 s" in result.replay_window


def test_the_idempotent_receiver_is_reported_as_rejecting_exact_replays() -> None:
    with serve(REMEMBERING["idempotent"](SECRET)) as base:
        result = quick(base + RECEIVER_PATH, max_examples=0)
    duplicates = next(a for a in result.advisories if a.rule == "advisory-duplicates")
    assert "rejects an exact replay with 409" in duplicates.message
    assert "acknowledges a re-delivery with 200" in duplicates.message


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("name", sorted(PASSING))
def test_verify_passes_every_correct_receiver_with_no_failure(name: str, seed: int) -> None:
    with serve(PASSING[name](SECRET)) as base:
        result = quick(base + RECEIVER_PATH, seed=seed, max_examples=DEFAULT_MAX_EXAMPLES)
    assert result.failures == [], _describe(result)
    assert result.conforms


@pytest.mark.parametrize("seed", [1, 2])
def test_verify_passes_the_mock_server_with_no_failure(seed: int) -> None:
    mock = create_app(MockSettings(secret=SECRET, journal=MEMORY))
    with serve(mock.app) as base:
        result = quick(base + mock.contract.path, seed=seed, max_examples=DEFAULT_MAX_EXAMPLES)
    assert result.failures == [], _describe(result)
    assert result.conforms


def test_the_advisories_tell_the_correct_receivers_readings_apart() -> None:
    readings = {}
    for name in ("raw_bytes", "reserialise"):
        with serve(CORRECT[name](SECRET)) as base:
            result = quick(base + RECEIVER_PATH, max_examples=0)
        readings[name] = next(
            a.message for a in result.advisories if a.rule == "advisory-spaces-reading"
        )
    assert readings["raw_bytes"].startswith('implements the "tokens" reading')
    assert readings["reserialise"].startswith('implements the "all-whitespace" reading')
