"""Generated cases: schemathesis draws requests from the OpenAPI document, sms-hook signs them.

For each notification type, three streams are drawn with hypothesis from a per-type copy of the
document (so the discriminator is honoured): valid notifications with exactly the documented
fields, valid ones with extra fields, and negative cases (schemathesis's mutations of headers
and body). Each case is then made into the exact request that goes out:

* the body is compact JSON in the canonical key order (bytes stay bytes), and whitespace inside
  string values is replaced, so the two readings of "all spaces removed" agree;
* a header the case leaves out stays out; a header whose generated value breaks its schema
  (an empty or non-hex signature, a non-numeric timestamp) is kept as the mutation meant it;
* a header that fits its schema gets the real value: a fresh timestamp, the signature over that
  timestamp and the exact bytes sent, the operator name of the run.

The verdict comes from re-judging that final request. A failure is shrunk by hypothesis (within
a budget of requests and seconds) and the shrunk case, judged again, is what gets reported.
"""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given, reject, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core import NotSet

from contract_tests.exchange import Stopped, Unsendable
from contract_tests.result import Failure
from contract_tests.rules import FAILING
from sms_hook import signing
from sms_hook.contract import Contract
from sms_hook.delivery import SignedRequest
from sms_hook.judge import SAFE_INTEGER

SHRINK_REQUESTS: Final = 30
SHRINK_SECONDS: Final = 4.0
"""Shrinking sends requests; past these, the smallest failure found so far is reported."""

# Headers that frame the HTTP message: a generated header by one of these names would break the
# request itself, not test the receiver.
_FRAMING: Final = frozenset(
    {
        "content-length",
        "transfer-encoding",
        "host",
        "connection",
        "content-type",
        "expect",
        "upgrade",
        "te",
        "trailer",
        "keep-alive",
    }
)
_TOKEN: Final = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


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
    root = _component(schemas, content["schema"])
    ref = root["discriminator"]["mapping"][stream.type]
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


@dataclass(frozen=True, slots=True)
class Signer:
    """Turns a generated case into the exact request that goes out (see the module docstring)."""

    contract: Contract
    secret: str
    operator_name: str
    extra: Mapping[str, str] = field(default_factory=dict)

    def request(self, case: schemathesis.Case[Any], now: int) -> SignedRequest | None:
        """Return the request for a case, or None if HTTP cannot carry it."""
        body = self._body(case.body)
        if body is None:
            return None
        given_headers = {str(k).lower(): str(v) for k, v in case.headers.items()}
        schemas = {h.name: h.schema for h in self.contract.headers}
        headers = {"content-type": case.media_type or self.contract.media_type}
        timestamp = given_headers.get("timestamp")
        if timestamp is not None and _fits(timestamp, schemas.get("timestamp", {})):
            timestamp = str(now)
        for name, value in given_headers.items():
            if name == "timestamp":
                headers[name] = timestamp or ""
            elif name == "operator-name":
                fits = _fits(value, schemas.get(name, {}))
                headers[name] = self.operator_name if fits else value
            elif name == "signature":
                fits = _fits(value, schemas.get(name, {}))
                headers[name] = signing.sign(self.secret, timestamp or "", body) if fits else value
            elif name not in _FRAMING:
                headers[name] = value
        headers.update(self.extra)
        if not all(_TOKEN.fullmatch(n) and _sendable(v) for n, v in headers.items()):
            return None
        return SignedRequest(headers, body)

    def _body(self, body: Any) -> bytes | None:
        if isinstance(body, NotSet):
            return b""
        if isinstance(body, bytes):
            return body
        value = despaced(body)
        try:
            if isinstance(value, dict):
                return signing.canonical_body(value, self.contract.field_order)
            return json.dumps(
                value, separators=(",", ":"), ensure_ascii=False, allow_nan=False
            ).encode()
        except (ValueError, UnicodeEncodeError):  # NaN, or a lone surrogate: not JSON in UTF-8
            return None


def despaced(value: Any) -> Any:
    """Return a JSON value with every whitespace character in its strings (keys too) made `_`."""
    if isinstance(value, str):
        return "".join("_" if c.isspace() else c for c in value)
    if isinstance(value, dict):
        return {despaced(k): despaced(v) for k, v in value.items()}
    if isinstance(value, list):
        return [despaced(v) for v in value]
    return value


