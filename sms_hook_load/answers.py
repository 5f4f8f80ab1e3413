"""Judging one answer under load: success, or which kind of contract break.

The rule is the project's one rule for an answer to a valid notification
(`sms_hook.response.acceptance_problems`): exactly 200, JSON, an object with a string `message`.
Anything else is a break, named by kind so a report can count them: `status 500`, `status 401`,
`bad 200` (a 200 whose body breaks the rule), `timeout`, `connection refused`,
`connection dropped`, `malformed HTTP`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from sms_hook import response
from sms_hook.contract import Contract

BAD_SUCCESS: Final = "bad 200"
TIMEOUT: Final = "timeout"
REFUSED: Final = "connection refused"
DROPPED: Final = "connection dropped"
MALFORMED: Final = "malformed HTTP"
_PREVIEW: Final = 120


def judge(
    contract: Contract,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    error: BaseException | None = None,
) -> tuple[str | None, str]:
    """Return (None, "") for an answer that keeps the contract, else (kind, what was wrong).

    `error` is what the HTTP client raised instead of an answer (then status and body are
    ignored); `headers` maps lower-case names to values.
    """
    if error is not None:
        cause = unwrap(error)
        return error_kind(cause), f"{type(cause).__name__}: {cause}".rstrip(": ")[:_PREVIEW]
    if not status:
        return DROPPED, "no status line"
    problems = response.acceptance_problems(contract, status, headers, body)
    if not problems:
        return None, ""
    kind = BAD_SUCCESS if status == contract.success_status else f"status {status}"
    return kind, f"{'; '.join(problems)}; body {preview(body)}"


def unwrap(error: BaseException) -> BaseException:
    """The error underneath geventhttpclient's wrappers (`RetriesExceeded(original=...)`)."""
    seen = 0
    while isinstance(getattr(error, "original", None), BaseException) and seen < 5:
        error, seen = error.original, seen + 1  # type: ignore[attr-defined]
    return error


def error_kind(error: BaseException) -> str:
    """Name what went wrong when no answer came (gevent and geventhttpclient errors by name)."""
    name = type(error).__name__.lower()
    if isinstance(error, TimeoutError) or "timeout" in name:
        return TIMEOUT
    if isinstance(error, ConnectionRefusedError):
        return REFUSED
    if "parse" in name:
        return MALFORMED
    return DROPPED


def preview(body: bytes) -> str:
    """The start of an answer's body, printable, for an example of a break."""
    text = body.decode("utf-8", errors="backslashreplace")
    text = text if len(text) <= _PREVIEW else text[: _PREVIEW - 1] + "…"
    return repr(text) if text else "(empty)"
