"""A verification run: the battery, then the generated cases, against one receiver URL.

Concurrency. Requests go out over `Settings.concurrency` keep-alive connections at once (one per
worker thread, plus the run's own for the first probe and shrinking; `sms_hook.wire` bounds each
exchange by its deadline). What may run in parallel:

- each independent battery probe (a `Probe`) is one task;
- an order-dependent group of probes is one task too, run by one worker on one connection, in
  order: put a `Sequence` in the battery instead of its probes. A `Sequence` has a `type`
  (its notification type) and a `run(lane)` method that gets a `Lane`:

      lane.probe(probe)                 sign now, send, judge, record: as any battery probe
      lane.send(request, type_name=..., title=...)  send a request as built; its `Exchange`
      lane.assess(exchange, rule=..., type_name=..., title=...)  judge it, record a failure
      lane.observe(tag, type_name, title, status)   feed an advisory (contract_tests.advisories)
      lane.request(probe)               the probe's request signed at this moment
      lane.contract / lane.settings

  Everything a lane sends goes out in order, one after the other, on the lane's connection;
  nothing else is sent on that connection meanwhile. `InOrder(type, probes)` is the simplest
  `Sequence`: probes that must be sent one after the other (e.g. a notification and its
  duplicate); an adaptive search (the replay-window search) implements `run` itself;
- the generated cases: hypothesis draws them one at a time here (schemathesis's strategies are
  not thread-safe), without sending, and the workers send each as it is drawn; only a stream
  with a failure is explored again, to shrink it (see `contract_tests.cases`).

The first battery probe goes out alone: it is the reachability check; then the rest of the
battery; then the generated cases, only if some probe was answered by a receiver (not only
redirects, 404 or 405, nor nothing at all).
Failures and advisories are recorded in battery order whatever order the answers came in, so a
report does not depend on timing. `Settings.max_time` is a budget for the whole run: the battery
always runs whole; the generated cases stop when it is spent and the result says what was left
out.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from contract_tests import generated
from contract_tests.advisories import Observation, advise, not_assessed
from contract_tests.battery import battery
from contract_tests.cases import Cases
from contract_tests.exchange import Sender, Stopped
from contract_tests.lane import InOrder, Lane, Record, Sequence
from contract_tests.probe import Probe
from contract_tests.result import Result
from contract_tests.rules import NO_SERVER_ERROR
from contract_tests.sequenced import Sequenced
from contract_tests.settings import (
    DEFAULT_CONCURRENCY,
    DEFAULT_MAX_EXAMPLES,
    MAX_CONCURRENCY,
    Settings,
)
from contract_tests.signer import sendable, token
from contract_tests.verdict import Assessor
from sms_hook import contract as contract_module
from sms_hook import wire
from sms_hook.contract import Contract
from sms_hook.errors import SmsHookError
from sms_hook.judge import Judge
from sms_hook.wire import mask


class Progress(Protocol):
    """Told what the run is doing, to show it on a terminal or in CI logs."""

    def phase(self, name: str, total: int) -> None: ...

    def advance(self) -> None: ...


class _Silent:
    def phase(self, name: str, total: int) -> None:
        pass

    def advance(self) -> None:
        pass


__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_MAX_EXAMPLES",
    "MAX_CONCURRENCY",
    "InOrder",
    "Lane",
    "Progress",
    "Sequence",
    "Settings",
    "verify",
]

Item = Probe | Sequence


def verify(
    settings: Settings, *, progress: Progress | None = None, contract: Contract | None = None
) -> Result:
    """Run the battery and the generated cases against `settings.url` and return the result.

    Raises `ReceiverUnreachable` if the first request cannot connect, and `SmsHookError` for
    settings no request can carry (before anything is sent).
    """
    _check_settings(settings)
    contract = contract or contract_module.load()
    seed = settings.seed if settings.seed is not None else secrets.randbelow(2**31)
    result = Result(mask(settings.url), seed, settings.max_examples, tuple(contract.types))
    result.started = time.time()
    clock = time.perf_counter()
    tls = wire.tls_for(settings.url, settings.tls_verify)
    with Sender(settings.url, settings.request_timeout, tls=tls) as sender:
        run = _Run(contract, settings, seed, sender, progress or _Silent(), result)
        try:
            run.run(clock)
        except Stopped as exc:
            result.stopped = str(exc)
        if sender.answered == 0 and result.stopped is None:
            result.stopped = (
                "no request was answered (every connection was closed, reset or timed out): "
                "nothing can be said of this receiver but that"
            )
        result.requests = sender.requests + run.sequenced.requests
        result.rate_limited = sender.rate_limited
    run.assessor.fill(result)
    result.advisories = advise(run.observations, contract.tolerance, accepted=run.accepted)
    run.sequenced.finish(result, run.observations)
    if not run.accepted:  # the clock advisory (fresh timestamps rejected) stands on its own
        kept = [a for a in result.advisories if a.rule == "advisory-replay-window"]
        others = [a for a in result.advisories if a.rule != "advisory-replay-window"]
        result.advisories = not_assessed(others) + kept
    result.seconds = time.perf_counter() - clock
    return result


def _check_settings(settings: Settings) -> None:
    """Refuse settings no request can carry, or no run can use: a usage error, not a verdict."""
    given = {"operator name": settings.operator_name}
    given.update((f"header {name}", value) for name, value in settings.headers.items())
    for what, value in given.items():
        if not sendable(value):
            raise SmsHookError(
                f"{what} {value!r}: an HTTP header value must be printable ASCII, "
                "without spaces at either end"
            )
    for name in settings.headers:
        if not token(name):
            raise SmsHookError(f"header name {name!r} is not an HTTP token")
    if not 1 <= settings.concurrency <= MAX_CONCURRENCY:
        raise SmsHookError(
            f"concurrency {settings.concurrency}: give 1 to {MAX_CONCURRENCY} connections"
        )


class _Run:
    def __init__(
        self,
        contract: Contract,
        settings: Settings,
        seed: int,
        sender: Sender,
        progress: Progress,
        result: Result,
    ) -> None:
        self.contract = contract
        self.settings = settings
        self.seed = seed
        self.sender = sender
        self.progress = progress
        self.result = result
        self.lock = threading.Lock()
        """Guards the assessor's counts and the progress display."""
        self.judge = Judge(
            contract,
            settings.secret,
            tolerance=contract.tolerance,
            required=settings.require_replay_protection,
        )
        self.assessor = Assessor(contract, self.judge, mask(settings.url), settings.headers)
        self.sequenced = Sequenced(
            contract,
            self.assessor,
            sender,
            settings,
        )
        """The order-dependent probes (retries, replay window, framings), timings, field map."""
        self.observations: list[Observation] = []
        self.accepted = False
        """True once a valid notification of the battery was accepted (200)."""
        self.heard = False
        """True once a battery probe got an answer that is not a redirect, 404 or 405: a
        receiver of the contract is there (else the generated cases would learn nothing)."""

    def advance(self) -> None:
        with self.lock:
            self.progress.advance()

    def run(self, started: float) -> None:
        """The battery and the generated cases; failures kept in that order, whatever the timing.

        The first probe goes alone (the reachability check), the rest of the battery over
        `concurrency` workers, then the generated cases (see `contract_tests.cases`).
        """
        items: list[Item] = [
            item for item in battery(self.contract, self.settings.secret) if self._wanted(item)
        ]
        if self.settings.only is None:  # retries, the replay window, framings: a lane each
            items += self.sequenced.tasks()
        records = [Record() for _ in items]
        drawn = Record()
        generating = self.settings.max_examples > 0 and self.settings.only is None
        streams = generated.streams(self.contract) if generating else []
        self.progress.phase(
            "contract battery" + (" and generated cases" if generating else ""),
            len(items) + len(streams) * self.settings.max_examples,
        )

        def item(index: int) -> None:
            probe, lane = items[index], Lane(self, records[index])
            if isinstance(probe, Probe):
                lane.probe(probe)
            else:
                probe.run(lane)
            self.advance()

        try:
            if items:
                item(0)
            # The battery first, then the generated cases: hypothesis, once drawing, hooks the
            # garbage collector, and a receiver in this very process (the test suite's) parsing
            # a deep-nesting probe at its recursion limit cannot afford that hook running.
            self._pool(item, range(1, len(items)))
            if self.heard:
                self._pool(item, (), lambda pool: Cases(self).run(streams, started, drawn, pool))
            elif streams and self.sender.answered:
                self.result.left_out = (
                    "the generated cases were not sent: every answer to the battery was a "
                    "redirect, 404 or 405 (no receiver of the contract answered at this URL)"
                )
        finally:
            for record in (*records, drawn):
                self.result.failures += record.failures
                self.observations += record.observations

    def _wanted(self, item: Item) -> bool:
        """True unless `--only` names another rule or type (sequences go only in a whole run)."""
        if self.settings.only is None:
            return True
        if not isinstance(item, Probe):
            return False
        rule, type_name = self.settings.only
        return rule in (item.rule, NO_SERVER_ERROR) and type_name in (None, item.type)

    def _pool(
        self,
        task: Callable[[int], None],
        indexes: Iterable[int],
        meanwhile: Callable[[ThreadPoolExecutor | None], None] | None = None,
    ) -> None:
        """Run `task(i)` for each index on `concurrency` workers, and `meanwhile(pool)` here.

        With `concurrency` 1 there is no pool: everything runs here, in order, and `meanwhile`
        gets None. The first `Stopped` (or other error) of a worker is raised once every task
        has ended.
        """
        todo = list(indexes)
        if self.settings.concurrency == 1:
            for index in todo:
                task(index)
            if meanwhile is not None:
                meanwhile(None)
            return
        with ThreadPoolExecutor(
            max_workers=self.settings.concurrency, thread_name_prefix="verify"
        ) as pool:
            futures = [pool.submit(task, index) for index in todo]
            try:
                if meanwhile is not None:
                    meanwhile(pool)
            finally:
                errors = [f.exception() for f in futures]
        for error in errors:
            if error is not None:
                raise error
