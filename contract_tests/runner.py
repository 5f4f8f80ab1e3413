"""A verification run: the battery, then the generated cases, against one receiver URL."""

from __future__ import annotations

import secrets
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Protocol

import httpx

from contract_tests import generated
from contract_tests.advisories import Observation, advise
from contract_tests.battery import battery
from contract_tests.exchange import Exchange, Sender, Stopped
from contract_tests.probe import Probe
from contract_tests.result import Failure, Result
from contract_tests.rules import NO_SERVER_ERROR
from contract_tests.sequenced import SEQUENCED_REQUESTS, Sequenced
from contract_tests.signer import Sent, Signer, sendable, token
from contract_tests.verdict import Assessor
from sms_hook import contract as contract_module
from sms_hook.contract import Contract
from sms_hook.delivery import DEFAULT_OPERATOR, DEFAULT_TIMEOUT, SignedRequest
from sms_hook.errors import SmsHookError
from sms_hook.judge import Judge

DEFAULT_MAX_EXAMPLES: Final = 25
"""Generated cases per type and stream (three streams per type)."""


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
    headers: Mapping[str, str] = field(default_factory=dict)
    """Added to every request (e.g. a gateway's credentials); masked in reports."""
    tls_verify: bool | str = True
    """True, False (--insecure), or the path of a CA bundle."""
    only: tuple[str, str | None] | None = None
    """(rule, type or None): send only the battery's probes of that rule (`--only`)."""
    require_replay_protection: int | None = None
    """Strict replay mode: timestamps more than this many seconds off must be rejected."""


class Progress(Protocol):
    """Told what the run is doing, to show it on a terminal or in CI logs."""

    def phase(self, name: str, total: int) -> None: ...

    def advance(self) -> None: ...


class _Silent:
    def phase(self, name: str, total: int) -> None:
        pass

    def advance(self) -> None:
        pass


def verify(
    settings: Settings, *, progress: Progress | None = None, contract: Contract | None = None
) -> Result:
    """Run the battery and the generated cases against `settings.url` and return the result.

    Raises `ReceiverUnreachable` if the first request cannot connect, and `SmsHookError` for
    settings no request can carry (before anything is sent).
    """
    _check_sendable(settings)
    contract = contract or contract_module.load()
    seed = settings.seed if settings.seed is not None else secrets.randbelow(2**31)
    result = Result(settings.url, seed, settings.max_examples, tuple(contract.types))
    result.started = time.time()
    clock = time.perf_counter()
    timeout = httpx.Timeout(settings.request_timeout)
    with httpx.Client(
        timeout=timeout, verify=_tls(settings.tls_verify), follow_redirects=False
    ) as client:
        run = _Run(
            contract,
            settings,
            seed,
            Sender(client, settings.url, settings.request_timeout),
            progress or _Silent(),
            result,
        )
        try:
            run.battery()
            run.sequences()
            run.generate()
        except Stopped as exc:
            result.stopped = str(exc)
        result.requests = run.sender.requests + run.sequenced.requests
        result.rate_limited = run.sender.rate_limited
    run.assessor.fill(result)
    result.advisories = advise(run.observations, contract.tolerance)
    run.sequenced.finish(result, run.observations)
    result.seconds = time.perf_counter() - clock
    return result


def _check_sendable(settings: Settings) -> None:
    """Refuse an operator name or header that HTTP cannot carry: a usage error, not a verdict."""
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


def _tls(verify: bool | str) -> bool | ssl.SSLContext:
    """httpx takes a CA bundle as an SSL context (a path string is deprecated)."""
    if not isinstance(verify, str):
        return verify
    try:
        return ssl.create_default_context(cafile=verify)
    except (OSError, ssl.SSLError) as exc:
        raise SmsHookError(f"CA bundle {verify}: cannot be used ({exc})") from exc


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
        self.judge = Judge(
            contract,
            settings.secret,
            tolerance=contract.tolerance,
            required=settings.require_replay_protection,
        )
        self.assessor = Assessor(contract, self.judge, settings.url, settings.headers)
        self.observations: list[Observation] = []
        self.sequenced = Sequenced(
            contract,
            self.assessor,
            sender,
            _tls(settings.tls_verify),
            settings.request_timeout,
        )

    def battery(self) -> None:
        probes = [p for p in battery(self.contract, self.settings.secret) if self._wanted(p)]
        self.progress.phase("contract battery", len(probes))
        for probe in probes:
            request = probe.request(
                int(time.time()),
                self.settings.secret,
                self.settings.operator_name,
                self.settings.headers,
            )
            exchange = self._send(request, "battery", probe.type, probe.title)
            self.sequenced.fields.record(self.assessor, probe, exchange)
            failure = self.assessor.assess(
                exchange,
                intended=probe.rule,
                type_name=probe.type,
                title=probe.title,
                origin="battery",
            )
            if failure is not None:
                self.result.failures.append(failure)
            if probe.advisory is not None:
                self._observe(probe, exchange)
            self.progress.advance()

    def _wanted(self, probe: Probe) -> bool:
        if self.settings.only is None:
            return True
        rule, type_name = self.settings.only
        return (rule in (probe.rule, NO_SERVER_ERROR)) and type_name in (None, probe.type)

    def generate(self) -> None:
        if self.settings.max_examples <= 0 or self.settings.only is not None:
            return
        signer = Signer(
            self.contract,
            self.settings.secret,
            self.settings.operator_name,
            dict(self.settings.headers),
        )
        sent: dict[Sent, Failure | None] = {}
        for stream in generated.streams(self.contract):
            self.progress.phase(
                f"generated {stream.type}, {stream.label}", self.settings.max_examples
            )
            failures = generated.explore(
                self.contract,
                stream,
                signer,
                self._attempt,
                seed_value=self.seed,
                max_examples=self.settings.max_examples,
                sent=sent,
                on_case=self.progress.advance,
            )
            self.result.failures += failures

    def _attempt(self, request: SignedRequest, stream: generated.Stream) -> Failure | None:
        title = f"generated by schemathesis ({stream.label})"
        exchange = self._send(request, "generated", stream.type, title)
        return self.assessor.assess(
            exchange, intended=None, type_name=stream.type, title=title, origin="generated"
        )

    def sequences(self) -> None:
        """The order-dependent probes: retries, the replay window, framings (sent in order)."""
        settings = self.settings
        if settings.only is not None:  # --only: the battery's probes of one rule, nothing else
            return
        self.progress.phase("retries, replay window, framings", SEQUENCED_REQUESTS)
        self.sequenced.run(
            settings.secret,
            settings.operator_name,
            settings.headers,
            settings.require_replay_protection,
            self.result,
            self.progress.advance,
        )

    def _send(self, request: SignedRequest, origin: str, type_name: str, title: str) -> Exchange:
        started = time.perf_counter()
        try:
            exchange = self.sender.send(request)
            self.sequenced.timed(request, type_name, title, time.perf_counter() - started)
            return exchange
        except Stopped as exc:
            if not exc.refused:  # nothing was sent: the run just ends here
                raise
            self.result.failures.append(
                self.assessor.unanswered(
                    request, type_name=type_name, title=title, origin=origin, reason=str(exc)
                )
            )
            raise

    def _observe(self, probe: Probe, exchange: Exchange) -> None:
        status = exchange.answer.status if exchange.answer is not None else None
        self.observations.append(Observation(probe.advisory or "", probe.type, probe.title, status))
