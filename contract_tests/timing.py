"""How long the receiver took to answer: p50, p95 and max per type, and slow valid answers.

Common webhook senders wait 5 to 10 s for an answer. The request timeout (10 s by default) is
the failure line (`no-server-error`); a valid notification answered in more than `SLOW` s is
reported, never failed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Final

from contract_tests.result import Advisory

SLOW: Final = 5.0
RULE: Final = "advisory-timing"


@dataclass(frozen=True, slots=True)
class Summary:
    """One type's answer times, in seconds."""

    type: str
    count: int
    p50: float
    p95: float
    max: float


@dataclass(slots=True)
class Timings:
    """Every answer's time by type, and the valid notifications answered slowly."""

    seconds: dict[str, list[float]] = field(default_factory=dict)
    slow: list[tuple[str, str, float]] = field(default_factory=list)
    """(type, title, seconds) of valid notifications answered in more than `SLOW` s."""

    def record(self, type_name: str, title: str, seconds: float, *, valid: bool) -> None:
        self.seconds.setdefault(type_name, []).append(seconds)
        if valid and seconds > SLOW:
            self.slow.append((type_name, title, seconds))

    def summaries(self) -> list[Summary]:
        return [
            Summary(t, len(s), _quantile(s, 0.5), _quantile(s, 0.95), max(s))
            for t, s in self.seconds.items()
            if s
        ]

    def advisory(self) -> Advisory | None:
        if not self.slow:
            return None
        worst = max(self.slow, key=lambda s: s[2])
        return Advisory(
            RULE,
            f"{len(self.slow)} valid notification{'s' if len(self.slow) > 1 else ''} answered "
            f"in more than {SLOW:g} s (slowest {worst[2]:.1f} s: {worst[0]}, {worst[1]}); "
            "senders that wait 5 s would retry them",
            notable=True,
        )


def _quantile(values: list[float], q: float) -> float:
    """The nearest-rank quantile (a value that was measured, not an interpolation)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def render(summaries: list[Summary]) -> list[str]:
    """One compact line per type: `otp  p50 2 ms · p95 5 ms · max 9 ms (120 answers)`."""
    width = max((len(s.type) for s in summaries), default=0) + 2
    return [
        f"  {s.type.ljust(width)}p50 {_ms(s.p50)} · p95 {_ms(s.p95)} · max {_ms(s.max)} "
        f"({s.count} answers)"
        for s in summaries
    ]


def one_line(summaries: list[Summary]) -> str:
    """All types in one line: the slowest type's p95 and the slowest answer."""
    count = sum(s.count for s in summaries)
    p95 = max(summaries, key=lambda s: s.p95)
    slowest = max(summaries, key=lambda s: s.max)
    return (
        f"Answer times: p95 {_ms(p95.p95)} ({p95.type}) · max {_ms(slowest.max)} "
        f"({slowest.type}) · {count} answers"
    )


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"
