"""What one load run measured, the same whichever tool produced it."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field


@dataclass(slots=True)
class LoadResult:
    """Answers counted by status, latency percentiles and the load tool's own CPU time.

    `in_flight` is how many requests may have reached the server without their answer being
    counted: 0 for the Python generator (it waits for every answer), up to one per connection
    for wrk (it stops with requests on the wire).
    """

    tool: str
    connections: int
    seconds: float
    statuses: Counter[int] = field(default_factory=Counter)
    errors: dict[str, int] = field(default_factory=dict)
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    client_cpu_seconds: float = 0.0
    in_flight: int = 0

    @property
    def answered(self) -> int:
        return sum(self.statuses.values())

    @property
    def ok(self) -> int:
        return self.statuses[200]

    @property
    def not_ok(self) -> int:
        """Answers other than 200, plus requests that got no answer (errors, timeouts)."""
        return self.answered - self.ok + sum(self.errors.values())

    @property
    def rate(self) -> float:
        """Answers with 200 per second."""
        return self.ok / self.seconds if self.seconds > 0 else 0.0

    @property
    def client_cpu_us(self) -> float:
        """The load tool's CPU time per answer, in µs."""
        return self.client_cpu_seconds / self.answered * 1e6 if self.answered else 0.0


def percentile(sorted_values: list[int], fraction: float) -> int:
    """Nearest-rank percentile of an already sorted list (0 for an empty one)."""
    if not sorted_values:
        return 0
    rank = max(1, min(len(sorted_values), math.ceil(fraction * len(sorted_values))))
    return sorted_values[rank - 1]
