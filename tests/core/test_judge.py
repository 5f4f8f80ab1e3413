"""The judge: every row of the contract's rule table, decided from raw bytes and headers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sms_hook import signing
from sms_hook.contract import Contract
from sms_hook.judge import Expect, Judge, Judgement

SECRET = "12345ABCDE"
NOW = 1_800_000_000
BET = {
    "type": "bet_result",
    "data": {
        "ticket_id": "6549197db70d9c7f28c2a57e",
        "result": "lost",
        "event_id": 100001,
        "bet_id": 11,
    },
}


@pytest.fixture(scope="module")
def judge(contract: Contract) -> Judge:
    return Judge(contract, SECRET, max_body=65536)


def signed(body: bytes, **overrides: str | None) -> dict[str, str]:
    headers: dict[str, str | None] = {
        "content-type": "application/json",
        "timestamp": str(NOW),
        "operator-name": "op",
        "signature": signing.sign(SECRET, str(NOW), body),
    }
    headers.update(overrides)
    return {k: v for k, v in headers.items() if v is not None}


def judged(
    judge: Judge, notification: Any = None, *, raw: bytes | None = None, **headers: str | None
) -> Judgement:
    body = raw if raw is not None else json.dumps(notification, separators=(",", ":")).encode()
    return judge.judge(signed(body, **headers), body, now=NOW)


def bet(**data: Any) -> dict[str, Any]:
    return {"type": "bet_result", "data": {**BET["data"], **data}}


def test_the_documentation_sample_is_accepted(judge: Judge) -> None:
    verdict = judged(judge, BET)
    assert verdict.expect is Expect.ACCEPT
    assert verdict.findings == []
    assert verdict.type == "bet_result"
    assert verdict.reading == "compact"


def test_an_indented_body_signed_over_the_compact_form_is_accepted(judge: Judge) -> None:
    body = json.dumps(BET, indent=2).encode()
    verdict = judge.judge(signed(body), body, now=NOW)
    assert verdict.expect is Expect.ACCEPT
    assert verdict.reading == "tokens"


def test_non_ascii_text_is_accepted(judge: Judge) -> None:
    body = json.dumps(bet(ticket_id="билет✓"), ensure_ascii=False).encode()
    assert judge.judge(signed(body), body, now=NOW).expect is Expect.ACCEPT


@pytest.mark.parametrize("value", [2**53 - 1, -(2**53 - 1), 0])
def test_integers_within_the_safe_range_are_accepted(judge: Judge, value: int) -> None:
    assert judged(judge, bet(event_id=value, bet_id=value)).expect is Expect.ACCEPT


def test_integers_beyond_the_safe_range_are_open(judge: Judge) -> None:
    verdict = judged(judge, bet(event_id=2**53))
    assert verdict.expect is Expect.EITHER
    assert verdict.findings[0].rule == "integer-range"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"event_id": True}, "data.event_id: true is not an integer (booleans are not integers)"),
        ({"event_id": 1.5}, "data.event_id: 1.5 is not an integer"),
        (
            {"event_id": "100001"},
            'data.event_id: "100001" is not an integer (a string, even of '
            "digits, is not an integer)",
        ),
        ({"bet_id": None}, "data.bet_id: null is not an integer (null is not allowed)"),
        ({"ticket_id": 6549197}, "data.ticket_id: 6549197 is not a string"),
        ({"ticket_id": None}, "data.ticket_id: null is not a string (null is not allowed)"),
        (
            {"result": "WON"},
            'data.result: "WON" is not one of "won", "lost", "void" (case matters)',
        ),
        ({"result": "pending"}, 'data.result: "pending" is not one of "won", "lost", "void"'),
        ({"event_id": [1]}, "data.event_id: [1] is not an integer"),
        ({"event_id": {"a": 1}}, 'data.event_id: {"a": 1} is not an integer'),
    ],
)
def test_a_wrong_bet_result_field_is_rejected_naming_field_value_and_rule(
    judge: Judge, data: dict[str, Any], message: str
) -> None:
    verdict = judged(judge, bet(**data))
    assert verdict.expect is Expect.REJECT
    assert str(verdict.findings[0]).startswith(message)
    assert verdict.status == 400


@pytest.mark.parametrize("field", ["ticket_id", "result", "event_id", "bet_id"])
def test_a_missing_bet_result_field_is_rejected(judge: Judge, field: str) -> None:
    notification = bet()
    del notification["data"][field]
    verdict = judged(judge, notification)
    assert verdict.expect is Expect.REJECT
    assert str(verdict.findings[0]) == f"data.{field}: required field missing"


def test_ticket_status_enums_are_checked(judge: Judge) -> None:
    notification = {
        "type": "ticket_status",
        "data": {"ticket_id": "t", "status": "closed", "result": "won"},
    }
    verdict = judged(judge, notification)
    assert verdict.expect is Expect.REJECT
    assert verdict.status == 400
    assert str(verdict.findings[0]).startswith('data.status: "closed"')


def test_otp_fields_must_be_strings(judge: Judge) -> None:
    verdict = judged(judge, {"type": "otp", "data": {"code": 1234, "msisdn": "+1"}})
    assert str(verdict.findings[0]) == "data.code: 1234 is not a string"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "body: empty"),
        (b"{", "body: malformed JSON"),
        (b"[]", "body: a JSON array is not a notification object"),
        (b'"otp"', "body: a JSON string is not a notification object"),
        (b"\xff\xfe", "body: bytes are not valid UTF-8 (byte 0: 0xff)"),
        (b'{"type":"bet_result","data":{"event_id":NaN}}', "body: malformed JSON: NaN"),
        (b'{"type":"otp","data":{"code":Infinity}}', "body: malformed JSON: Infinity"),
        (b"[" * 5_000 + b"]" * 5_000, "body: JSON nested too deeply"),
        (b'{"type":"otp"}', "data: required field missing"),
        (b'{"type":"otp","data":[]}', "data: [] is not an object"),
        (b'{"type":"otp","data":null}', "data: null is not an object"),
        (b'{"data":{"code":"1","msisdn":"2"}}', "type: required field missing"),
        (b'{"type":7,"data":{}}', "type: 7 is not a string"),
    ],
    ids=lambda v: v[:24].decode(errors="replace") if isinstance(v, bytes) else "",
)
def test_a_malformed_body_is_rejected_with_a_reason(judge: Judge, raw: bytes, reason: str) -> None:
    verdict = judged(judge, raw=raw)
    assert verdict.expect is Expect.REJECT
    assert str(verdict.binding[0]).startswith(reason)


@pytest.mark.parametrize("header", ["signature", "timestamp"])
@pytest.mark.parametrize("value", [None, ""])
def test_a_missing_or_empty_signature_header_is_rejected_with_401(
    judge: Judge, header: str, value: str | None
) -> None:
    verdict = judged(judge, BET, **{header: value})
    assert verdict.expect is Expect.REJECT
    assert verdict.status == 401
    assert verdict.findings[0].field == f"header {header}"


def test_a_signature_that_does_not_match_is_rejected_with_the_expected_message(
    judge: Judge,
) -> None:
    verdict = judged(judge, BET, signature="0" * 64)
    assert verdict.expect is Expect.REJECT
    assert verdict.status == 401
    assert f"'{NOW}" + '{"type":"bet_result"' in verdict.findings[0].reason


def test_a_signature_for_another_timestamp_is_rejected(judge: Judge) -> None:
    body = json.dumps(BET, separators=(",", ":")).encode()
    other = signing.sign(SECRET, str(NOW - 1), body)
    assert judge.judge(signed(body, signature=other), body, now=NOW).expect is Expect.REJECT


def test_stale_and_non_numeric_timestamps_are_open_not_binding(judge: Judge) -> None:
    body = json.dumps(BET, separators=(",", ":")).encode()
    stale = judge.judge(signed(body), body, now=NOW + 301)
    assert stale.expect is Expect.EITHER
    assert stale.findings[0].rule == "timestamp-stale"
    ts = "12ab"
    odd = {**signed(body), "timestamp": ts, "signature": signing.sign(SECRET, ts, body)}
    assert judge.judge(odd, body, now=NOW).findings[0].rule == "timestamp-not-numeric"


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"type": "OTP"}, "unknown-type"),
        ({"type": "refund"}, "unknown-type"),
        ({"extra": 1}, "extra-field"),
    ],
)
def test_open_cases_may_be_accepted_or_rejected(
    judge: Judge, change: dict[str, Any], rule: str
) -> None:
    verdict = judged(judge, {**BET, **change})
    assert verdict.expect is Expect.EITHER
    assert verdict.findings[0].rule == rule


def test_open_header_cases(judge: Judge) -> None:
    assert judged(judge, BET, **{"operator-name": None}).findings[0].rule == "operator-name-missing"
    text = judged(judge, BET, **{"content-type": "text/plain"})
    assert (text.expect, text.status) == (Expect.EITHER, 415)
    upper = judged(
        judge,
        BET,
        signature=signing.sign(
            SECRET, str(NOW), json.dumps(BET, separators=(",", ":")).encode()
        ).upper(),
    )
    assert upper.findings[0].rule == "signature-case"
    assert judged(judge, BET, **{"content-type": "application/json; charset=utf-8"}).findings == []


def test_keys_in_another_order_and_duplicate_keys_are_open(judge: Judge) -> None:
    swapped = {"data": BET["data"], "type": "bet_result"}
    assert judged(judge, swapped).findings[0].rule == "key-order"
    reordered = bet()
    reordered["data"] = dict(reversed(list(reordered["data"].items())))
    assert judged(judge, reordered).findings[0].rule == "key-order"
    dup = b'{"type":"otp","type":"otp","data":{"code":"1","msisdn":"2"}}'
    assert judged(judge, raw=dup).findings[0].rule == "duplicate-keys"


def test_a_decimal_written_integer_is_open(judge: Judge) -> None:
    assert judged(judge, bet(bet_id=11.0)).expect is Expect.EITHER


def test_a_body_over_the_limit_gets_413_without_parsing(contract: Contract) -> None:
    small = Judge(contract, SECRET, max_body=10)
    verdict = small.judge(signed(b"x" * 11), b"x" * 11, now=NOW)
    assert (verdict.status, len(verdict.findings)) == (413, 1)


def test_a_bad_signature_and_a_bad_body_are_both_reported(judge: Judge) -> None:
    verdict = judged(judge, bet(event_id=True), signature="0" * 64)
    assert [f.rule for f in verdict.binding] == ["signature-mismatch", "field-type"]
    assert verdict.status == 401


def test_duplicate_keys_inside_data_are_found(judge: Judge) -> None:
    dup = b'{"type":"otp","data":{"code":"1","code":"2","msisdn":"3"}}'
    verdict = judged(judge, raw=dup)
    assert verdict.findings[0].rule == "duplicate-keys"
    assert "'code'" in verdict.findings[0].reason


@pytest.mark.parametrize("depth", [500, 5_000])
def test_deep_nesting_never_escapes_the_judge(judge: Judge, depth: int) -> None:
    raw = b'{"type":"otp","data":{"code":"1","msisdn":"2","x":' + b"[" * depth
    raw += b"]" * depth + b"}}"
    verdict = judged(judge, raw=raw)
    assert verdict.expect in {Expect.EITHER, Expect.REJECT}
    assert verdict.status == 400
