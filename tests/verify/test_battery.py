"""The battery: every probe gets, from the judge, the expectation of the rule it was built for.

This is the no-false-alarm proof for the deterministic part: a probe meant to be rejected that
the judge would call open (or valid) would report a correct receiver as broken.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections import Counter

import pytest

from contract_tests.battery import battery
from contract_tests.probe import Probe
from contract_tests.rules import ANY_TYPE, BY_ID, FAILING, NO_SERVER_ERROR, SEQUENCED
from contract_tests.samples import enums
from contract_tests.verdict import expectation, reading_matters
from sms_hook import contract as contract_module
from sms_hook import signing
from sms_hook.contract import Contract
from sms_hook.judge import Expect, Judge

SECRET = "partner-s3cret"
NOW = 1_800_000_000
PROBES = battery(contract_module.load(), SECRET)


def _id(probe: Probe) -> str:
    return f"{probe.rule}/{probe.type}/{probe.title}"


@pytest.mark.parametrize("probe", PROBES, ids=_id)
def test_every_probe_is_judged_as_its_rule_expects(contract: Contract, probe: Probe) -> None:
    request = probe.request(NOW, SECRET, "op", scheme=contract.signature)
    expect, judgement = expectation(Judge(contract, SECRET), request, now=NOW)
    assert expect is BY_ID[probe.rule].expect, judgement.findings


def test_the_battery_covers_every_failing_rule_for_every_type(contract: Contract) -> None:
    covered = {(p.rule, p.type) for p in PROBES}
    for rule in FAILING:
        if rule in (NO_SERVER_ERROR, "accept-safe-integers") or rule in SEQUENCED:
            continue
        for type_name, t in contract.types.items():
            if rule == "reject-plausible-enum" and not enums(t):
                continue  # a type whose data has no enum (otp)
            assert (rule, type_name) in covered, (rule, type_name)
    assert ("accept-safe-integers", "bet_result") in covered
    assert ("reject-malformed-body", ANY_TYPE) in covered


def test_valid_probes_never_carry_whitespace_inside_string_values() -> None:
    for probe in PROBES:
        if BY_ID[probe.rule].expect is Expect.ACCEPT:
            assert not reading_matters(probe.body), probe.title


def test_no_valid_probe_repeats_the_signed_message_of_an_earlier_probe() -> None:
    # A receiver with replay protection by nonce refuses a signature it has seen; probes sent
    # within the same second with the same compact body would carry the same signature.
    earlier: set[bytes] = set()
    for probe in PROBES:
        message = signing.compact(probe.body)
        if BY_ID[probe.rule].expect is Expect.ACCEPT:
            assert message not in earlier, probe.title
        earlier.add(message)


def test_the_spaces_probes_differ_only_in_the_reading_they_are_signed_under(
    contract: Contract,
) -> None:
    spaced = [p for p in PROBES if p.rule == "advisory-spaces-reading"]
    assert {p.advisory for p in spaced} == {"reading:tokens", "reading:all-whitespace"}
    for probe in spaced:
        request = probe.request(NOW, SECRET, "op", scheme=contract.signature)
        tokens = signing.sign(SECRET, str(NOW), probe.body)
        message = str(NOW).encode() + signing.strip_all_whitespace(probe.body)
        stripped = hmac.new(SECRET.encode(), message, hashlib.sha256).hexdigest()
        expected = tokens if probe.advisory == "reading:tokens" else stripped
        assert request.headers["signature"] == expected
        assert reading_matters(probe.body)


def test_every_enum_value_of_every_type_is_sent_in_a_valid_probe(contract: Contract) -> None:
    sent: dict[tuple[str, str], set[str]] = {}
    for probe in PROBES:
        if probe.rule == "accept-valid":
            data = json.loads(probe.body)["data"]
            for name, value in data.items():
                sent.setdefault((probe.type, name), set()).add(value)
    for t in contract.types.values():
        for f in t.fields:
            if "enum" in f.schema:
                assert sent[(t.name, f.name)] == set(f.schema["enum"])


def test_the_battery_is_the_same_on_every_build(contract: Contract) -> None:
    again = battery(contract, SECRET)
    assert [(p.rule, p.type, p.title, p.body) for p in again] == [
        (p.rule, p.type, p.title, p.body) for p in PROBES
    ]


def test_probe_titles_are_unique_within_a_rule_and_type() -> None:
    counts = Counter((p.rule, p.type, p.title) for p in PROBES)
    assert [k for k, n in counts.items() if n > 1] == []


def test_every_probe_is_signed_at_the_moment_it_is_sent(contract: Contract) -> None:
    probe = PROBES[0]
    now = int(time.time())
    for at in (now, now + 5):
        request = probe.request(at, SECRET, "op", scheme=contract.signature)
        assert request.headers["timestamp"] == str(at)
