"""The judge's allowances, strict replay mode, framings and exact repeats (contract.md section 2).

An allowance is what a strict receiver (the mock) accepts but the contract lets a receiver
reject: the expectation becomes "200 or 4xx" while the findings, which the mock answers from,
stay empty.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sms_hook import signing
from sms_hook.contract import Contract
from sms_hook.judge import Expect, Judge, Judgement

SECRET = "12345ABCDE"
NOW = 1_800_000_000
BODY = (
    '{"type":"bet_result","data":{"ticket_id":"%s","result":"lost","event_id":100001,"bet_id":11}}'
)


def judged(
    judge: Judge, body: bytes, *, timestamp: int = NOW, repeated: bool = False, **extra: str
) -> Judgement:
    headers = {
        "content-type": "application/json",
        "timestamp": str(timestamp),
        "operator-name": "op",
        "signature": signing.sign(SECRET, str(timestamp), body),
        **extra,
    }
    return judge.judge(headers, body, now=NOW, repeated=repeated)


def ticket(raw: str) -> bytes:
    """A bet_result whose ticket_id is `raw`, written into the JSON exactly as given."""
    return (BODY % raw).encode()


@pytest.fixture(scope="module")
def judge(contract: Contract) -> Judge:
    return Judge(contract, SECRET)


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("a\\u0000b", "string-control"),
        ("a\\u001fb", "string-control"),
        ("a\\nb", "string-control"),
        ("a\\ud800b", "string-surrogate"),
        ("a\\udfffb", "string-surrogate"),
        ("\\u00e9t\\u00e9", "escaped-form"),
        ("tickets\\/7", "escaped-form"),
    ],
)
def test_escapes_a_receiver_may_refuse_are_allowed_not_found(
    judge: Judge, raw: str, rule: str
) -> None:
    verdict = judged(judge, ticket(raw))
    assert verdict.expect is Expect.EITHER
    assert verdict.findings == []  # the mock still accepts it
    assert [a.rule for a in verdict.allowances] == [rule]


@pytest.mark.parametrize("raw", ["O'Brien\\\"s", "C:\\\\tickets", "<script>", "🎲", "\u200fabc"])
def test_hostile_but_ordinary_strings_are_plain_acceptances(judge: Judge, raw: str) -> None:
    assert judged(judge, ticket(raw)).expect is Expect.ACCEPT


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("where", ["data", "top"])
def test_nan_in_an_extra_field_is_rejected(judge: Judge, constant: str, where: str) -> None:
    body = ticket("x")
    if where == "data":
        body = body.replace(b'"bet_id":11}', b'"bet_id":11,"score":' + constant.encode() + b"}")
    else:
        body = body[:-1] + b',"weight":' + constant.encode() + b"}"
    assert judged(judge, body).expect is Expect.REJECT


def test_an_exact_repeat_may_be_rejected_as_a_replay(judge: Judge) -> None:
    verdict = judged(judge, ticket("x"), repeated=True)
    assert verdict.expect is Expect.EITHER
    assert verdict.findings == []
    assert [a.rule for a in verdict.allowances] == ["exact-replay"]
    assert judged(judge, ticket("x")).expect is Expect.ACCEPT


def test_an_h2c_upgrade_offer_is_allowed_to_lose_the_body(judge: Judge) -> None:
    verdict = judged(judge, ticket("x"), connection="Upgrade, HTTP2-Settings", upgrade="h2c")
    assert verdict.expect is Expect.EITHER
    assert [a.rule for a in verdict.allowances] == ["h2c-upgrade"]
    assert judged(judge, ticket("x"), connection="close").expect is Expect.ACCEPT


@pytest.mark.parametrize(
    ("offset", "expect"),
    [
        (0, Expect.ACCEPT),
        (-14, Expect.ACCEPT),
        (15, Expect.EITHER),
        (-300, Expect.EITHER),
        (-301, Expect.REJECT),
        (301, Expect.REJECT),
        (86_400, Expect.REJECT),
    ],
)
def test_strict_replay_mode_requires_rejecting_beyond_its_seconds(
    contract: Contract, offset: int, expect: Expect
) -> None:
    strict = Judge(contract, SECRET, required=300)
    verdict = judged(strict, ticket("x"), timestamp=NOW + offset)
    assert verdict.expect is expect
    if expect is Expect.REJECT:
        assert verdict.binding[0].rule == "timestamp-stale"
        assert "±300 s" in verdict.binding[0].reason


@pytest.mark.parametrize(("offset", "expect"), [(0, Expect.ACCEPT), (200, Expect.EITHER)])
def test_by_default_a_timestamp_some_seconds_off_is_open_and_a_day_off_is_not_binding(
    judge: Judge, offset: int, expect: Expect
) -> None:
    assert judged(judge, ticket("x"), timestamp=NOW + offset).expect is expect
    assert judged(judge, ticket("x"), timestamp=NOW - 86_400).binding == []


def test_no_module_of_the_judge_passes_300_lines() -> None:
    package = Path(__import__("sms_hook.judge").judge.__file__).parent
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in package.glob("*.py")}
    assert max(sizes.values()) <= 300, sizes


def test_a_finding_quoting_a_lone_surrogate_can_be_printed(judge: Judge) -> None:
    body = (
        b'{"type":"bet_result","data":{"ticket_id":"x","result":"\\ud800","event_id":1,"bet_id":1}}'
    )
    verdict = judged(judge, body)
    assert verdict.expect is Expect.REJECT
    text = str(verdict.binding[0])
    text.encode("utf-8")  # no lone surrogate left in the message
    assert "\\ud800" in text
    assert json.loads(body)["data"]["result"] == "\ud800"
