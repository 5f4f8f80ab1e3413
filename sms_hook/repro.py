"""Reproducing a request with curl: one command, for any POSIX shell, that sends the exact bytes.

* Headers go in the order sent, with their letter case; an empty value is `-H 'name;'` (curl drops
  a header written `-H 'name: '`), and a Content-Type the request did not carry is suppressed with
  `-H 'Content-Type:'` (curl would add its own form type).
* A body of printable text up to `INLINE_LIMIT` bytes is given inline, in single quotes.
* Any other body is read from a file written beside the report when there is one
  (`--data-binary @file`); without one it is piped from `printf` with octal escapes, the only
  escapes a POSIX `printf` (dash's, say) understands; `\\x7b` works in bash alone.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from sms_hook.wire import mask as mask_url

INLINE_LIMIT: Final = 4096
"""Bytes: a longer body is not pasted on a command line."""
EXPECT_THRESHOLD: Final = 1024
"""Bytes: some curl versions add `Expect: 100-continue` to a larger body; it is suppressed."""
_SAFE_IN_PRINTF: Final = frozenset(
    b' !"#$&()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~'
)
"""Bytes that stand for themselves in a single-quoted printf format (not %, \\ or ')."""


def inline(body: bytes) -> bool:
    """True if the body can be pasted as it is: short printable UTF-8 text (spaces and newlines
    allowed; tabs, carriage returns and control characters not), and not read by curl as a file
    name (a leading @)."""
    if len(body) > INLINE_LIMIT or body.startswith(b"@"):
        return False
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(c.isprintable() or c == "\n" for c in text)


def printf_octal(body: bytes) -> str:
    r"""Return a `printf` format (single-quoted) that writes exactly `body` in any POSIX shell."""
    return "'" + "".join(chr(b) if b in _SAFE_IN_PRINTF else f"\\{b:03o}" for b in body) + "'"


def curl(
    url: str, headers: Iterable[tuple[str, str]], body: bytes, *, body_file: Path | None = None
) -> str:
    """Return a curl command that sends exactly these headers and body bytes to `url`.

    Credentials in the URL are masked (`***@`): put yours back to run it.
    With `body_file` (where the body was written), a body that is not `inline` is read from it.
    """
    pairs = list(headers)
    parts = ["curl", "-sS", "-i", "-X", "POST", shlex.quote(mask_url(url))]
    for name, value in pairs:
        parts += ["-H", shlex.quote(f"{name};" if value == "" else f"{name}: {value}")]
    names = {name.lower() for name, _ in pairs}
    if "content-type" not in names:
        parts += ["-H", shlex.quote("Content-Type:")]
    if len(body) > EXPECT_THRESHOLD and "expect" not in names:
        parts += ["-H", shlex.quote("Expect:")]
    if inline(body):
        return " ".join([*parts, "--data-binary", shlex.quote(body.decode("utf-8"))])
    if body_file is not None:
        return " ".join([*parts, "--data-binary", shlex.quote(f"@{body_file}")])
    return f"printf {printf_octal(body)} | " + " ".join([*parts, "--data-binary", "@-"])
