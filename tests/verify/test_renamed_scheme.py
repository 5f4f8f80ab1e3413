"""verify follows the document's `x-sms-hook-signature`: rename its headers, change its hash and
template, and every probe of the battery, every generated case and the report follow.

The shipped document names the headers `signature` and `timestamp`, so a verifier that wrote
those names itself would pass every other test. Here a copy of the document renames them (and
signs `{timestamp}.{body}` with SHA-512), and the battery is judged, sent and reported under it.
"""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest

from contract_tests.battery import battery
from contract_tests.probe import Probe
from contract_tests.report import summary
from contract_tests.result import Result
from contract_tests.rules import BY_ID
from contract_tests.runner import Settings, verify
from contract_tests.verdict import expectation
from sms_hook import contract as contract_module
from sms_hook.contract import Contract
from sms_hook.judge import Judge
from tests.support.documents import with_header_renamed, with_scheme
from tests.support.server import serve
from tests.verify.conftest import QUICK, SECRET
from tests.verify.receivers import PATH, judge_receiver

NOW = 1_800_000_000
SIGNATURE = "x-betstack-signature"
TIMESTAMP = "x-betstack-timestamp"
VECTOR_BODY = '{"type":"otp","data":{"code":"1234","msisdn":"+260977223120"}}'


def _renamed() -> Contract:
    """The shipped document with both signed headers renamed, SHA-512 and a `.` separator."""
    message = f"1706191612.{VECTOR_BODY}"
    vector = {
        "secret": "s",
        "timestamp": "1706191612",
        "body": VECTOR_BODY,
        "message": message,
        "signature": hmac.new(b"s", message.encode(), hashlib.sha512).hexdigest(),
    }
    document = with_scheme(
        header=SIGNATURE,
        timestamp__header=TIMESTAMP,
        algorithm="sha512",
        **{"payload-format__template": "{timestamp}.{body}", "test-vector": vector},
    )
    with_header_renamed(document, "signature", SIGNATURE)
    with_header_renamed(document, "timestamp", TIMESTAMP)
    return contract_module.parse(document)


RENAMED = _renamed()
PROBES = battery(RENAMED, SECRET)


def _id(probe: Probe) -> str:
    return f"{probe.rule}/{probe.type}/{probe.title}"


def test_the_battery_never_writes_the_shipped_header_names_under_a_renamed_scheme() -> None:
    for probe in PROBES:
        names = {
            n.lower() for n in probe.request(NOW, SECRET, "op", scheme=RENAMED.signature).headers
        }
        assert not names & {"signature", "timestamp"}, _id(probe)


def test_a_probe_that_leaves_out_the_signature_leaves_out_the_documents_header() -> None:
    missing = next(p for p in PROBES if p.title == f"{SIGNATURE} header missing")
    headers = missing.request(NOW, SECRET, "op", scheme=RENAMED.signature).headers
    assert SIGNATURE not in headers
    assert headers[TIMESTAMP] == str(NOW)
    emptied = next(p for p in PROBES if p.title == f"{TIMESTAMP} header empty")
    assert emptied.request(NOW, SECRET, "op", scheme=RENAMED.signature).headers[TIMESTAMP] == ""


def test_a_platform_probe_is_signed_with_the_documents_hash_and_template() -> None:
    valid = next(p for p in PROBES if p.rule == "accept-valid")
    headers = valid.request(NOW, SECRET, "op", scheme=RENAMED.signature).headers
    message = f"{NOW}.".encode() + valid.body
    assert headers[SIGNATURE] == hmac.new(SECRET.encode(), message, hashlib.sha512).hexdigest()


@pytest.mark.parametrize("probe", PROBES, ids=_id)
def test_every_probe_is_judged_as_its_rule_expects_under_the_renamed_scheme(
    probe: Probe,
) -> None:
    request = probe.request(NOW, SECRET, "op", scheme=RENAMED.signature)
    expect, judgement = expectation(Judge(RENAMED, SECRET), request, now=NOW)
    assert expect is BY_ID[probe.rule].expect, judgement.findings


@pytest.fixture(scope="module")
def against_renamed_receiver() -> Result:
    with serve(judge_receiver(SECRET, contract=RENAMED)) as base:
        return verify(Settings(base + PATH, SECRET, seed=1, max_examples=QUICK), contract=RENAMED)


def test_a_receiver_that_follows_the_renamed_scheme_conforms(
    against_renamed_receiver: Result,
) -> None:
    assert against_renamed_receiver.failures == []
    assert against_renamed_receiver.conforms


def test_a_receiver_that_keeps_the_old_header_names_fails_with_the_documents_names_reported(
    correct_url: str,
) -> None:
    # correct_url follows the shipped document: it looks for `signature`, which is never sent.
    result = verify(Settings(correct_url, SECRET, seed=1, max_examples=0), contract=RENAMED)
    assert "accept-valid" in result.broken_rules()
    shown = {name.lower() for f in result.failures for name, _ in f.headers}
    assert {SIGNATURE, TIMESTAMP} <= shown
    assert not shown & {"signature", "timestamp"}
    valid = [f for f in result.failures if f.rule == "accept-valid"]
    assert valid
    assert all(f.timestamp == dict(f.headers)[TIMESTAMP] for f in valid)
    text = "\n".join(line.text for line in summary(result, contract=RENAMED))
    assert re.search(r"we signed the message [0-9]+\.\{", text), text
    assert f'signs {TIMESTAMP} + "." + compact body with HMAC-SHA512 (hex)' in text
    assert "HMAC-SHA256" not in text
