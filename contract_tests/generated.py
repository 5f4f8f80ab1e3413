"""Generated cases: schemathesis draws requests from the OpenAPI document, sms-hook signs them.

For each notification type, three streams are drawn with hypothesis from a per-type copy of the
document (its body is that type's `oneOf` variant): valid notifications with exactly the documented
fields, valid ones with extra fields, and negative cases (schemathesis's mutations of headers
and body). Each case is made into the exact request that goes out by `contract_tests.signer`.

The verdict comes from judging that final request, never from what schemathesis meant. A failure
is shrunk by hypothesis within a budget of requests and seconds; for each rule broken, the
smallest failing request is reported, with the verdict it got when it was sent.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given, reject, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from contract_tests.exchange import Stopped, Unsendable
from contract_tests.result import Failure
from contract_tests.rules import FAILING
from contract_tests.signer import Sent, Signer, header_examples
from sms_hook.contract import Contract
from sms_hook.delivery import SignedRequest
from sms_hook.judge import SAFE_INTEGER

SHRINK_REQUESTS: Final = 30
SHRINK_SECONDS: Final = 4.0
"""Shrinking sends requests; past these, the smallest failure found so far is reported."""


@dataclass(frozen=True, slots=True)
class Stream:
    """One stream of generated cases for one notification type."""

    type: str
    label: str
    mode: GenerationMode
    closed: bool
    """True: `additionalProperties: false` and integers within ±(2^53−1) (exactly the fields)."""


def streams(contract: Contract) -> list[Stream]:
    """Return the streams of a run, type by type."""
    return [
        Stream(t, label, mode, closed)
        for t in contract.types
        for label, mode, closed in (
            ("valid", GenerationMode.POSITIVE, True),
            ("extra fields", GenerationMode.POSITIVE, False),
            ("negative", GenerationMode.NEGATIVE, True),
        )
    ]


def document_for(contract: Contract, stream: Stream) -> dict[str, Any]:
    """Return a copy of the OpenAPI document whose request body is the stream's type only."""
    document = copy.deepcopy(dict(contract.document))
    operation = document["paths"][contract.path][contract.method.lower()]
    content = operation["requestBody"]["content"][contract.media_type]
    content.pop("examples", None)  # they cover every type; this copy describes one
    schemas = document["components"]["schemas"]
    ref = contract.types[stream.type].schema_ref
    content["schema"] = {"$ref": ref}
    if stream.closed:
        variant = _component(schemas, {"$ref": ref})
        variant["additionalProperties"] = False
        data = _component(schemas, variant["properties"]["data"])
        data["additionalProperties"] = False
        for prop in data["properties"].values():
            if prop.get("type") == "integer":
                prop.setdefault("minimum", -SAFE_INTEGER)
                prop.setdefault("maximum", SAFE_INTEGER)
    return document


def _component(schemas: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    prefix = "#/components/schemas/"
    if not isinstance(ref, str) or not ref.startswith(prefix):
        raise ValueError(f"$ref: {ref!r} is not a component schema")
    found: dict[str, Any] = schemas[ref[len(prefix) :]]
    return found


class CaseFailed(Exception):
    """Raised inside hypothesis for a failing case, so that hypothesis shrinks it."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(f"{failure.rule}: {'; '.join(failure.problems)}")
        self.failure = failure


# One class per rule, so that hypothesis shrinks failures of different rules separately.
_RAISED: Final = {
    rule: type(f"CaseFailed_{rule.replace('-', '_')}", (CaseFailed,), {}) for rule in FAILING
}

Attempt = Callable[[SignedRequest, Stream], "Failure | None"]


class OutOfTime(Stopped):
    """The run's time budget (--max-time) is spent: raised by an attempt instead of sending.

    `explore` raises it again with `found`: the failures of the cases sent before, shrunk as far
    as the budget allowed (a spent budget is no reason to forget what was seen failing).
    """

    def __init__(self, reason: str, *, found: Sequence[Failure] = ()) -> None:
        super().__init__(reason)
        self.found = list(found)


class _Enough(BaseException):
    """Raised inside hypothesis to end a stream's run once the shrinking budget is spent.

    A BaseException that is not an Exception is not a test failure to hypothesis: it ends the run
    at once, without shrinking it or replaying anything.
    """


@dataclass(slots=True)
class _Budget:
    smallest: dict[str, tuple[int, Failure]] = field(default_factory=dict)
    failed_at: float | None = None
    after_failure: int = 0
    stopped: Stopped | None = None

    def exhausted(self) -> bool:
        if self.failed_at is None:
            return False
        return (
            self.after_failure >= SHRINK_REQUESTS
            or time.monotonic() - self.failed_at > SHRINK_SECONDS
        )

    def keep(self, failure: Failure, request: SignedRequest) -> None:
        """Remember a failure if it is the smallest request seen failing its rule."""
        size = len(request.body) + sum(len(k) + len(v) for k, v in request.headers.items())
        if failure.rule not in self.smallest or size < self.smallest[failure.rule][0]:
            self.smallest[failure.rule] = (size, failure)

    def outcome(self) -> list[Failure]:
        """The stream's smallest failures; or the stop that ended it, raised (out of time: with
        those failures as `found`)."""
        found = [failure for _, failure in self.smallest.values()]
        if isinstance(self.stopped, OutOfTime):
            raise OutOfTime(str(self.stopped), found=found) from self.stopped
        if self.stopped is not None:
            raise self.stopped
        return found

    def failed(self) -> None:
        """Start the shrinking budget at the stream's first failure."""
        if self.failed_at is None:
            self.failed_at = time.monotonic()


