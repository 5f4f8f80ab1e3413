"""Ways a partner may read "the request body with all spaces removed", each written by hand.

`tokens` removes JSON whitespace between tokens only; the others remove whitespace inside string
values too, each with its language's idea of whitespace. All of them agree on the compact bodies
the platform sends when no string value holds whitespace, which is all the contract asks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

Reading = Callable[[bytes], bytes | None]
"""The body as signed, or None if this reading cannot be applied (the body is not UTF-8 text)."""

_OUTSIDE: Final = frozenset(b" \t\r\n")


def tokens(body: bytes) -> bytes:
    """Whitespace between JSON tokens removed; string values byte for byte as sent."""
    out = bytearray()
    quoted = False
    i = 0
    while i < len(body):
        byte = body[i]
        if quoted and byte == 0x5C:  # a backslash: it and the escaped byte are kept together
            out += body[i : i + 2]
            i += 2
            continue
        if byte == 0x22:
            quoted = not quoted
        if quoted or byte not in _OUTSIDE:
            out.append(byte)
        i += 1
    return bytes(out)


def json_whitespace(body: bytes) -> bytes:
    """Every JSON whitespace byte removed, inside strings too (a byte-level translate)."""
    return body.translate(None, b" \t\r\n")


def python_split(body: bytes) -> bytes | None:
    """Every character Python's str.split() splits on removed (Unicode whitespace: U+00A0, ...)."""
    try:
        return "".join(body.decode("utf-8").split()).encode("utf-8")
    except UnicodeError:
        return None


# ECMAScript's \s: WhiteSpace and LineTerminator, which include U+FEFF (not Unicode whitespace).
_JS_SPACE: Final = re.compile(
    "[\t\n\u000b\u000c\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
)


def javascript(body: bytes) -> bytes | None:
    """`text.replace(/\\s/g, "")` as a Node.js receiver writes it."""
    try:
        return _JS_SPACE.sub("", body.decode("utf-8")).encode("utf-8")
    except UnicodeError:
        return None


# Java 8's Character.isWhitespace (Unicode 6.2): space, line and paragraph separators other than
# the no-break ones, with U+180E still a space separator, and nine control characters.
_JAVA8_SPACE: Final = re.compile(
    "[\t\n\u000b\u000c\r\u001c-\u001f \u1680\u180e\u2000-\u2006\u2008-\u200a"
    "\u2028\u2029\u205f\u3000]"
)


def java8(body: bytes) -> bytes | None:
    """Every char for which Java 8's `Character.isWhitespace` is true removed (U+180E too)."""
    try:
        return _JAVA8_SPACE.sub("", body.decode("utf-8")).encode("utf-8")
    except UnicodeError:
        return None


def spaces_only(body: bytes) -> bytes:
    """Only the byte 0x20 removed: "spaces" read literally (tabs and line breaks stay)."""
    return body.replace(b" ", b"")


READINGS: Final[dict[str, Reading]] = {
    "tokens": tokens,
    "json-whitespace": json_whitespace,
    "python-split": python_split,
    "javascript": javascript,
    "java8": java8,
    "spaces-only": spaces_only,
}
