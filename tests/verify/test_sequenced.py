"""The order-dependent probes over real HTTP: fresh pairs, the window, framings, the field map."""

from __future__ import annotations

import time
from collections import Counter
from typing import Final

from click.testing import CliRunner

from contract_tests import forms, timing, vocabulary
from contract_tests.result import Result
from sms_hook.cli import cli
from sms_hook.contract import Contract
from tests.receivers import FAULTY, RECEIVER_PATH, SEQUENCED
from tests.receivers.asgi import Receive, Scope, Send, reject
from tests.receivers.raw_bytes import RawBytesReceiver
from tests.support.server import serve
from tests.verify.conftest import SECRET, quick
from tests.verify.receivers import PATH, judge_receiver


class _Recorder:
    """The correct receiver, keeping every (timestamp, signature) pair it was sent."""

    def __init__(self) -> None:
        self.inner = judge_receiver(SECRET)
        self.pairs: list[tuple[str, str]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {k.decode().lower(): v.decode("latin-1") for k, v in scope["headers"]}
            if headers.get("timestamp") and headers.get("signature"):
                self.pairs.append((headers["timestamp"], headers["signature"].lower()))
        await self.inner(scope, receive, send)


def test_every_request_but_the_exact_retries_carries_a_pair_never_used_before() -> None:
    recorder = _Recorder()
    with serve(recorder) as base:
        result = quick(base + PATH, max_examples=2)
    assert result.failures == []
    counts = Counter(recorder.pairs)
    repeated = {pair: n for pair, n in counts.items() if n > 1}
    assert sorted(repeated.values()) == [2, 2, 2], repeated  # the exact retry of each type
    assert sum(result.checked[("retry-exact-replay", t)] for t in result.types) == 3


class _Window(RawBytesReceiver):
    """raw_bytes with another window (seconds behind, ahead) or a clock off by `skew` s."""

    def __init__(self, secret: str, behind: int, ahead: int, skew: int = 0) -> None:
        super().__init__(secret)
        self.behind, self.ahead, self.skew = behind, ahead, skew

    def check_timestamp(self, timestamp: str) -> None:
        if not timestamp.isdigit():
            raise reject(401, "timestamp: not a unix time")
        offset = int(timestamp) - (time.time() + self.skew)
        if offset < -self.behind or offset > self.ahead:
            raise reject(401, f"timestamp: {offset:.0f} s off")


def _window_advisory(result: Result) -> str:
    return next(a.message for a in result.advisories if a.rule == "advisory-replay-window")


def test_an_asymmetric_window_is_measured_to_the_second_on_each_side() -> None:
    with serve(_Window(SECRET, 600, 120)) as base:
        result = quick(base + RECEIVER_PATH, max_examples=0)
    assert result.replay_window in (
        "accepts −600 s … +120 s",
        "accepts −599 s … +120 s",
        "accepts −600 s … +119 s",
        "accepts −599 s … +119 s",
    )
    assert "wider than the recommended ±300 s" in _window_advisory(result)
    window_requests = sum(
        n for (rule, _), n in result.checked.items() if rule == "advisory-replay-window"
    )
    assert window_requests <= 32


def test_a_window_narrower_than_a_minute_is_reported_not_failed() -> None:
    with serve(_Window(SECRET, 30, 30)) as base:
        result = quick(base + RECEIVER_PATH, max_examples=0)
    assert result.failures == []
    assert "narrower than 60 s" in _window_advisory(result)


def test_a_receiver_that_rejects_even_fresh_timestamps_gets_the_clock_hint() -> None:
    with serve(_Window(SECRET, 300, 300, skew=7200)) as base:
        result = quick(base + RECEIVER_PATH, max_examples=0)
    assert result.replay_window == "rejects even a fresh timestamp"
    assert "clock" in _window_advisory(result)


def test_strict_mode_on_the_command_line_fails_a_window_open_to_the_future() -> None:
    with serve(SEQUENCED["window_past_only"][0](SECRET)) as base:
        url = base + RECEIVER_PATH
        env = {"SMS_HOOK_SECRET": SECRET}
        strict = CliRunner().invoke(
            cli, ["verify", url, "--max-examples", "0", "--require-replay-protection"], env=env
        )
        relaxed = CliRunner().invoke(cli, ["verify", url, "--max-examples", "0"], env=env)
    assert strict.exit_code == 1, strict.output
    assert "replay-protection" in strict.output
    assert relaxed.exit_code == 0, relaxed.output
    assert "+1 day or more (no limit found)" in relaxed.output


def test_the_field_map_marks_a_looser_and_a_stricter_receiver() -> None:
    with serve(FAULTY["bet_result_no_result_enum"][0](SECRET)) as base:
        looser = quick(base + RECEIVER_PATH, max_examples=0)
    with serve(FAULTY["rejects_ids_above_int32"][0](SECRET)) as base:
        stricter = quick(base + RECEIVER_PATH, max_examples=0)
    assert looser.field_map["bet_result"]["result"]["enum"].verdict == "looser"
    assert looser.field_map["bet_result"]["ticket_id"]["missing"].verdict == "matches"
    assert stricter.field_map["bet_result"]["event_id"]["integers"].verdict == "stricter"


def test_a_server_on_h11_keeps_the_body_of_an_h2c_offer() -> None:
    with serve(RawBytesReceiver(SECRET), http="h11") as base:
        result = quick(base + RECEIVER_PATH, max_examples=0)
    framing = next(a for a in result.advisories if a.rule == "advisory-framing")
    assert not framing.notable
    assert result.checked[("accept-framings", "bet_result")] == 4


def test_answer_times_are_nearest_rank_quantiles_and_slow_valid_answers_are_noted() -> None:
    timings = timing.Timings()
    for n in range(1, 101):
        timings.record("otp", f"probe {n}", n / 100, valid=True)
    timings.record("otp", "the slow one", 6.0, valid=True)
    timings.record("otp", "a slow rejection", 7.0, valid=False)
    (otp,) = timings.summaries()
    assert (otp.count, otp.p50, otp.max) == (102, 0.51, 7.0)
    advisory = timings.advisory()
    assert advisory is not None
    assert "1 valid notification answered in more than 5 s" in advisory.message


def test_byte_forms_say_how_the_signature_is_checked() -> None:
    every = [(f"form:{f}", "otp", 200) for f in forms.FORMS]
    assert "over the bytes it received" in _advice(every)
    escapes = [(t, ty, 403 if t in ("form:escapes", "form:slash") else s) for t, ty, s in every]
    assert "re-serialisation" in _advice(escapes)


def _advice(seen: list[tuple[str, str, int | None]]) -> str:
    advisory = forms.advise(seen)
    assert advisory is not None
    return advisory.message


_ENUM_FIELDS: Final = ("status", "result")


def test_no_plausible_word_is_in_an_enum_of_the_contract(contract: Contract) -> None:
    listed = {
        v for t in contract.types.values() for f in t.fields for v in f.schema.get("enum", ())
    }
    assert not listed & {*vocabulary.OUTCOMES, *vocabulary.STATES}
    assert "Betfair" in (vocabulary.__doc__ or "")
    for name in _ENUM_FIELDS:
        assert vocabulary.plausible(name, []), name
