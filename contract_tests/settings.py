"""What a verification run is given: the receiver, the secret, and how to send."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from sms_hook.delivery import DEFAULT_OPERATOR, DEFAULT_TIMEOUT

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
