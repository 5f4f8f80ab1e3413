"""Simulated misbehaviour, for testing a sender's retries and timeouts.

Per request, with a `Prefer` header (RFC 7240, as Prism does): `Prefer: code=503` answers that
status instead of the real one, `Prefer: delay=2` waits two seconds before answering; both may be
combined (`Prefer: code=500, delay=1.5`). Globally, with `--fail-rate` (that share of requests is
answered 500) and `--delay` (every answer waits). A `Prefer` value beats the matching flag.
Preferences the mock does not know are ignored, as RFC 7240 asks; a known one with a bad value is
an error the sender should hear about (400 naming the header).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Final

from mock_server.settings import MAX_DELAY

SIMULATED_CODES: Final = range(400, 600)
"""The statuses `Prefer: code=` may ask for: failures only, a simulated 200 would hide bugs."""
FAIL_RATE_STATUS: Final = 500


class PreferError(ValueError):
    """Raised when the `Prefer` header asks for a code or delay the mock cannot simulate."""


@dataclass(frozen=True, slots=True)
class Fault:
    """What to simulate for one request: a status instead of the real answer, and a delay.

    `cause` says who asked for it, for the journal and the answer ("Prefer: code=503").
    """

    status: int | None = None
    delay: float = 0.0
    cause: str | None = None


NO_FAULT: Final = Fault()


class Faults:
    """Decides, per request, which fault to simulate."""

    def __init__(
        self, *, fail_rate: float = 0.0, delay: float = 0.0, rng: random.Random | None = None
    ) -> None:
        self.fail_rate = fail_rate
        self.delay = delay
        self._random = (rng or random.Random()).random  # noqa: S311 - not for security
        self._default = NO_FAULT if not delay else Fault(delay=delay, cause=f"--delay {delay:g}")
        self.active = bool(fail_rate or delay)

    def decide(self, prefer: str | None) -> Fault:
        """Return the fault for a request with this `Prefer` header value (None: not sent)."""
        code, delay = parse_prefer(prefer) if prefer else (None, None)
        if code is None and delay is None and not self.active:
            return NO_FAULT
        causes: list[str] = []
        if code is not None:
            causes.append(f"Prefer: code={code}")
        elif self.fail_rate and self._random() < self.fail_rate:
            code = FAIL_RATE_STATUS
            causes.append(f"--fail-rate {self.fail_rate:g}")
        if delay is not None:
            causes.append(f"Prefer: delay={delay:g}")
        elif self.delay:
            delay = self.delay
            causes.append(f"--delay {self.delay:g}")
        if not causes:
            return self._default
        return Fault(status=code, delay=delay or 0.0, cause="; ".join(causes))


def parse_prefer(value: str) -> tuple[int | None, float | None]:
    """Return the `code` and `delay` preferences in a `Prefer` header value, or raise PreferError.

    Preferences are separated by commas; parameters after `;` are ignored; values may be quoted;
    names are case-insensitive; the first of a repeated preference counts (RFC 7240, section 2).
    """
    code: int | None = None
    delay: float | None = None
    seen: set[str] = set()
    for preference in value.split(","):
        token = preference.split(";", 1)[0].strip()
        name, _, raw = token.partition("=")
        name = name.strip().lower()
        raw = raw.strip().strip('"')
        if name in seen or name not in ("code", "delay"):
            continue
        seen.add(name)
        if name == "code":
            # Three digits, as every status has (RFC 9110, section 15); checked before int(),
            # which refuses more than 4300 digits with a ValueError.
            if not (raw.isascii() and raw.isdigit() and len(raw) == 3) or (
                int(raw) not in SIMULATED_CODES
            ):
                raise PreferError(
                    f"code={raw!r} is not a status the mock simulates "
                    f"({SIMULATED_CODES.start}–{SIMULATED_CODES.stop - 1})"
                )
            code = int(raw)
        else:
            try:
                seconds = float(raw)
            except ValueError:
                seconds = math.nan
            if not (math.isfinite(seconds) and 0 <= seconds <= MAX_DELAY):
                raise PreferError(
                    f"delay={raw!r} is not a number of seconds from 0 to {MAX_DELAY:g}"
                )
            delay = seconds
    return code, delay
