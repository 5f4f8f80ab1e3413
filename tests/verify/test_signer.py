"""Signing a generated case: over the exact bytes sent, respecting what the case means to test."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from schemathesis.core import NOT_SET

from contract_tests.signer import Signer
from sms_hook import signing
from sms_hook.contract import Contract
from sms_hook.delivery import SignedRequest

SECRET = "partner-s3cret"
NOW = 1_800_000_000
OTP = {"data": {"msisdn": "+260 97", "code": "12"}, "type": "otp"}
VALID_SIGNATURE = "ab" * 32


def case(body: Any = OTP, **headers: str) -> Any:
    return SimpleNamespace(headers=headers, body=body, media_type="application/json")


@pytest.fixture
def signer(contract: Contract) -> Signer:
    return Signer(contract, SECRET, "acme", {"x-gateway": "k"})


def sent(signer: Signer, c: Any) -> SignedRequest:
    request = signer.request(c, NOW)
    assert request is not None
    return request


def test_a_case_without_signature_or_timestamp_is_sent_without_them(
    signer: Signer,
) -> None:
    request = sent(signer, case(**{"operator-name": "x"}))
    assert "signature" not in request.headers
    assert "timestamp" not in request.headers


def test_a_valid_looking_signature_is_replaced_by_the_real_one(signer: Signer) -> None:
    request = sent(signer, case(signature=VALID_SIGNATURE, timestamp="12"))
    assert request.headers["timestamp"] == str(NOW)
    assert signing.match(SECRET, str(NOW), request.body, request.headers["signature"]) == "compact"


def test_a_signature_that_breaks_its_schema_is_kept_as_the_mutation_meant(
    signer: Signer,
) -> None:
    for bad in ("", "Y}0#Loz?5b", "ab" * 31):
        request = sent(signer, case(signature=bad, timestamp="12"))
        assert request.headers["signature"] == bad


def test_a_non_numeric_timestamp_is_kept_and_signed_over(signer: Signer) -> None:
    request = sent(signer, case(signature=VALID_SIGNATURE, timestamp="abc"))
    assert request.headers["timestamp"] == "abc"
    assert signing.match(SECRET, "abc", request.body, request.headers["signature"]) == "compact"


def test_a_signature_without_a_timestamp_is_signed_over_the_body_alone(
    signer: Signer,
) -> None:
    request = sent(signer, case(signature=VALID_SIGNATURE))
    assert "timestamp" not in request.headers
    assert signing.match(SECRET, "", request.body, request.headers["signature"]) == "compact"


def test_the_operator_name_is_the_runs_unless_the_case_breaks_it(
    signer: Signer,
) -> None:
    assert sent(signer, case(**{"operator-name": "gen"})).headers["operator-name"] == "acme"
    assert sent(signer, case(**{"operator-name": ""})).headers["operator-name"] == ""


def test_the_body_is_compact_in_canonical_order_with_no_whitespace_in_strings(
    signer: Signer,
) -> None:
    request = sent(signer, case())
    assert request.body == b'{"type":"otp","data":{"code":"12","msisdn":"+260_97"}}'


def test_what_any_language_calls_whitespace_is_replaced_in_strings(signer: Signer) -> None:
    spaced = {"type": "otp", "data": {"code": "1\u00a02\u30003\ufeff4\u180e5", "msisdn": "6"}}
    request = sent(signer, case(spaced))
    assert request.body == b'{"type":"otp","data":{"code":"1_2_3_4_5","msisdn":"6"}}'


def test_raw_bytes_and_a_missing_body_are_sent_as_they_are(signer: Signer) -> None:
    assert sent(signer, case(b"\xb2)\x12")).body == b"\xb2)\x12"
    assert sent(signer, case(NOT_SET)).body == b""


def test_headers_the_contract_does_not_define_are_not_taken_from_a_case(
    signer: Signer,
) -> None:
    request = sent(signer, case(**{"content-length": "5", "*mj!lrVE": "v"}))
    assert set(request.headers) == {"content-type", "x-gateway"}
    assert request.headers["x-gateway"] == "k"


def test_a_case_http_cannot_carry_is_skipped(signer: Signer) -> None:
    assert signer.request(case(timestamp="line\nbreak"), NOW) is None
    assert signer.request(case(signature="é"), NOW) is None
    assert signer.request(case({"code": float("nan")}), NOW) is None
