"""The run's part for order-dependent probes, and what it gathers from every answer.

`Sequenced` makes the run's order-dependent tasks (each type's retries, the replay window
search, each type's framings), each run by one worker on one lane (`runner.Sequence`), in order,
meanwhile the rest of the battery goes out on the other lanes. It also keeps the answer times of
every request and the field map's observations, and at the end puts them, with their
advisories, into the result.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from contract_tests import fieldmap, forms, framings, retries, timing, window
from contract_tests.advisories import Observation
from contract_tests.channel import Sent
from contract_tests.exchange import Exchange, Sender, Stopped
from contract_tests.probe import Probe
from contract_tests.result import Failure, Result
from contract_tests.verdict import Assessor, expectation
from sms_hook.contract import Contract
from sms_hook.delivery import SignedRequest
from sms_hook.judge import Expect
from sms_hook.judge.framing import BY_NAME

if TYPE_CHECKING:
    from contract_tests.lane import Lane
    from contract_tests.settings import Settings


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
    """Makes the order-dependent tasks, and gathers timings and the field map of every answer."""

    def __init__(
        self,
        contract: Contract,
        assessor: Assessor,
        sender: Sender,
        settings: Settings,
    ) -> None:
        self.contract = contract
        self.assessor = assessor
        self.sender = sender
        self.settings = settings
        self.timings = timing.Timings()
        self.fields = FieldRecorder()
        self.requests = 0
        """Requests sent on connections of their own (framings); the rest go through `sender`."""
        self._lock = threading.Lock()
        self._window: window.Window | None = None
        self._repeats: list[retries.Repeat] = []
        self._h2c: dict[str, set[int | None]] = {}

    def timed(self, request: SignedRequest, type_name: str, title: str, seconds: float) -> None:
        """Record one answer's time (a valid notification answered slowly is noted)."""
        valid = seconds > timing.SLOW and (
            expectation(self.assessor.judge, request)[0] is Expect.ACCEPT
        )
        with self._lock:
            self.timings.record(type_name, title, seconds, valid=valid)

    def tasks(self) -> list[_Task]:
        """One task per lane: each type's retries, the window search, each type's framings."""
        names = list(self.contract.types)
        return [
            *(_Task(self, "retries", name) for name in names),
            _Task(self, "window", names[0]),
            *(_Task(self, "framings", name) for name in names),
        ]

    def framed(self, request: SignedRequest, framing: str) -> Exchange:
        """Send on a connection of its own; a gateway's 429 is waited out by `Sender`."""

        def once() -> Exchange:
            with self._lock:
                self.requests += 1
            try:
                return framings.send(
                    self.sender.url,
                    request,
                    framing,
                    timeout=self.settings.request_timeout,
                    tls=self.sender.tls,
                )
            except framings.Refused as exc:
                # The battery was answered, so the receiver went away meanwhile (an earlier
                # request brought it down): the run stops, as `Sender` stops it.
                reason = f"the receiver stopped accepting connections ({exc})"
                raise Stopped(reason) from exc

        return self.sender.waiting_out_429(once)

    def run_task(self, kind: str, type_name: str, lane: Lane) -> None:
        """Send one task's probes in order on `lane`; keep their failures and answers."""
        if not lane.heard:  # no receiver of the contract answered the battery: nothing to learn
            return
        s = self.settings
        channel = _LaneChannel(self, lane)
        args = (self.contract, s.secret, s.operator_name, s.headers, channel)
        if kind == "retries":
            failures, repeats = retries.run(*args, types=[type_name])
            with self._lock:
                self._repeats += repeats
        elif kind == "window":
            self._window, failures = window.measure(*args, required=s.require_replay_protection)
        else:
            failures, h2c = framings.run(*args, types=[type_name])
            with self._lock:
                self._h2c.update(h2c)
        for failure in failures:
            lane.keep(failure)

    def finish(self, result: Result, observations: list[Observation]) -> None:
        """Put the field map, timings, window and their advisories into the result."""
        order = {t.name: list(t.field_names) for t in self.contract.types.values()}
        result.field_map = fieldmap.build(self.fields.seen, order)
        result.timing = self.timings.summaries()
        names = list(self.contract.types)
        repeats = sorted(self._repeats, key=lambda r: names.index(r.type))
        found = [
            forms.advise(
                (o.tag, o.type, o.status) for o in observations if o.tag.startswith("form:")
            ),
            retries.advise(repeats),
            framings.advise(self._h2c),
            self.timings.advisory(),
        ]
        if self._window is not None:
            result.replay_window = self._window.describe()
            found.insert(0, window.advise(self._window))
        result.advisories += [a for a in found if a is not None]


@dataclass(slots=True)  # not frozen: `runner.Sequence` declares a plain `type` attribute
class _Task:
    """One order-dependent group of probes, run on one lane (a `runner.Sequence`)."""

    owner: Sequenced
    kind: str
    type: str

    def run(self, lane: Lane) -> None:
        self.owner.run_task(self.kind, self.type, lane)


class _LaneChannel:
    """The `Channel` a task sends through: the lane's connection, or a framed one of its own."""

    def __init__(self, owner: Sequenced, lane: Lane) -> None:
        self.owner = owner
        self.lane = lane

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
        if framing is None:
            exchange = self.lane.send(request, type_name=type_name, title=title)
        else:
            started = time.perf_counter()
            exchange = self.owner.framed(request, framing)
            self.owner.timed(exchange.request, type_name, title, time.perf_counter() - started)
        if framing == "h2c-upgrade" and (exchange.error or "").startswith("switched protocols"):
            return Sent(exchange, None)  # the server speaks HTTP/2 now: nothing to judge here
        failure = self.lane.assess(
            exchange,
            rule=rule,
            type_name=type_name,
            title=title,
            now=now,
            repeated=repeated,
            record=False,
        )
        if failure is not None and framing is not None:
            failure = _with_curl(failure, framings.curl_flag(BY_NAME[framing]))
        return Sent(exchange, failure)


def _with_curl(failure: Failure, flag: str) -> Failure:
    """The failure with its curl command framing the request the same way."""
    if not flag:
        return failure
    return dataclasses.replace(failure, curl=failure.curl.replace("curl ", f"curl {flag} ", 1))
