"""The outcome of a verification run: failures, advisories, and what was checked."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from contract_tests.rules import ANY_TYPE, FAILING

if TYPE_CHECKING:
    from contract_tests.fieldmap import FieldMap
    from contract_tests.timing import Summary


@dataclass(frozen=True, slots=True)
class Failure:
    """One answer that broke the contract, with what it takes to reproduce it."""

    rule: str
    type: str
    title: str
    """What the request was (the battery's description, or the generation mode)."""
    origin: str
    """"battery" or "generated"."""
    expected: str
    got: str
    problems: tuple[str, ...]
    status: int | None
    """The answer's status (None: no answer)."""
    curl: str
    """A curl command that sends this exact request (body inline; see `sms_hook.repro`)."""
    timestamp: str | None
    """The timestamp the request was signed with; it ages, so a receiver may reject a replay."""
    expect: str = ""
    """What the judge required: "accept", "reject" or "either"."""
    cause: str = ""
    """The id of the cause this failure is grouped under (see `contract_tests.causes`)."""
    value: str | None = None
    """The value the cause is about (e.g. `true` for an unchecked integer), as JSON."""
    headers: tuple[tuple[str, str], ...] = ()
    """The headers exactly as sent, in order (values given with --header masked)."""
    body: bytes = b""
    """The body bytes exactly as sent."""
    answer_headers: tuple[tuple[str, str], ...] = ()
    """The answer's headers that explain a cause (www-authenticate, location, date, ...)."""

    @property
    def size(self) -> int:
        """How big the request is: the smallest one of a cause is the one shown."""
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers)


@dataclass(frozen=True, slots=True)
class Advisory:
    """A finding about the receiver that is never a failure."""

    rule: str
    message: str
    notable: bool
    """True when the receiver's owner should consider acting on it."""


@dataclass(slots=True)
class Result:
    """Everything a report needs about one run against one receiver."""

    url: str
    seed: int
    max_examples: int
    types: tuple[str, ...]
    started: float = 0.0
    seconds: float = 0.0
    requests: int = 0
    rate_limited: int = 0
    """Answers 429 (a gateway's rate limit) that were waited out and the request sent again."""
    checked: Counter[tuple[str, str]] = field(default_factory=Counter)
    """How many requests were checked under each (rule, type)."""
    failed: Counter[tuple[str, str]] = field(default_factory=Counter)
    """How many of them failed (every failing request, battery and generated, shrinking too)."""
    crashed: Counter[tuple[str, str]] = field(default_factory=Counter)
    """Requests of each (rule, type) answered with a 5xx or not at all: reported under
    `no-server-error`, and scored as failures of their own rule's category too."""
    by_cause: Counter[str] = field(default_factory=Counter)
    """How many failing requests each cause explains."""
    statuses: Counter[int | None] = field(default_factory=Counter)
    """The status of every answer judged (None: no answer)."""
    clock_skew: float | None = None
    """Seconds the receiver's clock (its Date header) is ahead of ours; None if never told."""
    failures: list[Failure] = field(default_factory=list)
    advisories: list[Advisory] = field(default_factory=list)
    stopped: str | None = None
    """Why the run stopped before sending everything, if it did."""
    field_map: FieldMap = field(default_factory=dict)
    """Per type, field × kind of case: accepted or rejected, and whether the contract agrees."""
    timing: list[Summary] = field(default_factory=list)
    """Answer times per type (p50, p95, max)."""
    replay_window: str | None = None
    """The measured replay window ("accepts −300 s … +300 s"), if it was measured."""
    left_out: str | None = None
    """What the --max-time budget left out of the generated cases, if anything (not a failure)."""

    @property
    def conforms(self) -> bool:
        return not self.failures and self.stopped is None

    @property
    def columns(self) -> tuple[str, ...]:
        """The notification types, then `any` for probes without one."""
        return (*self.types, ANY_TYPE)

    def cells(self) -> list[tuple[str, str]]:
        """Every (rule, type) that was checked or failed, in report order: one JUnit test each."""
        seen = set(self.checked) | {(f.rule, f.type) for f in self.failures}
        return [(r, t) for r in FAILING for t in self.columns if (r, t) in seen]

    def failures_in(self, rule: str, type_name: str) -> list[Failure]:
        """The failures kept for a cell: the battery's, and the smallest generated one per rule."""
        return [f for f in self.failures if f.rule == rule and f.type == type_name]

    def failing(self, rule: str, type_name: str) -> int:
        """How many requests of a cell failed (at least as many as were kept)."""
        return max(self.failed[(rule, type_name)], len(self.failures_in(rule, type_name)))

    def broken_rules(self) -> list[str]:
        """The rules with at least one failure, in catalogue order."""
        broken = {f.rule for f in self.failures}
        return [r for r in FAILING if r in broken]
