"""Hostile but valid values: strings that break careless code, NaN anywhere, extreme extras.

Each value is an ordinary JSON value (or, for NaN, exactly what a careless JSON encoder writes)
put into a body that is otherwise the contract's example, signed over the bytes sent. What the
receiver must answer comes from the judge: quotes, backslashes, markup, emoji, right-to-left
marks, other scripts and long text are ordinary strings (200); escaped control characters and
lone surrogates may be refused (200 or 4xx); NaN is not JSON (4xx); huge integers and deep
nesting in extra fields are open (200 or 4xx). None of them may get a 5xx.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Final

from contract_tests import vocabulary
from contract_tests.probe import Probe
from contract_tests.samples import edited, encode, enums, free_strings
from sms_hook.contract import Contract, NotificationType

HOSTILE: Final = (
    ("quotes", "O'Brien\"s-ticket"),
    ("backslashes", "C:\\tickets\\7\\"),
    ("markup", "<script>alert(1)</script>"),
    ("SQL", "x');DROP--TABLE"),
    ("emoji", "🎲🏆👍🏽🇿🇲"),
    ("right-to-left marks", "abc\u200f\u202eغرفة\u202c"),
    ("other scripts", "ሰላም-नमस्ते-שלום-ᏣᎳᎩ-한국어"),
    ("10 kB of text", "0123456789" * 1024),
)
"""(what, value): valid strings without whitespace (the two readings of the signature agree)."""

CONTROL: Final = (
    ("an escaped NUL", "\\u0000"),
    ("an escaped control character U+001F", "\\u001f"),
    ("an escaped lone surrogate", "\\ud800"),
    ("an escaped lone low surrogate", "\\udfff"),
)
"""(what, JSON escape): put into a string exactly as written, inside its quotes."""

CONSTANTS: Final = ("NaN", "Infinity", "-Infinity")
HUGE: Final = "9" * 400
"""An integer no 64-bit type holds, well within what JSON parsers read."""
NESTING: Final = 200
"""Deep enough to break a recursive walker with a small stack, within every parser's limit."""
_MARKER: Final = "sms-hook-marker"


def _raw(contract: Contract, t: NotificationType, where: str, raw: str) -> bytes:
    """The example with a marker value at `where` ("data.F", "data+", "top+") replaced by raw
    JSON text."""
    example = contract.example(t.name)
    if where == "top+":
        notification = {**example, "extra": _MARKER}
    elif where == "data+":
        notification = {"type": t.name, "data": {**example["data"], "extra": _MARKER}}
    else:
        notification = edited(contract, t, **{where.removeprefix("data."): _MARKER})
    body = encode(contract, notification)
    return body.replace(json.dumps(_MARKER).encode(), raw.encode(), 1)


def strings(contract: Contract, t: NotificationType) -> Iterator[Probe]:
    """Every free string field with each hostile value (200) and each escape (200 or 4xx)."""
    for f in free_strings(t):
        for what, value in HOSTILE:
            yield Probe(
                "accept-hostile-text",
                t.name,
                f"data.{f.name} holds {what}",
                encode(contract, edited(contract, t, **{f.name: value})),
                case=(f.name, "hostile strings"),
            )
        for what, escape in CONTROL:
            yield Probe(
                "open-control-strings",
                t.name,
                f"data.{f.name} holds {what} ({escape})",
                _raw(contract, t, f"data.{f.name}", f'"x{escape}x"'),
                case=(f.name, "control strings"),
            )


def nan_anywhere(contract: Contract, t: NotificationType) -> Iterator[Probe]:
    """NaN, Infinity and -Infinity in an extra field of data and at the top level (4xx)."""
    for constant in CONSTANTS:
        yield Probe(
            "reject-nan-anywhere",
            t.name,
            f"an extra field in data is {constant}",
            _raw(contract, t, "data+", constant),
        )
        yield Probe(
            "reject-nan-anywhere",
            t.name,
            f"an extra top-level key is {constant}",
            _raw(contract, t, "top+", constant),
        )


def extremes(contract: Contract, t: NotificationType) -> Iterator[Probe]:
    """Huge integers and deep nesting inside an extra field of data (200 or 4xx)."""
    rule = "open-extreme-extras"
    for what, raw in (
        (f"a {len(HUGE)}-digit integer", HUGE),
        (f"a negative {len(HUGE)}-digit integer", "-" + HUGE),
        (f"objects nested {NESTING} deep", '{"a":' * NESTING + "1" + "}" * NESTING),
        (f"arrays nested {NESTING} deep", "[" * NESTING + "]" * NESTING),
    ):
        yield Probe(
            rule, t.name, f"an extra field in data holds {what}", _raw(contract, t, "data+", raw)
        )


def plausible_enums(contract: Contract, t: NotificationType) -> Iterator[Probe]:
    """Every enum field with each plausible word outside its enum (4xx)."""
    for f in enums(t):
        for word in vocabulary.plausible(f.name, list(f.schema["enum"])):
            yield Probe(
                "reject-plausible-enum",
                t.name,
                f'data.{f.name} is "{word}", a plausible word outside its enum',
                encode(contract, edited(contract, t, **{f.name: word})),
                case=(f.name, "enum"),
            )
