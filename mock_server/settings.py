"""The mock receiver's settings, and their round trip through the environment.

With `--workers N` uvicorn starts each worker from an import string, so the settings cannot be
handed over as an object: the command line writes them to the environment and every worker reads
them back with `Settings.from_env`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, TypeVar

from sms_hook.errors import SmsHookError

SECRET_ENV: Final = "SMS_HOOK_SECRET"  # noqa: S105 - the variable's name, not a secret
DEFAULT_JOURNAL: Final = "sms-hook-journal.db"
MEMORY: Final = ":memory:"
DEFAULT_MAX_BODY: Final = 64 * 1024
DEFAULT_MAX_ROWS: Final = 100_000
"""Journal rows kept by default; older ones are deleted (`--journal-max-rows`)."""
DEFAULT_MAX_CONNECTIONS: Final = 1000
PARSERS: Final = ("httptools", "h11")
"""The mock's HTTP/1.1 parsers, its default first (see `mock_server.connection`)."""
MAX_DELAY: Final = 60.0
"""Seconds: the longest delay the mock simulates, so that a typo cannot hang a sender for hours."""

_PREFIX: Final = "SMS_HOOK_MOCK_"

_Number = TypeVar("_Number", int, float)


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything that changes how the mock answers and where it records.

    `secret` None means the documentation's test key; `tolerance` None means the contract's
    default (0 turns the timestamp check off).
    """

    secret: str | None = None
    tolerance: int | None = None
    journal: str = DEFAULT_JOURNAL
    max_body: int = DEFAULT_MAX_BODY
    fail_rate: float = 0.0
    delay: float = 0.0
    journal_max_rows: int = DEFAULT_MAX_ROWS

    def __post_init__(self) -> None:
        if self.secret is not None and not _is_utf8_text(self.secret):
            # The key is used as its UTF-8 bytes; undecodable bytes in argv or the environment
            # arrive as surrogate escapes, which have none. The value itself is never shown.
            raise SmsHookError(
                "secret: is not UTF-8 text (it holds bytes that are not UTF-8); "
                "give the partner's key as text"
            )
        if self.tolerance is not None and self.tolerance < 0:
            raise SmsHookError(f"tolerance: {self.tolerance} is negative (0 turns the check off)")
        if self.journal_max_rows < 0:
            raise SmsHookError(
                f"journal max rows: {self.journal_max_rows} is negative (0 keeps every row)"
            )
        if self.max_body < 0:
            raise SmsHookError(f"max body: {self.max_body} is negative")
        if not 0.0 <= self.fail_rate <= 1.0:
            raise SmsHookError(f"fail rate: {self.fail_rate:g} is not between 0 and 1")
        if not (math.isfinite(self.delay) and 0.0 <= self.delay <= MAX_DELAY):
            raise SmsHookError(f"delay: {self.delay:g} is not between 0 and {MAX_DELAY:g} seconds")

    def to_env(self) -> dict[str, str]:
        """Return the environment variables that `from_env` reads back into these settings."""
        env = {
            _PREFIX + "JOURNAL": self.journal,
            _PREFIX + "MAX_BODY": str(self.max_body),
            _PREFIX + "FAIL_RATE": repr(self.fail_rate),
            _PREFIX + "DELAY": repr(self.delay),
            _PREFIX + "JOURNAL_MAX_ROWS": str(self.journal_max_rows),
        }
        if self.secret is not None:
            env[SECRET_ENV] = self.secret
        if self.tolerance is not None:
            env[_PREFIX + "TOLERANCE"] = str(self.tolerance)
        return env

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Read settings written by `to_env` (missing variables take their defaults)."""
        secret = environ.get(SECRET_ENV) or None
        tolerance = environ.get(_PREFIX + "TOLERANCE")
        return cls(
            secret=secret,
            tolerance=None if tolerance is None else _number(environ, "TOLERANCE", int, 0),
            journal=environ.get(_PREFIX + "JOURNAL") or DEFAULT_JOURNAL,
            max_body=_number(environ, "MAX_BODY", int, DEFAULT_MAX_BODY),
            fail_rate=_number(environ, "FAIL_RATE", float, 0.0),
            delay=_number(environ, "DELAY", float, 0.0),
            journal_max_rows=_number(environ, "JOURNAL_MAX_ROWS", int, DEFAULT_MAX_ROWS),
        )


def _is_utf8_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _number(
    environ: Mapping[str, str], name: str, kind: type[_Number], default: _Number
) -> _Number:
    raw = environ.get(_PREFIX + name)
    if raw is None:
        return default
    try:
        return kind(raw)
    except ValueError:
        what = "an integer" if kind is int else "a number"
        raise SmsHookError(f"{_PREFIX}{name}: {raw!r} is not {what}") from None
