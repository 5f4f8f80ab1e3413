"""Generated cases: drawn per type and stream, reproducibly; shrunk; ended cleanly."""

from __future__ import annotations

import json

import pytest

from contract_tests import generated
from contract_tests.exchange import Stopped, Unsendable
from contract_tests.result import Failure
from contract_tests.signer import Signer
from sms_hook import repro
from sms_hook.contract import Contract
from sms_hook.delivery import SignedRequest
from tests.verify import curl

SECRET = "partner-s3cret"


def _bodies(contract: Contract, stream: generated.Stream, seed: int, n: int = 8) -> list[bytes]:
    signer = Signer(contract, SECRET, "acme")
    seen: list[bytes] = []

    def attempt(request: SignedRequest, _: generated.Stream) -> Failure | None:
        seen.append(request.body)
        return None

    generated.explore(contract, stream, signer, attempt, seed_value=seed, max_examples=n)
    return seen


def test_the_same_seed_draws_the_same_requests(contract: Contract) -> None:
    for stream in generated.streams(contract)[:3]:
        assert _bodies(contract, stream, 7) == _bodies(contract, stream, 7)
    assert _bodies(contract, generated.streams(contract)[2], 7) != _bodies(
        contract, generated.streams(contract)[2], 8
    )


def test_a_valid_stream_draws_exactly_the_documented_fields(contract: Contract) -> None:
    for stream in generated.streams(contract):
        if stream.label != "valid":
            continue
        fields = set(contract.types[stream.type].field_names)
        for body in _bodies(contract, stream, 3, n=15):
            notification = json.loads(body)
            assert notification["type"] == stream.type
            assert set(notification["data"]) == fields


def _failure(request: SignedRequest) -> Failure:
    return Failure(
        "accept-valid",
        "otp",
        "t",
        "generated",
        "e",
        "g",
        ("p",),
        400,
        repro.curl("http://x/", request.headers.items(), request.body),
        None,
    )


def test_a_failure_is_shrunk_to_the_smallest_failing_request(contract: Contract) -> None:
    stream = generated.Stream("otp", "valid", generated.GenerationMode.POSITIVE, closed=True)
    signer = Signer(contract, SECRET, "acme")

    def attempt(request: SignedRequest, _: generated.Stream) -> Failure | None:
        code = json.loads(request.body)["data"]["code"]
        return _failure(request) if len(code) >= 3 else None

    failures = generated.explore(contract, stream, signer, attempt, seed_value=5, max_examples=50)
    assert len(failures) == 1
    _, _, body = curl.parse(failures[0].curl)
    assert len(json.loads(body)["data"]["code"]) == 3


def test_a_receiver_that_went_away_ends_the_stream(contract: Contract) -> None:
    stream = generated.streams(contract)[0]
    signer = Signer(contract, SECRET, "acme")
    calls = []

    def attempt(request: SignedRequest, _: generated.Stream) -> Failure | None:
        calls.append(1)
        raise Stopped("gone")

    with pytest.raises(Stopped, match="gone"):
        generated.explore(contract, stream, signer, attempt, seed_value=1, max_examples=20)
    assert len(calls) == 1


def test_an_unsendable_case_is_skipped_not_reported(contract: Contract) -> None:
    stream = generated.streams(contract)[0]
    signer = Signer(contract, SECRET, "acme")

    calls = []

    def attempt(request: SignedRequest, _: generated.Stream) -> Failure | None:
        calls.append(request)
        raise Unsendable("no")

    assert generated.explore(contract, stream, signer, attempt, seed_value=1, max_examples=5) == []
    assert len(calls) > 1, "the stream stopped at the first unsendable case"


def test_running_out_of_time_keeps_the_failures_found_so_far(contract: Contract) -> None:
    stream = generated.Stream("otp", "valid", generated.GenerationMode.POSITIVE, closed=True)
    signer = Signer(contract, SECRET, "acme")
    calls = []

    def attempt(request: SignedRequest, _: generated.Stream) -> Failure | None:
        calls.append(1)
        if len(calls) > 5:  # the budget is spent in the middle of the shrinking
            raise generated.OutOfTime("the --max-time budget is spent")
        return _failure(request)

    with pytest.raises(generated.OutOfTime) as raised:
        generated.explore(contract, stream, signer, attempt, seed_value=5, max_examples=50)
    assert [f.rule for f in raised.value.found] == ["accept-valid"]
