"""The contract battery: the deterministic probes sent on every run, for every rule and type.

Everything is derived from the contract (types, fields in signing order, enums, examples), so a
new field or enum value in the OpenAPI document is probed without a change here. Valid probes
never carry whitespace inside string values: the two readings of "all spaces removed" differ
there, and only the advisory probe asks which one a receiver implements.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Final

from contract_tests import forms, hostile, rejections
from contract_tests.probe import Probe, Send
from contract_tests.samples import NON_ASCII, edited, encode, enums, free_strings, integers
from sms_hook.contract import Contract, NotificationType
from sms_hook.judge import SAFE_INTEGER

SAFE_INTEGERS: Final = (SAFE_INTEGER, -SAFE_INTEGER, 2**32 + 1, 0)
UNSAFE_INTEGERS: Final = (SAFE_INTEGER + 1, -(SAFE_INTEGER + 1), 2**64)
STALE: Final = 86_400
"""A day: old (or ahead) enough for any receiver that checks timestamps at all."""


def battery(contract: Contract, secret: str) -> list[Probe]:
    """Return every probe of the battery, grouped by type, then the probes without a type."""
    probes: list[Probe] = []
    for t in contract.types.values():
        probes += _accept(contract, t)
        probes += rejections.invalid_data(contract, t)
        probes += rejections.malformed(contract, t)
        probes += rejections.signatures(contract, t, secret)
        probes += _open(contract, t)
        probes += _advisory(contract, t)
        probes += hostile.strings(contract, t)
        probes += hostile.nan_anywhere(contract, t)
        probes += hostile.extremes(contract, t)
        probes += hostile.plausible_enums(contract, t)
        probes += forms.probes(contract, t)
    probes += rejections.typeless(contract)
    return probes


def _accept(contract: Contract, t: NotificationType) -> Iterator[Probe]:
    example = contract.example(t.name)
    body = encode(contract, example)
    free = free_strings(t)

    def numbered(n: int) -> bytes:
        return _numbered(contract, t, n)

    yield Probe("accept-valid", t.name, "the contract's example", body)
    listed = enums(t)
    for values in itertools.product(*(f.schema["enum"] for f in listed)):
        if listed and values != tuple(example["data"][f.name] for f in listed):
            chosen = dict(zip((f.name for f in listed), values, strict=True))
            shown = ", ".join(f"{k}={v}" for k, v in chosen.items())
            yield Probe(
                "accept-valid",
                t.name,
                f"enum values {shown}",
                encode(contract, edited(contract, t, **chosen)),
            )
    yield Probe(
        "accept-valid",
        t.name,
        "Content-Type with charset=utf-8",
        numbered(1),
        Send(content_type="application/json; charset=utf-8"),
    )

    def layout(n: int, indent: int | str | None) -> str:
        return json.dumps(json.loads(numbered(n)), ensure_ascii=False, indent=indent)

    indented, spaced, tabbed = layout(2, 2), layout(3, None), layout(4, "\t")
    for title, text in (
        ("indented as in the documentation's samples", indented),
        ("a space after every , and :", spaced),
        (
            "tabs, CRLF and whitespace around the object",
            " \r\n" + tabbed.replace("\n", "\r\n") + "\r\n",
        ),
    ):
        form = "form:whitespace" if title.startswith("tabs") else None
        yield Probe("accept-whitespace", t.name, title, text.encode(), advisory=form)

    for text in NON_ASCII if free else ():
        yield Probe(
            "accept-non-ascii",
            t.name,
            f"{', '.join(f.name for f in free)} = {text}",
            encode(contract, edited(contract, t, **{f.name: text for f in free})),
        )

    for f, value in itertools.product(integers(t), SAFE_INTEGERS):
        yield Probe(
            "accept-safe-integers",
            t.name,
            f"{f.name} = {value}",
            encode(contract, edited(contract, t, **{f.name: value})),
            case=(f.name, "integers"),
        )

    yield Probe(
        "accept-header-case", t.name, "header names in Title-Case", numbered(5), Send(case="title")
    )
    yield Probe(
        "accept-header-case", t.name, "header names in UPPER CASE", numbered(6), Send(case="upper")
    )


def _numbered(contract: Contract, t: NotificationType, n: int) -> bytes:
    """The example with its first free text field numbered: a body (and so a signature) of its
    own, so that a receiver that refuses a repeated signature (replay protection by nonce) is
    never sent the same (timestamp, signature) pair twice, even within one second."""
    example = contract.example(t.name)
    free = free_strings(t)
    if not free:
        return encode(contract, example)
    name = free[0].name
    return encode(contract, edited(contract, t, **{name: f"{example['data'][name]}{n}"}))


def _open(contract: Contract, t: NotificationType) -> Iterator[Probe]:
    example = contract.example(t.name)
    body = encode(contract, example)
    data = example["data"]

    def raw(text: str) -> bytes:
        return text.encode()

    rule = "open-policy"
    yield Probe(
        rule,
        t.name,
        f'unknown type "{t.name}_v2" with {t.name}\'s data',
        encode(contract, {"type": f"{t.name}_v2", "data": data}),
    )
    if t.name.upper() != t.name:
        yield Probe(
            rule,
            t.name,
            f'type "{t.name.upper()}" (another letter case)',
            encode(contract, {"type": t.name.upper(), "data": data}),
        )
    yield Probe(
        rule,
        t.name,
        "an extra field in data",
        encode(contract, {"type": t.name, "data": {**data, "channel": "sms"}}),
    )
    yield Probe(
        rule, t.name, "an extra top-level field", encode(contract, {**example, "id": "evt_0001"})
    )
    # The signature covers neither operator-name nor Content-Type: each of these gets a body of
    # its own, or it would repeat the (timestamp, signature) pair of "the contract's example".
    for n, (title, how) in enumerate(
        (
            ("operator-name missing", Send(omit=("operator-name",))),
            ("operator-name empty", Send(empty=("operator-name",))),
            ("Content-Type missing", Send(content_type=None)),
            ("Content-Type text/plain", Send(content_type="text/plain")),
            ("signature in upper-case hex", Send(signature=str.upper)),
        ),
        start=11,
    ):
        yield Probe(rule, t.name, title, _numbered(contract, t, n), how)
    inner = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    yield Probe(
        rule, t.name, "data before type", raw(f'{{"data":{inner},"type":{json.dumps(t.name)}}}')
    )
    if len(data) > 1:
        reversed_data = dict(reversed(list(data.items())))
        flipped = json.dumps(reversed_data, ensure_ascii=False, separators=(",", ":"))
        yield Probe(
            rule,
            t.name,
            "data fields in reverse order",
            raw(f'{{"type":{json.dumps(t.name)},"data":{flipped}}}'),
            advisory="form:order",
        )
    first, value = next(iter(data.items()))
    pair = f"{json.dumps(first)}:{json.dumps(value, ensure_ascii=False)}"
    yield Probe(
        rule,
        t.name,
        f"duplicate key data.{first} (same value)",
        body.replace(pair.encode(), f"{pair},{pair}".encode(), 1),
    )
    yield Probe(
        rule,
        t.name,
        "duplicate key type (same value)",
        body.replace(b'"data":', f'"type":{json.dumps(t.name)},"data":'.encode(), 1),
    )
    for f in integers(t):
        for number in UNSAFE_INTEGERS:
            yield Probe(
                rule,
                t.name,
                f"{f.name} = {number} (beyond ±(2^53−1))",
                encode(contract, edited(contract, t, **{f.name: number})),
                case=(f.name, "integers"),
            )
        whole = float(data[f.name])
        yield Probe(
            rule,
            t.name,
            f"{f.name} = {whole!r} (an integer written as a decimal)",
            encode(contract, edited(contract, t, **{f.name: whole})),
        )


def _advisory(contract: Contract, t: NotificationType) -> Iterator[Probe]:
    body = encode(contract, contract.example(t.name))
    rule = "advisory-replay"
    yield Probe(
        rule, t.name, "a timestamp one day old", body, Send(timestamp=-STALE), advisory="replay"
    )
    yield Probe(
        rule, t.name, "a timestamp one day ahead", body, Send(timestamp=STALE), advisory="replay"
    )
    yield Probe(
        rule,
        t.name,
        "a non-numeric timestamp (ISO 8601)",
        body,
        Send(timestamp="2024-01-25T14:06:52Z"),
        advisory="replay",
    )
    free = free_strings(t)
    if not free:
        return
    spaced = {free[0].name: "sms hook probe"}
    spaced_body = encode(contract, edited(contract, t, **spaced))
    rule = "advisory-spaces-reading"
    yield Probe(
        rule,
        t.name,
        f'{free[0].name} with spaces, signed with them kept (reading "tokens")',
        spaced_body,
        advisory="reading:tokens",
    )
    yield Probe(
        rule,
        t.name,
        f'{free[0].name} with spaces, signed with them removed (reading "all-whitespace")',
        spaced_body,
        Send(reading="all-whitespace"),
        advisory="reading:all-whitespace",
    )
