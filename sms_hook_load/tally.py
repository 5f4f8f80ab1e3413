"""What was sent and how it was answered, second by second, in a form processes can merge.

Each sending process keeps a `Tally`; a worker ships what it gathered since its last report
(`drain`) to the master, which `merge`s it. Latencies are kept as a histogram of values rounded
to three significant digits (0.123 ms, 12.3 ms, 123 ms), so percentiles stay exact to about
0.5 % at any scale and a report from any number of processes stays small.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Final

EXAMPLES_PER_KIND: Final = 3


def bucket(ms: float) -> float:
    """Round a latency in ms to three significant digits (the histogram's key)."""
    if ms <= 0:
        return 0.0
    return round(ms, 2 - math.floor(math.log10(ms)))


def percentile(histogram: Counter[float], fraction: float) -> float:
    """Nearest-rank percentile of a histogram {value: count} (0 when it is empty)."""
    total = sum(histogram.values())
    if not total:
        return 0.0
    rank = max(1, math.ceil(fraction * total))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return max(histogram)  # pragma: no cover - the loop always reaches the rank


@dataclass(slots=True)
class Second:
    """One second of the run (by when requests were sent): answers, successes, breaks, latency."""

    answered: int = 0
    ok: int = 0
    breaks: Counter[str] = field(default_factory=Counter)
    latency: Counter[float] = field(default_factory=Counter)

    def merge(self, other: Second) -> None:
        self.answered += other.answered
        self.ok += other.ok
        self.breaks.update(other.breaks)
        self.latency.update(other.latency)


@dataclass(slots=True)
class Tally:
    """Every answer of one process (or, merged, of a whole run)."""

    seconds: dict[int, Second] = field(default_factory=dict)
    by_type: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    cpu_seconds: float = 0.0
    """CPU time the sending processes spent while sending (the bench divides it by answers)."""

    def record(
        self,
        second: int,
        type_name: str,
        latency_ms: float,
        kind: str | None = None,
        example: dict[str, Any] | None = None,
    ) -> None:
        """Count one answered (or failed) request; `kind` names the break, None is a success."""
        row = self.seconds.get(second)
        if row is None:
            row = self.seconds[second] = Second()
        row.answered += 1
        row.latency[bucket(latency_ms)] += 1
        self.by_type[type_name] += 1
        if kind is None:
            row.ok += 1
            return
        row.breaks[kind] += 1
        kept = self.examples.setdefault(kind, [])
        if example is not None and len(kept) < EXAMPLES_PER_KIND:
            kept.append(example)

    @property
    def answered(self) -> int:
        return sum(s.answered for s in self.seconds.values())

    @property
    def ok(self) -> int:
        return sum(s.ok for s in self.seconds.values())

    def breaks(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for s in self.seconds.values():
            total.update(s.breaks)
        return total

    def latency(self) -> Counter[float]:
        total: Counter[float] = Counter()
        for s in self.seconds.values():
            total.update(s.latency)
        return total

    def merge(self, other: Tally) -> None:
        for second, row in other.seconds.items():
            self.seconds.setdefault(second, Second()).merge(row)
        self.by_type.update(other.by_type)
        self.cpu_seconds += other.cpu_seconds
        for kind, examples in other.examples.items():
            kept = self.examples.setdefault(kind, [])
            kept.extend(examples[: EXAMPLES_PER_KIND - len(kept)])
            kept.sort(key=lambda e: float(e.get("at", 0)))

    def drain(self) -> dict[str, Any]:
        """Return everything gathered so far as JSON-able data, and start afresh."""
        data = to_data(self)
        self.seconds, self.by_type, self.examples, self.cpu_seconds = {}, Counter(), {}, 0.0
        return data


def to_data(tally: Tally) -> dict[str, Any]:
    """A tally as JSON-able data (also what workers send over Locust's message channel)."""
    return {
        "seconds": {
            str(k): {
                "answered": s.answered,
                "ok": s.ok,
                "breaks": dict(s.breaks),
                "latency": [[v, n] for v, n in s.latency.items()],
            }
            for k, s in tally.seconds.items()
        },
        "by_type": dict(tally.by_type),
        "examples": tally.examples,
        "cpu_seconds": tally.cpu_seconds,
    }


def from_data(data: dict[str, Any]) -> Tally:
    """Rebuild a tally from `to_data`'s output."""
    seconds = {
        int(k): Second(
            answered=int(s["answered"]),
            ok=int(s["ok"]),
            breaks=Counter({str(kind): int(n) for kind, n in s["breaks"].items()}),
            latency=Counter({float(v): int(n) for v, n in s["latency"]}),
        )
        for k, s in data["seconds"].items()
    }
    return Tally(
        seconds=seconds,
        by_type=Counter({str(k): int(v) for k, v in data["by_type"].items()}),
        examples={str(k): list(v) for k, v in data["examples"].items()},
        cpu_seconds=float(data.get("cpu_seconds", 0.0)),
    )
