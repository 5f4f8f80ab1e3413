"""The signing module: the published vector first, then every kind of tampering."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from sms_hook import signing
from sms_hook.errors import (
    MissingHeader,
    SignatureMismatch,
    TimestampNotNumeric,
    TimestampOutOfTolerance,
)

SECRET = "12345ABCDE"
TIMESTAMP = "1706191612"
PUBLISHED_BODY = b'{"type":"otp","data":{"code":"1234","msisdn":"+260977223120"}}'
PUBLISHED_MESSAGE = b'1706191612{"type":"otp","data":{"code":"1234","msisdn":"+260977223120"}}'
PUBLISHED_SIGNATURE = "46b1ec8d2a05129bb57c8256f2cdd3029b2cf72dbed57f0d3eedd6b156573433"
INDENTED_BODY = b"""{
  "type": "otp",
  "data": {
    "code": "1234",
    "msisdn": "+260977223120"
  }
}"""


def headers(signature: str = PUBLISHED_SIGNATURE, timestamp: str = TIMESTAMP) -> dict[str, str]:
    return {"signature": signature, "timestamp": timestamp}


def test_published_vector_is_reproduced_byte_for_byte() -> None:
    assert signing.message(TIMESTAMP, PUBLISHED_BODY) == PUBLISHED_MESSAGE
    assert signing.sign(SECRET, TIMESTAMP, PUBLISHED_BODY) == PUBLISHED_SIGNATURE


def test_indented_documentation_sample_signs_to_the_published_signature() -> None:
    assert signing.message(TIMESTAMP, INDENTED_BODY) == PUBLISHED_MESSAGE
    assert signing.sign(SECRET, TIMESTAMP, INDENTED_BODY) == PUBLISHED_SIGNATURE


def test_canonical_body_puts_type_first_and_data_fields_in_documented_order() -> None:
    order = {"bet_result": ("ticket_id", "result", "event_id", "bet_id")}
    shuffled = {
        "data": {"bet_id": 11, "event_id": 1, "result": "won", "ticket_id": "t"},
        "type": "bet_result",
    }
    assert signing.canonical_body(shuffled, order) == (
        b'{"type":"bet_result","data":{"ticket_id":"t","result":"won","event_id":1,"bet_id":11}}'
    )


def test_canonical_body_writes_non_ascii_as_utf8_not_escapes() -> None:
    body = signing.canonical_body({"type": "otp", "data": {"code": "Код✓"}}, {})
    assert "Код✓".encode() in body
    assert b"\\u" not in body


def test_compact_leaves_spaces_inside_strings_untouched() -> None:
    assert signing.compact(b'{ "a" : "x y\\" z" }') == b'{"a":"x y\\" z"}'


def test_verify_accepts_the_published_vector_with_tolerance_off() -> None:
    verified = signing.verify(SECRET, headers(), PUBLISHED_BODY, tolerance=0)
    assert verified == signing.Verified(int(TIMESTAMP), "compact")


def test_verify_reports_the_tokens_reading_for_an_indented_body() -> None:
    assert signing.verify(SECRET, headers(), INDENTED_BODY, tolerance=0).reading == "tokens"


def test_verify_accepts_the_all_whitespace_reading_and_says_so() -> None:
    body = b'{"type":"otp","data":{"code":"12 34","msisdn":"+1"}}'
    other = hmac.new(
        SECRET.encode(), TIMESTAMP.encode() + body.replace(b" ", b""), hashlib.sha256
    ).hexdigest()
    assert signing.verify(SECRET, headers(other), body, tolerance=0).reading == "all-whitespace"


@pytest.mark.parametrize("missing", ["signature", "timestamp"])
def test_a_missing_header_is_named(missing: str) -> None:
    given = headers()
    del given[missing]
    with pytest.raises(MissingHeader, match=f"header {missing}: missing"):
        signing.verify(SECRET, given, PUBLISHED_BODY, tolerance=0)


@pytest.mark.parametrize("empty", ["signature", "timestamp"])
def test_an_empty_header_is_named(empty: str) -> None:
    with pytest.raises(MissingHeader, match=f"header {empty}: empty"):
        signing.verify(SECRET, {**headers(), empty: ""}, PUBLISHED_BODY, tolerance=0)


def test_a_non_numeric_timestamp_is_rejected() -> None:
    with pytest.raises(TimestampNotNumeric, match="'17061916x2'"):
        signing.verify(SECRET, headers(timestamp="17061916x2"), PUBLISHED_BODY, tolerance=0)


def test_a_timestamp_outside_the_tolerance_is_rejected_with_the_skew() -> None:
    with pytest.raises(TimestampOutOfTolerance, match="301 s behind"):
        signing.verify(SECRET, headers(), PUBLISHED_BODY, tolerance=300, now=1706191612 + 301)


def test_a_timestamp_at_the_tolerance_edge_is_accepted() -> None:
    signing.verify(SECRET, headers(), PUBLISHED_BODY, tolerance=300, now=1706191612 - 300)


def test_signature_for_another_timestamp_is_rejected() -> None:
    with pytest.raises(SignatureMismatch):
        signing.verify(SECRET, headers(timestamp="1706191613"), PUBLISHED_BODY, tolerance=0)


def test_signature_for_another_body_is_rejected_showing_the_expected_message() -> None:
    body = PUBLISHED_BODY.replace(b"1234", b"1235")
    with pytest.raises(SignatureMismatch) as caught:
        signing.verify(SECRET, headers(), body, tolerance=0)
    assert caught.value.expected_message == PUBLISHED_MESSAGE.replace(b"1234", b"1235")
    assert "1706191612{" in str(caught.value)


def test_signature_made_with_another_secret_is_rejected() -> None:
    with pytest.raises(SignatureMismatch):
        signing.verify("another", headers(), PUBLISHED_BODY, tolerance=0)


def test_signature_made_without_the_timestamp_is_rejected() -> None:
    body_only = hmac.new(SECRET.encode(), PUBLISHED_BODY, hashlib.sha256).hexdigest()
    with pytest.raises(SignatureMismatch):
        signing.verify(SECRET, headers(body_only), PUBLISHED_BODY, tolerance=0)


def test_a_truncated_signature_is_rejected_with_its_length() -> None:
    with pytest.raises(SignatureMismatch, match="63 characters"):
        signing.verify(SECRET, headers(PUBLISHED_SIGNATURE[:-1]), PUBLISHED_BODY, tolerance=0)


def test_an_upper_case_signature_is_rejected_with_a_hint() -> None:
    with pytest.raises(SignatureMismatch, match="upper-case hex"):
        signing.verify(SECRET, headers(PUBLISHED_SIGNATURE.upper()), PUBLISHED_BODY, tolerance=0)


def test_a_non_ascii_signature_is_rejected_not_crashed_on() -> None:
    with pytest.raises(SignatureMismatch):
        signing.verify(SECRET, headers("é" * 64), PUBLISHED_BODY, tolerance=0)


def test_the_signature_decision_is_made_by_the_constant_time_compare(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # hmac.compare_digest is the constant-time primitive. Prove match() answers with whatever it
    # says, so no other comparison (==, startswith, a bypass) can decide instead.
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def recording(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(signing.hmac, "compare_digest", recording)
    assert signing.match(SECRET, TIMESTAMP, PUBLISHED_BODY, PUBLISHED_SIGNATURE) == "compact"
    assert (PUBLISHED_SIGNATURE.encode(), PUBLISHED_SIGNATURE.encode()) in calls

    monkeypatch.setattr(signing.hmac, "compare_digest", lambda a, b: False)
    with pytest.raises(SignatureMismatch):
        signing.match(SECRET, TIMESTAMP, PUBLISHED_BODY, PUBLISHED_SIGNATURE)

    monkeypatch.setattr(signing.hmac, "compare_digest", lambda a, b: True)
    assert signing.match(SECRET, TIMESTAMP, PUBLISHED_BODY, "0" * 64) == "compact"


@pytest.mark.parametrize("timestamp", ["1" * 5000, "1" * 19, "１７０６１９１６１２", "-1706191612"])
def test_a_timestamp_that_is_not_a_plausible_unix_time_is_refused_not_crashed_on(
    timestamp: str,
) -> None:
    with pytest.raises(TimestampNotNumeric):
        signing.verify(SECRET, headers(timestamp=timestamp), PUBLISHED_BODY, tolerance=300)