def _header_examples(contract: Contract) -> dict[str, str]:
    """Return the document's example value of each header parameter (each fits its schema)."""
    operation = contract.document["paths"][contract.path][contract.method.lower()]
    examples: dict[str, str] = {}
    for listed in operation.get("parameters", ()):
        ref = listed.get("$ref", "")
        parameter = listed
        if ref.startswith("#/components/parameters/"):
            parameter = contract.document["components"]["parameters"][ref.rsplit("/", 1)[1]]
        if parameter.get("in") != "header":
            continue
        example = parameter.get("example", parameter.get("schema", {}).get("example"))
        if not isinstance(example, str) or not _fits(example, parameter.get("schema", {})):
            raise ValueError(f"header {parameter.get('name')}: no example that fits its schema")
        examples[parameter["name"]] = example
    return examples


def _fits(value: str, schema: Mapping[str, Any]) -> bool:
    if len(value) < int(schema.get("minLength", 0)):
        return False
    pattern = schema.get("pattern")
    return pattern is None or re.search(pattern, value) is not None


def _sendable(value: str) -> bool:
    return value == value.strip() and value.isascii() and value.isprintable()


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


class _Enough(BaseException):
    """Raised inside hypothesis to end a stream's run once the shrinking budget is spent.

    A BaseException that is not an Exception is not a test failure to hypothesis: it ends the run
    at once, without shrinking it or replaying anything.
    """


@dataclass(slots=True)
class _Budget:
    memo: dict[str, Failure | None] = field(default_factory=dict)
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
    on_case: Callable[[], None] | None = None,
) -> list[Failure]:
    """Draw up to `max_examples` cases of a stream, send each, and return the shrunk failures.

    `attempt` sends one request and returns its failure (None if the answer meets the contract);
    it may raise `Unsendable` (the case is skipped) or `Stopped` (re-raised). For each rule that
    failed, the smallest failing request sent is returned: hypothesis shrinks towards it until
    it is minimal or the budget (`SHRINK_REQUESTS`, `SHRINK_SECONDS`) is spent.
    """
    schema = schemathesis.openapi.from_dict(
        document_for(contract, stream), config=schemathesis.Config()
    )
    operation = schema[contract.path][contract.method]
    if stream.mode is GenerationMode.POSITIVE:
        # Valid headers are replaced by real ones anyway; fixing them skips costly regex draws.
        strategy = operation.as_strategy(
            generation_mode=stream.mode, headers=_header_examples(contract)
        )
    else:
        strategy = operation.as_strategy(generation_mode=stream.mode)
    budget = _Budget()

    @seed(seed_value)
    @settings(
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
    @given(strategy)
    def run_case(case: schemathesis.Case[Any]) -> None:
        key = repr((sorted(case.headers.items()), case.body, case.media_type))
        if key in budget.memo:
            failure = budget.memo[key]
        else:
            if budget.exhausted():
                raise _Enough
            request = signer.request(case, int(time.time()))
            if request is None:
                reject()
            try:
                failure = attempt(request, stream)
            except Unsendable:
                reject()
            except Stopped as exc:  # not a failing case: end the run, raise it after
                budget.stopped = exc
                raise _Enough from exc
            budget.memo[key] = failure
            if budget.failed_at is not None:
                budget.after_failure += 1
            if failure is not None:
                budget.keep(failure, request)
            if on_case is not None:
                on_case()
        if failure is not None:
            raise _RAISED[failure.rule](failure)

    try:
        run_case()
    except (_Enough, Unsatisfiable):
        pass
    except BaseException as exc:
        if not _only_case_failures(exc):
            raise
    if budget.stopped is not None:
        raise budget.stopped
    return [failure for _, failure in budget.smallest.values()]


def _only_case_failures(exc: BaseException) -> bool:
    """True if hypothesis raised nothing but the failures the cases raised."""
    if isinstance(exc, CaseFailed):
        return True
    if isinstance(exc, BaseExceptionGroup):
        return all(_only_case_failures(inner) for inner in exc.exceptions)
    return False
