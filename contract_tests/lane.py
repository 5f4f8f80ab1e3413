"""A lane: what a group of order-dependent probes is sent through (see `contract_tests.runner`).

A `Sequence` (anything with a notification `type` and a `run(lane)` method) is run by one worker:
everything it sends through its `Lane` goes out in order, on one keep-alive connection (the
worker's), and nothing else is sent on that connection meanwhile. `InOrder` is the ready-made
one for probes that must follow each other (a notification, then its duplicate).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from contract_tests.advisories import Observation
from contract_tests.exchange import Exchange, Sender, Stopped
from contract_tests.probe import Probe
from contract_tests.result import Failure
from contract_tests.sequenced import Sequenced
from contract_tests.settings import Settings
from contract_tests.verdict import Assessor
from sms_hook.contract import Contract
from sms_hook.delivery import SignedRequest
from sms_hook.response import not_a_receiver


class Host(Protocol):
    """The run a lane belongs to: where it sends, who judges, what it learns."""

    contract: Contract
    settings: Settings
    sender: Sender
    assessor: Assessor
    lock: threading.Lock
    accepted: bool
    heard: bool
    sequenced: Sequenced


@runtime_checkable
class Sequence(Protocol):
    """Order-dependent probes: run by one worker, in order, on one connection (see above)."""

    type: str

    def run(self, lane: Lane) -> None: ...


@dataclass(frozen=True, slots=True)
class InOrder:
    """Probes sent one after the other on one connection, each judged as a battery probe."""

    type: str
    probes: tuple[Probe, ...]

    def run(self, lane: Lane) -> None:
        for probe in self.probes:
            lane.probe(probe)


@dataclass(slots=True)
class Record:
    """What one task found, merged into the result in battery order."""

    failures: list[Failure] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)


class Lane:
    """What a `Sequence` sends through: one worker, one connection, requests in order."""

    def __init__(self, run: Host, record: Record) -> None:
        self._run = run
        self._record = record
        self.contract = run.contract
        self.settings = run.settings

    def request(self, probe: Probe) -> SignedRequest:
        """The probe's exact request, signed now (every timestamp fresh however long a run)."""
        s = self.settings
        return probe.request(
            int(time.time()), s.secret, s.operator_name, s.headers, scheme=self.contract.signature
        )

    def send(
        self, request: SignedRequest, *, type_name: str, title: str, origin: str = "battery"
    ) -> Exchange:
        """Send a request as built; raise `Stopped` if the run cannot go on."""
        started = time.perf_counter()
        try:
            exchange = self._run.sender.send(request)
        except Stopped as exc:
            if exc.refused:  # this request was refused a connection: a failure of its own
                failure = self._run.assessor.unanswered(
                    request, type_name=type_name, title=title, origin=origin, reason=str(exc)
                )
                self._record.failures.append(failure)
            raise
        seconds = time.perf_counter() - started
        with self._run.lock:
            self._run.sequenced.timed(request, type_name, title, seconds)
        return exchange

    def assess(
        self,
        exchange: Exchange,
        *,
        rule: str | None,
        type_name: str,
        title: str,
        origin: str = "battery",
        now: float | None = None,
        repeated: bool = False,
        record: bool = True,
    ) -> Failure | None:
        """Judge an exchange (under `rule`, or the judge's findings if None); record a failure.

        `now` is the receiver's clock the timestamp is judged by (default: now), `repeated` says
        the exact request was sent before; `record=False` returns the failure without keeping
        it (the caller may reword it, then `keep` it).
        """
        with self._run.lock:
            failure = self._run.assessor.assess(
                exchange,
                intended=rule,
                type_name=type_name,
                title=title,
                origin=origin,
                now=now,
                repeated=repeated,
            )
        if failure is not None and record:
            self._record.failures.append(failure)
        return failure

    def keep(self, failure: Failure) -> None:
        """Record a failure `assess(record=False)` returned."""
        self._record.failures.append(failure)

    @property
    def heard(self) -> bool:
        """True once the battery got an answer from a receiver of the contract."""
        return self._run.heard

    def observe(self, tag: str, type_name: str, title: str, status: int | None) -> None:
        """Feed an advisory (see `contract_tests.advisories`) with what the receiver answered."""
        self._record.observations.append(Observation(tag, type_name, title, status))

    def probe(self, probe: Probe) -> Exchange:
        """Sign, send and judge one probe, as the battery does; return the exchange."""
        exchange = self.send(self.request(probe), type_name=probe.type, title=probe.title)
        with self._run.lock:
            self._run.sequenced.fields.record(self._run.assessor, probe, exchange)
        self.assess(exchange, rule=probe.rule, type_name=probe.type, title=probe.title)
        if probe.advisory is not None:
            status = exchange.answer.status if exchange.answer is not None else None
            self.observe(probe.advisory, probe.type, probe.title, status)
        answer = exchange.answer
        if answer is not None:
            # Flags the workers share only ever turn on: a read-modify-write (`|=`) could turn
            # one off again, storing what it read before another worker set it.
            if probe.rule == "accept-valid" and answer.status == 200:
                self._run.accepted = True
            if not not_a_receiver(answer.status):
                self._run.heard = True
        return exchange
