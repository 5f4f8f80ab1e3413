"""A whole run over real HTTP: what a correct receiver gets, and how transport trouble is named."""

from __future__ import annotations

import asyncio

import pytest

from contract_tests import runner
from contract_tests.battery import battery
from contract_tests.result import Result
from contract_tests.rules import NO_SERVER_ERROR
from sms_hook import contract as contract_module
from sms_hook import signing
from sms_hook.errors import ReceiverUnreachable, SmsHookError
from sms_hook.judge import Expect, Judge
from tests.support.server import free_port, serve
from tests.verify import curl
from tests.verify.conftest import SECRET, quick
from tests.verify.receivers import (
    PATH,
    RawServer,
    answer,
    hanging_receiver,
    judge_receiver,
    read_body,
)


@pytest.fixture(scope="module")
def conforming(correct_url: str) -> Result:
    return quick(correct_url)


def test_a_correct_receiver_conforms_with_no_failure(conforming: Result) -> None:
    assert conforming.failures == []
    assert conforming.stopped is None
    assert conforming.conforms


def test_the_run_counts_its_requests_and_times_itself(conforming: Result) -> None:
    assert conforming.requests >= 300
    assert 0 < conforming.seconds < 60
    assert conforming.checked[(NO_SERVER_ERROR, "bet_result")] > 0


def test_a_receiver_that_accepts_open_cases_has_no_replay_protection_advised(
    conforming: Result,
) -> None:
    replay = next(a for a in conforming.advisories if a.rule == "advisory-replay")
    assert replay.notable
    assert "no replay protection" in replay.message


def test_a_receiver_that_rejects_open_cases_conforms_too() -> None:
    with serve(judge_receiver(SECRET, accept_open=False)) as base:
        result = quick(base + PATH)
    assert result.failures == []
    replay = next(a for a in result.advisories if a.rule == "advisory-replay")
    assert not replay.notable


def test_no_valid_request_is_sent_twice_so_replay_protection_by_nonce_conforms() -> None:
    with serve(judge_receiver(SECRET, refuse_repeats=True)) as base:
        result = quick(base + PATH, max_examples=10)
    assert result.failures == []


def test_a_gateways_rate_limit_is_waited_out_not_reported() -> None:
    with serve(judge_receiver(SECRET, rate_limit_every=40)) as base:
        result = quick(base + PATH, max_examples=0)
    assert result.failures == []
    assert result.rate_limited > 5


def test_a_wrong_secret_fails_every_valid_notification_and_says_why(correct_url: str) -> None:
    from contract_tests.runner import Settings, verify

    result = verify(Settings(correct_url, "not-the-secret", seed=1, max_examples=0))
    assert "accept-valid" in result.broken_rules()
    assert "reject-bad-signature" not in result.broken_rules()


def test_nothing_listening_is_unreachable_before_any_verdict() -> None:
    with pytest.raises(ReceiverUnreachable, match="connection refused"):
        quick(f"http://127.0.0.1:{free_port()}{PATH}")


@pytest.mark.parametrize(
    "settings",
    [
        {"operator_name": "Bet-Ñ"},
        {"headers": {"X-Api-Key": "k\r\nX: y"}},
        {"headers": {"a b": "k"}},
    ],
)
def test_headers_http_cannot_carry_are_a_usage_error_before_anything_is_sent(
    settings: dict[str, object],
) -> None:
    # Nothing listens at the URL: the settings are refused before any connection is tried.
    with pytest.raises(SmsHookError, match="header") as raised:
        quick(f"http://127.0.0.1:{free_port()}{PATH}", **settings)
    assert not isinstance(raised.value, ReceiverUnreachable)


def test_a_dropped_connection_is_a_server_error_and_the_run_goes_on() -> None:
    with RawServer(SECRET, drop_when=b"NaN") as server:
        result = quick(server.url, max_examples=0)
    dropped = [f for f in result.failures if f.rule == NO_SERVER_ERROR]
    assert dropped, result.failures
    assert all("dropped without an answer" in f.got for f in dropped)
    assert all("NaN" in f.title for f in dropped)
    assert result.stopped is None
    assert {f.rule for f in result.failures} == {NO_SERVER_ERROR}


def test_a_receiver_that_dies_stops_the_run_and_blames_the_request_that_killed_it() -> None:
    with RawServer(SECRET, drop_when=b"NaN", die=True) as server:
        result = quick(server.url, max_examples=0)
    assert result.stopped is not None
    assert "stopped accepting connections" in result.stopped
    assert not result.conforms
    # Requests go out over several connections: the killer is the one whose answer was dropped
    # and after which nothing listened (others in flight then are refused, blamed on it).
    killers = [f for f in result.failures if "then the receiver stopped accepting" in f.got]
    assert len(killers) == 1, [f.got for f in result.failures]
    assert killers[0].rule == NO_SERVER_ERROR
    assert "NaN" in killers[0].title
    assert all(f.rule == NO_SERVER_ERROR for f in result.failures)


def test_no_answer_in_time_is_a_server_error_and_three_in_a_row_stop_the_run() -> None:
    with serve(hanging_receiver(SECRET, seconds=1.5, when=b'"type":"bet_result"')) as base:
        result = quick(base + PATH, request_timeout=0.3, max_examples=0)
    late = [f for f in result.failures if f.rule == NO_SERVER_ERROR]
    assert len(late) >= 3
    assert all(f.got == "no answer within 0.3 s" for f in late), [f.got for f in late]
    assert result.stopped == "3 requests in a row got no answer within 0.3 s"


