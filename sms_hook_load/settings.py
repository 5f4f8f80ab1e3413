"""What one load run is asked to do: built by `sms-hook load`, read by the Locust process.

It travels as JSON on the child's stdin (not its command line, which `ps` shows: the URL may hold
credentials). The secret is never part of it; it travels in the environment (SMS_HOOK_SECRET).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any, Final

SECRET_ENV: Final = "SMS_HOOK_SECRET"  # noqa: S105 - the variable's name, not a secret
USER_RATE: Final = 10.0
"""Requests per second one simulated sender aims at by default: with one request in flight per
sender, a receiver may take up to 1/10 s = 100 ms per answer before the target rate is missed."""
DEFAULT_MAX_USERS: Final = 1000
"""Default senders per process at most (each holds a connection, i.e. an open file)."""


@dataclass(frozen=True, slots=True)
class LoadSettings:
    """One run: where, how fast, how long, what, and where the reports go."""

    url: str
    rate: float
    duration: float
    types: tuple[str, ...]
    users: int = 0
    workers: int = 0
    remote_workers: int = 0
    master_bind: str = "127.0.0.1"
    master_port: int = 0
    max_requests: int = 0
    timeout: float = 10.0
    operator_name: str = "sms-hook"
    expect_p99_ms: float | None = None
    report_json: str | None = None
    report_html: str | None = None
    insecure: bool = False
    shown_url: str = field(default="")
    """The URL as reports show it: credentials masked."""

    @property
    def user_count(self) -> int:
        """Simulated senders: as asked, else one per USER_RATE of target rate (at most
        DEFAULT_MAX_USERS per sending process), and at least one per worker."""
        wanted = self.users or min(
            math.ceil(self.rate / USER_RATE), DEFAULT_MAX_USERS * self.processes
        )
        return max(wanted, 1, self.workers + self.remote_workers)

    @property
    def users_per_process(self) -> int:
        return math.ceil(self.user_count / self.processes)

    @property
    def budget(self) -> int:
        """The most requests the run sends: as asked, else the target rate times the duration."""
        return self.max_requests or math.ceil(self.rate * self.duration)

    @property
    def processes(self) -> int:
        """Processes that send: the workers, or this one process."""
        return max(self.workers + self.remote_workers, 1)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> LoadSettings:
        raw: dict[str, Any] = json.loads(text)
        raw["types"] = tuple(raw["types"])
        return cls(**raw)
