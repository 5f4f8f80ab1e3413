"""Generated cases: signed over the exact bytes sent, respecting what each case means to test."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from schemathesis.core import NOT_SET

from contract_tests import generated
from contract_tests.exchange import Stopped, Unsendable
from contract_tests.result import Failure
from sms_hook import signing
from sms_hook.contract import Contract
from sms_hook.delivery import SignedRequest
from tests.verify import curl

SECRET = "partner-s3cret"
NOW = 1_800_000_000
OTP = {"data": {"msisdn": "+260 97", "code": "12"}, "type": "otp"}
VALID_SIGNATURE = "ab" * 32


def case(body: Any = OTP, **headers: str) -> Any:
    return SimpleNamespace(headers=headers, body=body, media_type="application/json")


@pytest.fixture
def signer(contract: Contract) -> generated.Signer:
    return generated.Signer(contract, SECRET, "acme", {"x-gateway": "k"})


def sent(signer: generated.Signer, c: Any) -> SignedRequest:
    request = signer.request(c, NOW)
    assert request is not None
    return request


def test_a_case_without_signature_or_timestamp_is_sent_without_them(
    signer: generated.Signer,
) -> None:
    request = sent(signer, case(**{"operator-name": "x"}))
    assert "signature" not in request.headers
    assert "timestamp" not in request.headers


def test_a_valid_looking_signature_is_replaced_by_the_real_one(signer: generated.Signer) -> None:
    request = sent(signer, case(signature=VALID_SIGNATURE, timestamp="12"))
    assert request.headers["timestamp"] == str(NOW)
    assert signing.match(SECRET, str(NOW), request.body, request.headers["signature"]) == "compact"


def test_a_signature_that_breaks_its_schema_is_kept_as_the_mutation_meant(
    signer: generated.Signer,
) -> None:
    for bad in ("", "Y}0#Loz?5b", "ab" * 31):
        request = sent(signer, case(signature=bad, timestamp="12"))
        assert request.headers["signature"] == bad


def test_a_non_numeric_timestamp_is_kept_and_signed_over(signer: generated.Signer) -> None:
    request = sent(signer, case(signature=VALID_SIGNATURE, timestamp="abc"))
    assert request.headers["timestamp"] == "abc"
    assert signing.match(SECRET, "abc", request.body, request.headers["signature"]) == "compact"


def test_a_signature_without_a_timestamp_is_signed_over_the_body_alone(
    signer: generated.Signer,
) -> None:
    request = sent(signer, case(signature=VALID_SIGNATURE))
    assert "timestamp" not in request.headers
    assert signing.match(SECRET, "", request.body, request.headers["signature"]) == "compact"


def test_the_operator_name_is_the_runs_unless_the_case_breaks_it(
    signer: generated.Signer,
) -> None:
    assert sent(signer, case(**{"operator-name": "gen"})).headers["operator-name"] == "acme"
    assert sent(signer, case(**{"operator-name": ""})).headers["operator-name"] == ""


def test_the_body_is_compact_in_canonical_order_with_no_whitespace_in_strings(
    signer: generated.Signer,
) -> None:
    request = sent(signer, case())
    assert request.body == b'{"type":"otp","data":{"code":"12","msisdn":"+260_97"}}'


def test_raw_bytes_and_a_missing_body_are_sent_as_they_are(signer: generated.Signer) -> None:
    assert sent(signer, case(b"\xb2)\x12")).body == b"\xb2)\x12"
    assert sent(signer, case(NOT_SET)).body == b""


def test_headers_that_frame_http_are_never_taken_from_a_case(signer: generated.Signer) -> None:
    request = sent(signer, case(**{"content-length": "5", "x-random": "v"}))
    assert "content-length" not in request.headers
    assert request.headers["x-random"] == "v"
    assert request.headers["x-gateway"] == "k"


def test_a_case_http_cannot_carry_is_skipped(signer: generated.Signer) -> None:
    assert signer.request(case(**{"x-random": "line\nbreak"}), NOW) is None
    assert signer.request(case(**{"x-random": "é"}), NOW) is None
    assert signer.request(case({"code": float("nan")}), NOW) is None


def _bodies(contract: Contract, stream: generated.Stream, seed: int, n: int = 8) -> list[bytes]:
    signer = generated.Signer(contract, SECRET, "acme")
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
        request.curl("http://x/"),
        None,
    )


def test_a_failure_is_shrunk_to_the_smallest_failing_request(contract: Contract) -> None:
    stream = generated.Stream("otp", "valid", generated.GenerationMode.POSITIVE, closed=True)
    signer = generated.Signer(contract, SECRET, "acme")

    def attempt(request: SignedRequest, _: generated.Stream) -> Failure | None:
        code = json.loads(request.body)["data"]["code"]
        return _failure(request) if len(code) >= 3 else None

    failures = generated.explore(contract, stream, signer, attempt, seed_value=5, max_examples=50)
    assert len(failures) == 1
    _, _, body = curl.parse(failures[0].curl)
    assert len(json.loads(body)["data"]["code"]) == 3


def test_a_receiver_that_went_away_ends_the_stream(contract: Contract) -> None:
    stream = generated.streams(contract)[0]
    signer = generated.Signer(contract, SECRET, "acme")
    calls = []

    def attempt(request: SignedRequest, _: generated.Stream) -> Failure | None:
        calls.append(1)
        raise Stopped("gone")

    with pytest.raises(Stopped, match="gone"):
        generated.explore(contract, stream, signer, attempt, seed_value=1, max_examples=20)
    assert len(calls) == 1


def test_an_unsendable_case_is_skipped_not_reported(contract: Contract) -> None:
    stream = generated.streams(contract)[0]
    signer = generated.Signer(contract, SECRET, "acme")

    def attempt(request: SignedRequest, _: generated.Stream) -> Failure | None:
        raise Unsendable("no")

    assert generated.explore(contract, stream, signer, attempt, seed_value=1, max_examples=5) == []
