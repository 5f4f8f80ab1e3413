"""The run's part for order-dependent probes, and what it gathers from every answer.

`Sequenced` is the `Channel` the retries, the replay window search and the framings send
through, one request after the other; it also keeps the answer times of every request and the
field map's observations, and at the end puts them, with their advisories, into the result.
"""

from __future__ import annotations

import dataclasses
import ssl
import time
from collections.abc import Callable, Mapping

from contract_tests import fieldmap, forms, framings, retries, timing, window
from contract_tests.advisories import Observation
from contract_tests.channel import Sent
from contract_tests.exchange import RATE_LIMIT_RETRIES, Exchange, Sender
from contract_tests.exchange import _retry_after as retry_after
from contract_tests.probe import Probe
from contract_tests.result import Failure, Result
from contract_tests.verdict import Assessor, expectation
from sms_hook.contract import Contract
from sms_hook.delivery import SignedRequest
from sms_hook.judge import Expect
from sms_hook.judge.framing import BY_NAME

SEQUENCED_REQUESTS = 70
"""About how many requests the order-dependent probes send (for the progress bar)."""


class FieldRecorder:
    """Keeps, for the field map, what each battery probe that puts a case in a field got."""

    def __init__(self) -> None:
        self.seen: list[fieldmap.Seen] = []

    def record(self, assessor: Assessor, probe: Probe, exchange: Exchange) -> None:
        if probe.case is None:
            return
        expect, _ = expectation(assessor.judge, exchange.request, now=time.time())
        status = exchange.answer.status if exchange.answer is not None else None
        self.seen.append(fieldmap.Seen(probe.type, *probe.case, expect, status))


class Sequenced:
    """Sends order-dependent probes in order, and gathers timings and the field map."""

    def __init__(
        self,
        contract: Contract,
        assessor: Assessor,
        sender: Sender,
        tls: bool | ssl.SSLContext,
        timeout: float,
    ) -> None:
        self.contract = contract
        self.assessor = assessor
        self.sender = sender
        self.tls = tls
        self.timeout = timeout
        self.timings = timing.Timings()
        self.fields = FieldRecorder()
        self.requests = 0
        """Requests sent on connections of their own (framings); the rest go through `sender`."""
        self._advance: Callable[[], None] = lambda: None
        self._window: window.Window | None = None
        self._repeats: list[retries.Repeat] = []
        self._h2c: dict[str, set[int | None]] = {}

    def timed(self, request: SignedRequest, type_name: str, title: str, seconds: float) -> None:
        """Record one answer's time (a valid notification answered slowly is noted)."""
        valid = seconds > timing.SLOW and (
            expectation(self.assessor.judge, request)[0] is Expect.ACCEPT
        )
        self.timings.record(type_name, title, seconds, valid=valid)

    def send(
        self,
        request: SignedRequest,
        *,
        rule: str,
        type_name: str,
        title: str,
        now: float,
        repeated: bool = False,
        framing: str | None = None,
    ) -> Sent:
        started = time.perf_counter()
        exchange = self.sender.send(request) if framing is None else self._framed(request, framing)
        self.timed(exchange.request, type_name, title, time.perf_counter() - started)
        self._advance()
        if framing == "h2c-upgrade" and (exchange.error or "").startswith("switched protocols"):
            return Sent(exchange, None)  # the server speaks HTTP/2 now: nothing to judge here
        failure = self.assessor.assess(
            exchange,
            intended=rule,
            type_name=type_name,
            title=title,
            origin="battery",
            now=now,
            repeated=repeated,
        )
        if failure is not None and framing is not None:
            flag = framings.curl_flag(BY_NAME[framing])
            failure = _with_curl(failure, flag)
        return Sent(exchange, failure)

    def _framed(self, request: SignedRequest, framing: str) -> Exchange:
        """Send on a connection of its own; a gateway's 429 is waited out as `Sender` does."""
        for _ in range(RATE_LIMIT_RETRIES + 1):
            self.requests += 1
            exchange = framings.send(
                self.sender.url, request, framing, timeout=self.timeout, tls=self.tls
            )
            if exchange.answer is None or exchange.answer.status != 429:
                break
            self.sender.rate_limited += 1
            time.sleep(retry_after(exchange.answer.headers.get("retry-after")))
        return exchange

    def run(
        self,
        secret: str,
        operator_name: str,
        headers: Mapping[str, str],
        required: int | None,
        result: Result,
        advance: Callable[[], None],
    ) -> None:
        """Send the retries, the replay window search and the framings; keep their failures."""
        self._advance = advance
        args = (self.contract, secret, operator_name, headers, self)
        failures, self._repeats = retries.run(*args)
        result.failures += failures
        self._window, failures = window.measure(*args, required=required)
        result.failures += failures
        failures, self._h2c = framings.run(*args)
        result.failures += failures

    def finish(self, result: Result, observations: list[Observation]) -> None:
        """Put the field map, timings, window and their advisories into the result."""
        order = {t.name: list(t.field_names) for t in self.contract.types.values()}
        result.field_map = fieldmap.build(self.fields.seen, order)
        result.timing = self.timings.summaries()
        found = [
            forms.advise(
                (o.tag, o.type, o.status) for o in observations if o.tag.startswith("form:")
            ),
            retries.advise(self._repeats),
            framings.advise(self._h2c),
            self.timings.advisory(),
        ]
        if self._window is not None:
            result.replay_window = self._window.describe()
            found.insert(0, window.advise(self._window))
        result.advisories += [a for a in found if a is not None]


def _with_curl(failure: Failure, flag: str) -> Failure:
    """The failure with its curl command framing the request the same way."""
    return dataclasses.replace(failure, curl=failure.curl.replace("curl ", f"curl {flag} ", 1))
