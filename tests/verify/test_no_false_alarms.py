"""No false alarms: verify passes correct receivers whose policies differ in every way the
contract allows (tests/verify/policies/), and fails a misreading receiver under its one rule.

Each receiver is a real HTTP server on 127.0.0.1, on a path other than /notifications. The big
sweep (ten seeds, 100 examples) is `python -m tests.verify.policies.sweep`; here two seeds and few
examples keep the run short.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import httpx
import pytest

from contract_tests.battery import battery
from contract_tests.exchange import Exchange
from contract_tests.result import Result
from contract_tests.runner import Settings, verify
from contract_tests.verdict import Assessor
from sms_hook.contract import Contract
from sms_hook.delivery import DEFAULT_OPERATOR, Answer, SignedRequest, encode, signed_request
from sms_hook.judge import Judge
from tests.support.server import serve
from tests.verify.conftest import SECRET
from tests.verify.policies import MISREAD, POLICIES, Case
from tests.verify.policies.asgi import Route, Transport
from tests.verify.policies.configurable import Policy, PolicyReceiver

MAX_EXAMPLES = 10
FAST = sorted(name for name, case in POLICIES.items() if not case.slow)


def post(client: httpx.Client, url: str, request: SignedRequest) -> Answer:
    """Send one signed request, exactly as built, to a receiver served by this process."""
    response = client.post(url, content=request.body, headers=dict(request.headers))
    return Answer(response.status_code, dict(response.headers), response.content)


def run(case: Case, base: str, **options: Any) -> Result:
    """Verify a receiver with seed 1 and few examples unless told otherwise."""
    settings = replace(case.settings(base, SECRET), seed=1, max_examples=MAX_EXAMPLES)
    return verify(replace(settings, **options))


@contextmanager
def served(name: str) -> Iterator[tuple[Case, str]]:
    """Serve a policy receiver; yield it and its base URL."""
    case = POLICIES[name]
    with serve(case.build(SECRET, case.route), **dict(case.server)) as base:
        yield case, base


def describe(result: Result) -> str:
    return "\n".join(
        f"{f.rule} {f.type} {f.title}: {'; '.join(f.problems)}\n  {f.curl}"
        for f in result.failures[:5]
    )


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("name", FAST)
def test_verify_passes_every_policy_receiver_with_no_failure(name: str, seed: int) -> None:
    with served(name) as (case, base):
        result = run(case, base, seed=seed)
        assert result.failures == [], describe(result)
        assert result.conforms


def test_verify_passes_a_receiver_that_answers_slowly_within_the_timeout() -> None:
    slow = Transport(delay=0.2, slow_every=25)
    route = Route("/hooks/slow")
    with serve(PolicyReceiver(SECRET, Policy(), route, slow)) as base:
        started = time.perf_counter()
        # One request at a time: this receiver runs in this process, and verify's workers and
        # its drawing of cases would share the GIL with it, eating into the tight 0.5 s.
        result = verify(
            Settings(
                route.url(base), SECRET, seed=1, max_examples=2, request_timeout=0.5, concurrency=1
            )
        )
    assert result.failures == [], describe(result)
    assert result.conforms
    # Every 25th answer is 0.2 s late: the run waited for each, one at a time (concurrency 1).
    assert max(s.max for s in result.timing) >= 0.2
    assert time.perf_counter() - started > 0.2 * (result.requests // 25)


def test_a_receiver_that_removes_only_spaces_is_failed_under_accept_whitespace_alone() -> None:
    case, rule = MISREAD["spaces_only_reading"]
    with serve(case.build(SECRET, case.route)) as base:
        result = run(case, base)
    assert result.broken_rules() == [rule]
    assert {f.title for f in result.failures} == {
        "indented as in the documentation's samples",
        "tabs, CRLF and whitespace around the object",
        "a trailing newline after the object",
    }


def _open_statuses(name: str, contract: Contract) -> set[int]:
    """The statuses a receiver answers to the battery's probes of what the contract leaves open."""
    probes = [p for p in battery(contract, SECRET) if p.rule == "open-policy"]
    statuses = set()
    with served(name) as (case, base), httpx.Client() as client:
        for probe in probes:
            request = probe.request(
                int(time.time()),
                SECRET,
                case.operator_name or DEFAULT_OPERATOR,
                case.headers,
                scheme=contract.signature,
            )
            statuses.add(post(client, case.route.url(base), request).status)
    return statuses


