"""A verification run: the battery, then the generated cases, against one receiver URL.

Concurrency. Requests go out over `Settings.concurrency` keep-alive connections at once (one per
worker thread; `sms_hook.wire` bounds each exchange by its deadline). What may run in parallel:

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
- each notification type's generated streams are one task (hypothesis draws cases one by one).

The first battery probe goes out alone: it is the reachability check. Failures and advisories are
recorded in battery order whatever order the answers came in, so a report does not depend on
timing. `Settings.max_time` is a budget for the whole run: the battery always runs whole; the
generated cases stop when the budget is spent and the result says what was left out.
"""

from __future__ import annotations

import secrets
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Final, Protocol, runtime_checkable

from contract_tests import generated
from contract_tests.advisories import Observation, advise
from contract_tests.battery import battery
from contract_tests.exchange import Exchange, Sender, Stopped
from contract_tests.probe import Probe
from contract_tests.result import Failure, Result
from contract_tests.rules import NO_SERVER_ERROR
from contract_tests.sequenced import Sequenced
from contract_tests.signer import Sent, Signer, sendable, token
from contract_tests.verdict import Assessor
from sms_hook import contract as contract_module
from sms_hook.contract import Contract
from sms_hook.delivery import DEFAULT_OPERATOR, DEFAULT_TIMEOUT, SignedRequest
from sms_hook.errors import SmsHookError
from sms_hook.judge import Judge
from sms_hook.wire import mask

DEFAULT_MAX_EXAMPLES: Final = 25
"""Generated cases per type and stream (three streams per type)."""
DEFAULT_CONCURRENCY: Final = 4
"""Connections in use at once: enough to hide a slow receiver's latency, few enough for any."""
MAX_CONCURRENCY: Final = 32


@dataclass(frozen=True)
class Settings:
    """What to verify and how; the secret is never shown."""

    url: str
    secret: str = field(repr=False)
    operator_name: str = DEFAULT_OPERATOR
    seed: int | None = None
    """Same seed, same generated requests (timestamps and signatures aside); None draws one."""
    max_examples: int = DEFAULT_MAX_EXAMPLES
    request_timeout: float = DEFAULT_TIMEOUT
    """The deadline of each exchange: connect, send, and the last byte of the answer."""
    headers: Mapping[str, str] = field(default_factory=dict)
    """Added to every request (e.g. a gateway's credentials); masked in reports."""
    tls_verify: bool | str = True
    """True, False (--insecure), or the path of a CA bundle."""
    concurrency: int = DEFAULT_CONCURRENCY
    """Requests in flight at once, each on its own keep-alive connection (1: one at a time)."""
    max_time: float | None = None
    """Seconds for the whole run; the generated cases stop when it is spent (None: no budget)."""
    require_replay_protection: int | None = None
    """Strict replay mode: timestamps more than this many seconds off must be rejected."""
    only: tuple[str, str | None] | None = None
    """(rule, type or None): send only the battery's probes of that rule (`--only`)."""


class Progress(Protocol):
    """Told what the run is doing, to show it on a terminal or in CI logs."""

    def phase(self, name: str, total: int) -> None: ...

    def advance(self) -> None: ...


class _Silent:
    def phase(self, name: str, total: int) -> None:
        pass

    def advance(self) -> None:
        pass


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
    tls = _tls(settings.tls_verify) if settings.url.startswith("https:") else None
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


def _tls(verify: bool | str) -> ssl.SSLContext:
    """The TLS context of an https receiver: the system's CAs, a CA bundle, or no checks."""
    if verify is True:
        return ssl.create_default_context()
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    try:
        return ssl.create_default_context(cafile=verify)
    except (OSError, ssl.SSLError) as exc:
        raise SmsHookError(f"CA bundle {verify}: cannot be used ({exc})") from exc


@dataclass(slots=True)
class _Record:
    """What one task found, merged into the result in battery order."""

    failures: list[Failure] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)