def explore(
    contract: Contract,
    stream: Stream,
    signer: Signer,
    attempt: Attempt,
    *,
    seed_value: int,
    max_examples: int,
    sent: dict[Sent, Failure | None] | None = None,
    on_case: Callable[[], None] | None = None,
    drawn: list[tuple[schemathesis.Case[Any], Sent]] | None = None,
    prefetched: Mapping[Sent, Failure | None] | None = None,
) -> list[Failure]:
    """Draw up to `max_examples` cases of a stream, send each, and return the shrunk failures.

    `attempt` sends one request and returns its failure (None if the answer meets the contract);
    it may raise `Unsendable` (the case is skipped), `Stopped` (re-raised) or `OutOfTime` (re-raised
    with the failures found so far). For each rule that
    failed, the smallest failing request sent is returned: hypothesis shrinks towards it until
    it is minimal or the budget (`SHRINK_REQUESTS`, `SHRINK_SECONDS`) is spent.

    `sent` remembers the verdict of every request sent (share it across a run's streams): a
    case that comes out as a request already sent is not sent again. Besides saving requests,
    this keeps a receiver that refuses a repeated signature (replay protection by nonce) from
    being sent the same valid request twice.

    Sending ahead (the runner does it to send over several connections at once): with `drawn`,
    nothing is sent and every case passes; each new case is appended to `drawn` with its key,
    in the order of a run whose cases all pass. `prefetched` then holds the verdicts of those
    cases, sent meanwhile: the same seed draws the same cases, and a case found there counts as
    sent now (a failure among them is shrunk as usual, sending what is not there).
    """
    strategy = _strategy(contract, stream)
    budget = _Budget()
    memo = {} if sent is None else sent

    @seed(seed_value)
    @_settings(max_examples)
    @given(strategy)
    def run_case(case: schemathesis.Case[Any]) -> None:
        signed = signer.signed(case, int(time.time()))
        if signed is None:
            reject()
        request, key = signed
        if drawn is not None:  # drawing only: every case passes, nothing is sent
            if key not in memo:
                memo[key] = None
                drawn.append((case, key))
            return
        if key in memo:
            failure = memo[key]
        else:
            if prefetched is not None and key in prefetched:
                failure = prefetched[key]  # sent already, ahead of time: as if sent now
            else:
                if budget.exhausted():
                    raise _Enough
                try:
                    failure = attempt(request, stream)
                except Unsendable:
                    reject()
                except Stopped as exc:  # not a failing case: end the run, raise it after
                    budget.stopped = exc
                    raise _Enough from exc
                if budget.failed_at is not None:
                    budget.after_failure += 1
            memo[key] = failure
            if failure is not None:
                budget.keep(failure, request)
            if on_case is not None:
                on_case()
        if failure is not None:
            budget.failed()
            raise _RAISED[failure.rule](failure)

    try:
        run_case()
    except (_Enough, Unsatisfiable):
        pass
    except BaseException as exc:
        if not _only_case_failures(exc):
            raise
    return budget.outcome()


def _strategy(contract: Contract, stream: Stream) -> Any:
    """Schemathesis's strategy of cases for a stream."""
    schema = schemathesis.openapi.from_dict(
        document_for(contract, stream), config=schemathesis.Config()
    )
    operation = schema[contract.path][contract.method]
    if stream.mode is GenerationMode.POSITIVE:
        # Valid headers are replaced by real ones anyway; fixing them skips costly regex draws.
        return operation.as_strategy(generation_mode=stream.mode, headers=header_examples(contract))
    return operation.as_strategy(generation_mode=stream.mode)


def _settings(max_examples: int) -> settings:
    """Hypothesis's settings of a stream: no database, no deadline, quiet, shrink by rule."""
    return settings(
        max_examples=max_examples,
        database=None,
        deadline=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.generate, Phase.shrink),
        verbosity=Verbosity.quiet,
        report_multiple_bugs=True,
        print_blob=False,
    )


def _only_case_failures(exc: BaseException) -> bool:
    """True if hypothesis raised nothing but the failures the cases raised."""
    if isinstance(exc, CaseFailed):
        return True
    if isinstance(exc, BaseExceptionGroup):
        return all(_only_case_failures(inner) for inner in exc.exceptions)
    return False
