"""The signature scheme lives in the document (`x-sms-hook-signature`) and the code follows it."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from sms_hook import contract as contract_module
from sms_hook import delivery, signing
from sms_hook.contract import Contract
from sms_hook.errors import ContractError, MissingHeader
from sms_hook.judge import Expect, Judge
from tests.support.documents import with_header_renamed, with_scheme

OTP = b'{"type":"otp","data":{"code":"1234","msisdn":"+260977223120"}}'


def test_the_scheme_is_read_from_the_documents_extension(contract: Contract) -> None:
    extension = contract.document["x-sms-hook-signature"]
    assert contract.signature.signature_header == extension["header"]
    assert contract.signature.timestamp_header == extension["timestamp"]["header"]
    assert contract.signature.algorithm == extension["algorithm"]
    assert contract.signature.template == extension["payload-format"]["template"]
    assert contract.tolerance == extension["timestamp"]["tolerance-seconds"]
    assert contract.test_key == extension["test-key"]


def test_the_published_vector_is_in_the_document_and_reproduced(contract: Contract) -> None:
    vector = contract.vector
    assert (vector.secret, vector.timestamp) == ("12345ABCDE", "1706191612")
    assert vector.message == "1706191612" + OTP.decode()
    expected = hmac.new(b"12345ABCDE", vector.message.encode(), hashlib.sha256).hexdigest()
    assert vector.signature == expected
    assert signing.sign(vector.secret, vector.timestamp, vector.body.encode()) == expected


def test_the_modules_fallback_scheme_is_the_documents(contract: Contract) -> None:
    # signing.DEFAULT_SCHEME serves callers without a contract; it must not drift from the document.
    assert contract.signature == signing.DEFAULT_SCHEME


def test_a_renamed_signature_header_changes_what_is_sent_and_checked() -> None:
    document = with_header_renamed(
        with_scheme(header="x-betstack-signature"), "signature", "X-Betstack-Signature"
    )
    contract = contract_module.parse(document)
    assert contract.signature.signature_header == "x-betstack-signature"
    sent = delivery.signed_request(OTP, "k", timestamp="1706191612", scheme=contract.signature)
    assert "signature" not in sent.headers
    assert sent.headers["x-betstack-signature"] == signing.sign("k", "1706191612", OTP)
    verified = signing.verify(
        "k", dict(sent.headers), OTP, now=1706191612, scheme=contract.signature
    )
    assert verified.reading == "compact"
    with pytest.raises(MissingHeader, match="x-betstack-signature: missing"):
        signing.verify(
            "k", {"timestamp": "1706191612", "signature": "ab"}, OTP, scheme=contract.signature
        )


def test_the_judge_checks_the_signature_under_the_documents_header_name() -> None:
    edited = with_scheme(header="x-betstack-signature")
    contract = contract_module.parse(
        with_header_renamed(edited, "signature", "X-Betstack-Signature")
    )
    judge = Judge(contract, "k")
    body = delivery.encode(contract, contract.example("otp"))
    sent = dict(delivery.signed_request(body, "k", scheme=contract.signature).headers)
    assert judge.judge(sent, body).expect is Expect.ACCEPT
    under_old_name = dict(sent)
    under_old_name["signature"] = under_old_name.pop("x-betstack-signature")
    judgement = judge.judge(under_old_name, body)
    assert judgement.expect is Expect.REJECT
    assert any(f.field == "header x-betstack-signature" for f in judgement.findings)


def test_the_judges_default_window_is_the_documents_tolerance() -> None:
    contract = contract_module.parse(with_scheme(**{"timestamp__tolerance-seconds": 60}))
    judge = Judge(contract, "k")
    body = delivery.encode(contract, contract.example("otp"))
    stale = delivery.signed_request(body, "k", timestamp="1000", scheme=contract.signature)
    assert judge.tolerance == 60
    findings = judge.judge(dict(stale.headers), body, now=1000 + 61).findings
    assert [f.rule for f in findings] == ["timestamp-stale"]


def test_another_template_and_hash_change_the_signed_message() -> None:
    vector = {
        "secret": "s",
        "timestamp": "1706191612",
        "body": OTP.decode(),
        "message": "1706191612." + OTP.decode(),
        "signature": hmac.new(b"s", b"1706191612." + OTP, hashlib.sha512).hexdigest(),
    }
    document = with_scheme(
        algorithm="sha512",
        **{"payload-format__template": "{timestamp}.{body}", "test-vector": vector},
    )
    contract = contract_module.parse(document)
    sent = delivery.signed_request(OTP, "s", timestamp="1706191612", scheme=contract.signature)
    assert sent.headers["signature"] == vector["signature"]
    assert signing.message("1706191612", OTP, contract.signature) == vector["message"].encode()


def test_a_tolerance_in_the_document_is_the_default_window() -> None:
    document = with_scheme(**{"timestamp__tolerance-seconds": 60})
    assert contract_module.parse(document).tolerance == 60


def test_a_document_whose_scheme_does_not_reproduce_its_vector_is_refused() -> None:
    document = with_scheme(**{"payload-format__template": "{timestamp}.{body}"})
    with pytest.raises(ContractError, match=r"test-vector\.message: .* but the scheme gives"):
        contract_module.parse(document)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("encoding", "base64", r"encoding: 'base64' is not supported \(sms-hook implements hex\)"),
        ("case", "upper", r"case: 'upper' is not supported"),
        ("type", "ed25519", r"type: 'ed25519' is not supported"),
        ("algorithm", "crc32", r"algorithm: 'crc32' is not a hash"),
        ("payload-format__template", "{body}", r"template: '\{body\}' must hold"),
        ("header", "x-other", r"header 'x-other' is not a header parameter"),
    ],
)
def test_a_scheme_sms_hook_cannot_follow_is_refused_with_the_key_named(
    key: str, value: str, message: str
) -> None:
    with pytest.raises(ContractError, match=message):
        contract_module.parse(with_scheme(**{key: value}))