class Lane:
    """What a `Sequence` sends through: one worker, one connection, requests in order."""

    def __init__(self, run: _Run, record: _Record) -> None:
        self._run = run
        self._record = record
        self.contract = run.contract
        self.settings = run.settings

    def request(self, probe: Probe) -> SignedRequest:
        """The probe's exact request, signed now (every timestamp fresh however long a run)."""
        s = self.settings
        return probe.request(int(time.time()), s.secret, s.operator_name, s.headers)

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
            if probe.rule == "accept-valid":
                self._run.accepted |= answer.status == 200
            self._run.heard |= not (300 <= answer.status < 400 or answer.status in (404, 405))
        return exchange


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
            sender.tls if sender.tls is not None else False,
            settings,
        )
        """The order-dependent probes (retries, replay window, framings), timings, field map."""
        self.observations: list[Observation] = []
        self.accepted = False
        """True once a valid notification of the battery was accepted (200)."""
        self.heard = False
        """True once a battery probe got an answer that is not a redirect, 404 or 405: a
        receiver of the contract is there (else the generated cases would learn nothing)."""

    def _advance(self) -> None:
        with self.lock:
            self.progress.advance()

    def run(self, started: float) -> None:
        """The battery and the generated cases; failures kept in that order, whatever the timing.

        The first probe goes alone (the reachability check). Then, with `concurrency` N > 1, the
        rest of the battery runs on N - 1 workers while the generated cases (drawn one by one by
        hypothesis) go out from this thread on a connection of their own.
        """
        items: list[Item] = [
            item for item in battery(self.contract, self.settings.secret) if self._wanted(item)
        ]
        if self.settings.only is None:  # retries, the replay window, framings: a lane each
            items += self.sequenced.tasks()
        records = [_Record() for _ in items]
        drawn = _Record()
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
            self._advance()

        try:
            if items:
                item(0)
            rest = range(1, len(items))
            if self.heard:  # a receiver answered: the generated cases go out meanwhile
                self._pool(item, rest, meanwhile=lambda: self.generate(streams, started, drawn))
            else:
                self._pool(item, rest)
                if self.heard:
                    self.generate(streams, started, drawn)
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
        meanwhile: Callable[[], None] | None = None,
    ) -> None:
        """Run `task(i)` for each index on the run's workers, and `meanwhile()` on this thread.

        With `concurrency` N, N - 1 workers when something runs meanwhile (it has a connection
        of its own), N otherwise; 1 runs everything here, in order. The first `Stopped` (or
        other error) of a worker is raised once every task has ended.
        """
        todo = list(indexes)
        workers = self.settings.concurrency - (meanwhile is not None)
        if workers < 1 or not todo:
            for index in todo:
                task(index)
            if meanwhile is not None:
                meanwhile()
            return
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="verify") as pool:
            futures = [pool.submit(task, index) for index in todo]
            try:
                if meanwhile is not None:
                    meanwhile()
            finally:
                errors = [f.exception() for f in futures]
        for error in errors:
            if error is not None:
                raise error

    def generate(self, streams: list[generated.Stream], started: float, record: _Record) -> None:
        """Draw, send and judge the generated cases, stream after stream, from this thread.

        Schemathesis's strategies are not thread-safe (drawn from several threads at once they
        fail hypothesis's consistency checks): the streams never run in parallel.
        """
        budget = self.settings.max_time
        deadline = None if budget is None else started + budget
        signer = Signer(
            self.contract,
            self.settings.secret,
            self.settings.operator_name,
            dict(self.settings.headers),
        )
        sent: dict[Sent, Failure | None] = {}
        lane = Lane(self, record)
        left_out: list[str] = []
        for stream in streams:
            if deadline is not None and time.perf_counter() >= deadline:
                left_out.append(f"{stream.type} {stream.label}")
                continue
            try:
                record.failures += generated.explore(
                    self.contract,
                    stream,
                    signer,
                    self._attempt(lane, deadline),
                    seed_value=self.seed,
                    max_examples=self.settings.max_examples,
                    sent=sent,
                    on_case=self._advance,
                )
            except _OutOfTime:
                left_out.append(f"{stream.type} {stream.label} (in part)")
        if left_out:
            self.result.left_out = (
                f"--max-time {budget:g} s was spent before every generated case was sent; "
                f"left out: {', '.join(left_out)}"
            )

    def _attempt(
        self, lane: Lane, deadline: float | None
    ) -> Callable[[SignedRequest, generated.Stream], Failure | None]:
        def attempt(request: SignedRequest, stream: generated.Stream) -> Failure | None:
            if deadline is not None and time.perf_counter() >= deadline:
                raise _OutOfTime("the --max-time budget is spent")
            title = f"generated by schemathesis ({stream.label})"
            exchange = lane.send(request, type_name=stream.type, title=title, origin="generated")
            with self.lock:
                return self.assessor.assess(
                    exchange, intended=None, type_name=stream.type, title=title, origin="generated"
                )

        return attempt


class _OutOfTime(Stopped):
    """The run's --max-time budget is spent: the generated case is not sent."""