def test_the_strict_receiver_rejects_and_the_lenient_one_accepts_every_open_case(
    contract: Contract,
) -> None:
    assert all(400 <= s < 500 for s in _open_statuses("strict_everything", contract))
    assert _open_statuses("lenient_everything", contract) == {200}


def test_the_receivers_check_signature_and_body_in_the_order_their_policy_says(
    contract: Contract,
) -> None:
    both_bad = SignedRequest(
        {"content-type": "application/json", "timestamp": str(int(time.time())), "signature": "0"},
        b'{"type":"otp","data":',
    )
    answers = {}
    for name in ("signature_first_403_422", "body_first_400", "gateway_api_key"):
        with served(name) as (case, base), httpx.Client(headers=dict(case.headers)) as client:
            answers[name] = post(client, case.route.url(base), both_bad).status
    assert answers == {
        "signature_first_403_422": 403,
        "body_first_400": 400,
        "gateway_api_key": 403,
    }


def test_the_advisory_tells_which_reading_each_receiver_implements() -> None:
    readings = {}
    for name in ("signature_first_403_422", "body_first_400", "python_split_reading"):
        with served(name) as (case, base):
            result = run(case, base, max_examples=0)
        readings[name] = next(
            a.message for a in result.advisories if a.rule == "advisory-spaces-reading"
        )
    assert readings["signature_first_403_422"].startswith('implements the "tokens"')
    assert readings["body_first_400"].startswith('implements the "all-whitespace"')
    assert readings["python_split_reading"].startswith('implements the "all-whitespace"')


def test_a_receiver_behind_a_gateway_is_reached_only_with_its_header() -> None:
    with served("gateway_api_key") as (case, base):
        without = run(case, base, max_examples=0, headers={})
        with_key = run(case, base, max_examples=0)
    assert "accept-valid" in without.broken_rules()
    assert with_key.conforms


def test_a_nonce_receiver_refuses_a_repeated_signature_and_verify_never_repeats_one(
    contract: Contract,
) -> None:
    notification = contract.example("otp")
    notification["data"]["code"] = "sent-twice"  # a body of its own: verify never sends it
    request = signed_request(encode(contract, notification), SECRET)
    with served("nonce_replay") as (case, base):
        with httpx.Client() as client:
            url = case.route.url(base)
            assert [post(client, url, request).status for _ in range(2)] == [200, 401]
        assert run(case, base, seed=3).conforms


@pytest.mark.parametrize(
    ("name", "char"), [("node_raw_body", "\ufeff"), ("java8_whitespace_reading", "\u180e")]
)
def test_a_receiver_that_removes_what_its_language_calls_whitespace_is_not_failed(
    contract: Contract, name: str, char: str
) -> None:
    """JavaScript's \\s holds U+FEFF, Java 8's isWhitespace U+180E; Python's isspace() neither."""
    notification = contract.example("otp")
    notification["data"]["code"] = f"12{char}34"
    request = signed_request(encode(contract, notification), SECRET)
    with served(name) as (case, base), httpx.Client() as client:
        url = case.route.url(base)
        answer = post(client, url, request)
    assert 400 <= answer.status < 500  # its reading signs another message
    assessor = Assessor(contract, Judge(contract, SECRET), url)
    failure = assessor.assess(
        Exchange(request, answer),
        intended=None,
        type_name="otp",
        title="generated",
        origin="generated",
    )
    assert failure is None, failure
