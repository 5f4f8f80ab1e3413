"""What the judge says of one request: findings, allowances, and the expectation they make.

    expect ACCEPT  no findings and no allowances: the receiver must answer 200 with {"message": ...}
    expect REJECT  at least one binding finding: the receiver must answer a 4xx
    expect EITHER  only open findings or allowances: 200 or a 4xx are both acceptable

A *finding* is something a strict receiver (the mock) rejects; an *allowance* is something a
strict receiver accepts but the contract lets a receiver reject (an exact replay, an escaped lone
surrogate, a timestamp some seconds off). The mock answers from findings only, so allowances
widen what `verify` accepts without changing what the mock answers.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from typing import Any

from sms_hook import signing


class Expect(enum.Enum):
    """What the contract requires of a receiver for one request."""

    ACCEPT = "accept"
    REJECT = "reject"
    EITHER = "either"


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing wrong (or open to policy) with a request."""

    field: str
    reason: str
    status: int
    binding: bool
    rule: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


@dataclass(slots=True)
class Judgement:
    """The verdict on one request: its findings and what was understood of it."""

    findings: list[Finding] = field(default_factory=list)
    notification: dict[str, Any] | None = None
    type: str | None = None
    reading: signing.Reading | None = None
    allowances: list[Finding] = field(default_factory=list)
    """Accepted by a strict receiver, but the contract lets a receiver reject them too."""

    @property
    def expect(self) -> Expect:
        if any(f.binding for f in self.findings):
            return Expect.REJECT
        return Expect.EITHER if self.findings or self.allowances else Expect.ACCEPT

    @property
    def status(self) -> int:
        """The status a strict receiver answers: 200, or that of the first finding."""
        return self.findings[0].status if self.findings else 200

    @property
    def binding(self) -> list[Finding]:
        return [f for f in self.findings if f.binding]

    def add(self, field: str, reason: str, status: int, rule: str, *, binding: bool = True) -> None:
        self.findings.append(Finding(field, reason, status, binding, rule))

    def allow(self, field: str, reason: str, status: int, rule: str) -> None:
        self.allowances.append(Finding(field, reason, status, False, rule))


def show(value: Any, limit: int = 60) -> str:
    """Render a JSON value as a sender wrote it, shortened for messages.

    Non-ASCII is written as itself, except lone surrogates, which no terminal or UTF-8 file can
    carry: they are written as their JSON escape.
    """
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError):
        text = repr(value)
    if any("\ud800" <= c <= "\udfff" for c in text):
        text = "".join(f"\\u{ord(c):04x}" if "\ud800" <= c <= "\udfff" else c for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
