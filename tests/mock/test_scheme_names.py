"""What the mock shows of a signature follows the document's scheme, not fixed header names."""

from __future__ import annotations

import dataclasses
import re
import time

import pytest

from mock_server.admin import record
from mock_server.journal import Entry
from mock_server.receiver import _challenge
from sms_hook import signing
from sms_hook.errors import SignatureError
from sms_hook.judge.signature import note_repeat
from sms_hook.judge.verdict import Judgement

RENAMED = dataclasses.replace(
    signing.DEFAULT_SCHEME,
    signature_header="x-betstack-signature",
    timestamp_header="x-betstack-timestamp",
    algorithm="sha512",
    template="{timestamp}.{body}",
)
BODY = b'{"type":"otp","data":{"code":"1234","msisdn":"+260977223120"}}'


def _entry(headers: dict[str, str]) -> Entry:
    return Entry(time.time(), "POST", "/notifications", headers, BODY, None, "otp", None, "ok", 200)


def test_the_signed_message_shown_is_read_under_the_documents_timestamp_header_and_template() -> (
    None
):
    shown = record(_entry({"x-betstack-timestamp": "1706191612"}), RENAMED)
    assert shown["signed_message"] == "1706191612." + BODY.decode()
    assert record(_entry({"timestamp": "1706191612"}), RENAMED)["signed_message"] is None


def test_the_401_challenge_names_the_documents_hash_and_headers() -> None:
    assert _challenge(RENAMED) == (
        b"www-authenticate",
        b'HMAC-SHA512 headers="x-betstack-timestamp x-betstack-signature"',
    )
    assert _challenge(signing.DEFAULT_SCHEME)[1] == b'HMAC-SHA256 headers="timestamp signature"'


@pytest.mark.parametrize(
    ("said", "headers"),
    [
        ("x-betstack-timestamp: 'soon' is not a unix time", {"x-betstack-timestamp": "soon"}),
        (
            "x-betstack-timestamp: 1706190000 is 1612 s behind",
            {"x-betstack-timestamp": "1706190000"},
        ),
        (
            "x-betstack-signature: does not match HMAC-SHA512 of",
            {"x-betstack-timestamp": "1706191612"},
        ),
    ],
)
def test_every_signature_refusal_names_the_documents_header_and_mac(
    said: str, headers: dict[str, str]
) -> None:
    sent = {"x-betstack-signature": "ab" * 64, **headers}
    with pytest.raises(SignatureError, match=re.escape(said)):
        signing.verify("s3cret", sent, BODY, now=1706191612, tolerance=300, scheme=RENAMED)


def test_the_judges_replay_allowance_names_the_documents_headers() -> None:
    judgement = Judgement()
    note_repeat(judgement, RENAMED)
    assert [a.field for a in judgement.allowances] == [
        "headers x-betstack-timestamp, x-betstack-signature"
    ]
