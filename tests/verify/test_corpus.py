"""The proof: verify fails every faulty receiver under its rule, and passes every correct one.

The corpus (tests/receivers/) and the mock server are written independently of the verifier.
Each receiver runs as a real HTTP server on 127.0.0.1, on a path other than /notifications.
"""

from __future__ import annotations

import pytest

from contract_tests.result import Result
from contract_tests.runner import DEFAULT_MAX_EXAMPLES
from mock_server.app import create_app
from mock_server.settings import MEMORY
from mock_server.settings import Settings as MockSettings
from tests.receivers import BROKEN, CORRECT, FAULTY, RECEIVER_PATH
from tests.support.server import serve
from tests.verify.conftest import SECRET, quick

HANG_TIMEOUT = 1.0
"""Seconds: enough for any prompt answer; the receivers that hang take far longer."""


def _describe(result: Result) -> str:
    return "\n".join(
        f"{f.rule} {f.type} {f.title}: {'; '.join(f.problems)}" for f in result.failures[:10]
    )


@pytest.mark.parametrize("name", sorted(FAULTY))
def test_verify_fails_every_faulty_receiver_naming_exactly_its_rules(name: str) -> None:
    factory, rule, defect = FAULTY[name]
    with serve(factory(SECRET)) as base:
        result = quick(base + RECEIVER_PATH, max_examples=2, request_timeout=HANG_TIMEOUT)
    assert rule in result.broken_rules(), f"{name} ({defect}) was not failed under {rule}"
    assert set(result.broken_rules()) == BROKEN[name], f"{name} ({defect}): {_describe(result)}"
    assert not result.conforms


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("name", sorted(CORRECT))
def test_verify_passes_every_correct_receiver_with_no_failure(name: str, seed: int) -> None:
    with serve(CORRECT[name](SECRET)) as base:
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
