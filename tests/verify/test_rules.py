"""The rule catalogue: fixed ids, and how a judged request that no probe named is classified."""

from __future__ import annotations

from contract_tests import rules
from sms_hook import signing
from sms_hook.contract import Contract
from sms_hook.judge import Expect, Judge

SECRET = "s"
NOW = 1_800_000_000


def test_the_catalogue_has_exactly_the_agreed_rule_ids() -> None:
    # The corpus labels its defects with these ids: they are an interface.
    assert [r.id for r in rules.RULES] == [
        "accept-valid",
        "accept-whitespace",
        "accept-non-ascii",
        "accept-safe-integers",
        "accept-header-case",
        "reject-invalid-data",
        "reject-malformed-body",
        "reject-bad-signature",
        "open-policy",
        "accept-framings",
        "accept-hostile-text",
        "open-control-strings",
        "reject-nan-anywhere",
        "open-extreme-extras",
        "reject-plausible-enum",
        "retry-exact-replay",
        "retry-redelivery",
        "retry-resettlement",
        "replay-protection",
        "no-server-error",
        "advisory-replay",
        "advisory-spaces-reading",
        "advisory-replay-window",
        "advisory-duplicates",
        "advisory-framing",
        "advisory-byte-forms",
        "advisory-timing",
    ]
    assert [r for r in rules.FAILING if r.startswith("advisory")] == []


def _judged(contract: Contract, body: bytes, **headers: str) -> tuple[Expect, str]:
    h = {
        "content-type": "application/json",
        "timestamp": str(NOW),
        "operator-name": "op",
        "signature": signing.sign(SECRET, str(NOW), body),
        **headers,
    }
    judgement = Judge(contract, SECRET).judge(h, body, now=NOW)
    return judgement.expect, rules.classify(judgement, judgement.expect, body)


def test_a_generated_valid_case_with_one_feature_is_named_for_it(contract: Contract) -> None:
    plain = b'{"type":"otp","data":{"code":"1","msisdn":"2"}}'
    assert _judged(contract, plain) == (Expect.ACCEPT, "accept-valid")
    accented = '{"type":"otp","data":{"code":"é","msisdn":"2"}}'.encode()
    assert _judged(contract, accented) == (Expect.ACCEPT, "accept-non-ascii")
    large = (
        b'{"type":"bet_result","data":{"ticket_id":"t","result":"won",'
        b'"event_id":4294967297,"bet_id":1}}'
    )
    assert _judged(contract, large) == (Expect.ACCEPT, "accept-safe-integers")


def test_a_generated_valid_case_with_both_features_is_only_called_valid(
    contract: Contract,
) -> None:
    both = (
        '{"type":"bet_result","data":{"ticket_id":"é","result":"won",'
        '"event_id":4294967297,"bet_id":1}}'
    ).encode()
    assert _judged(contract, both) == (Expect.ACCEPT, "accept-valid")


def test_a_generated_rejection_is_named_by_the_first_binding_finding(contract: Contract) -> None:
    body = b'{"type":"otp","data":{"code":true,"msisdn":"2"}}'
    assert _judged(contract, body) == (Expect.REJECT, "reject-invalid-data")
    assert _judged(contract, b'{"type":"otp"}') == (Expect.REJECT, "reject-malformed-body")
    assert _judged(contract, b"[1]") == (Expect.REJECT, "reject-malformed-body")
    valid = b'{"type":"otp","data":{"code":"1","msisdn":"2"}}'
    assert _judged(contract, valid, signature="0" * 64) == (Expect.REJECT, "reject-bad-signature")


def test_an_open_case_is_open_policy(contract: Contract) -> None:
    body = b'{"type":"sms","data":{}}'
    assert _judged(contract, body) == (Expect.EITHER, "open-policy")


def test_a_probe_whose_rule_disagrees_with_the_judge_is_reported_as_the_judge_says() -> None:
    assert rules.failing_rule("reject-invalid-data", Expect.REJECT) == "reject-invalid-data"
    assert rules.failing_rule("reject-invalid-data", Expect.EITHER) == "open-policy"
    assert rules.failing_rule("reject-invalid-data", Expect.ACCEPT) == "accept-valid"
    assert rules.failing_rule("advisory-replay", Expect.EITHER) == "open-policy"