def test_every_reproduced_curl_carries_a_real_signature() -> None:
    with RawServer(SECRET, drop_when=b'"bet_id":11}') as server:
        result = quick(server.url, max_examples=0)
    valid = [f for f in result.failures if f.expected.startswith("200 with")]
    assert len(valid) > 5
    for failure in valid:
        url, headers, body = curl.parse(failure.curl)
        lowered = {name.lower(): value for name, value in headers.items()}
        assert url == server.url
        assert lowered["timestamp"] == failure.timestamp
        assert signing.match(SECRET, lowered["timestamp"], body, lowered["signature"])


def test_a_wrong_secret_claims_no_advisory_since_nothing_was_accepted(correct_url: str) -> None:
    from contract_tests.runner import Settings, verify

    result = verify(Settings(correct_url, "not-the-secret", seed=1, max_examples=0))
    assert {"advisory-replay", "advisory-spaces-reading"} <= {a.rule for a in result.advisories}
    # the clock advisory (even fresh timestamps rejected) stands on its own
    others = [a for a in result.advisories if a.rule != "advisory-replay-window"]
    assert all(a.message.startswith("not assessed: no valid notification") for a in others)
    assert not any(a.notable for a in others)


def test_a_generated_failure_sent_before_max_time_ran_out_is_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Accepts everything, and answers invalid notifications slowly: the budget runs out while
    # the generated invalid cases are being sent, with some of them already answered 200.
    judge = Judge(contract_module.load(), SECRET)
    accepted_invalid: list[bytes] = []

    async def lax(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if judge.judge(headers, body).expect is Expect.REJECT:
            await asyncio.sleep(0.3)
            accepted_invalid.append(body)
        await answer(send, 200, {"message": "Notification received"})

    valid = [p for p in battery(contract_module.load(), SECRET) if p.rule == "accept-valid"]
    monkeypatch.setattr(runner, "battery", lambda c, s: valid[:1])
    with serve(lax) as base:
        result = quick(base + PATH, max_examples=30, max_time=3.0)
    assert accepted_invalid, "no generated invalid case went out within the budget"
    assert result.left_out is not None
    assert "(in part)" in result.left_out, result.left_out
    generated_failures = [f for f in result.failures if f.origin == "generated"]
    assert generated_failures, f"{len(accepted_invalid)} invalid cases accepted, none reported"
    assert not result.conforms


def test_max_time_keeps_the_battery_whole_and_says_what_it_left_out(correct_url: str) -> None:
    from contract_tests.battery import battery
    from sms_hook import contract as contract_module

    result = quick(correct_url, max_time=0.001)
    sent_by_battery = len(battery(contract_module.load(), SECRET))
    # besides the battery only the order-dependent probes go out (retries, the window search,
    # framings: about 70 requests), never a generated case
    assert sent_by_battery <= result.requests <= sent_by_battery + 100
    assert result.left_out is not None
    assert result.left_out.startswith("--max-time 0.001 s was spent before every generated case")
    assert "otp valid" in result.left_out
    assert result.conforms  # a budget is no failure


@pytest.mark.parametrize("concurrency", [1, 4])
def test_a_sequence_goes_out_in_order_on_one_connection(
    monkeypatch: pytest.MonkeyPatch, concurrency: int
) -> None:
    """An order-dependent group (runner.Sequence) is sent in order, on one keep-alive connection,
    whatever the concurrency; the battery's other probes share the run's connections."""
    from contract_tests import runner
    from contract_tests.battery import battery
    from contract_tests.probe import Probe
    from sms_hook import contract as contract_module

    contract = contract_module.load()
    example = contract.example("otp")
    steps = tuple(
        Probe(
            "accept-valid",
            "otp",
            f"step {n}",
            signing.canonical_body(
                {**example, "data": {**example["data"], "code": f"90{n}"}}, contract.field_order
            ),
        )
        for n in range(6)
    )
    sequence = runner.InOrder("otp", steps)
    monkeypatch.setattr(runner, "battery", lambda c, s: [*battery(c, s), sequence])
    seen: list[tuple[int, bytes]] = []
    app = judge_receiver(SECRET)

    async def recording(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] == "http":
            body = await read_body(receive)  # every chunk of it: replayed whole below
            seen.append((scope["client"][1], body))

            async def replay():  # type: ignore[no-untyped-def]
                return {"type": "http.request", "body": body, "more_body": False}

            await app(scope, replay, send)
            return
        await app(scope, receive, send)

    with serve(recording) as base:
        result = quick(base + PATH, max_examples=0, concurrency=concurrency)
    assert result.conforms, result.failures
    ours = [(port, body) for port, body in seen if b'"code":"90' in body]
    assert [body for _, body in ours] == [p.body for p in steps]
    assert len({port for port, _ in ours}) == 1
    # the battery (before the sequenced probes, which open connections of their own): the
    # workers' connections and the run's own (the first probe), or one
    battery_ports = {port for port, _ in seen[: len(battery(contract, SECRET)) + len(steps)]}
    assert len(battery_ports) == (1 if concurrency == 1 else concurrency + 1)
