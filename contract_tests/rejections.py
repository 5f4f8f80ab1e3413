"""The battery's probes a receiver must reject with a 4xx: bad data, bad bodies, bad signatures.

Each probe breaks exactly one thing and is otherwise what the platform sends, correctly signed
over the exact bytes that go out (a body that is not JSON is signed too), so the rule it
breaks is the only reason to reject it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Final

from contract_tests.probe import Probe, Send
from contract_tests.rules import ANY_TYPE
from contract_tests.samples import edited, encode, enums, free_strings, integers
from sms_hook.contract import Contract, Field, NotificationType

DEEP: Final = 20_000
"""Nesting depth of the deep-nesting probes: beyond every JSON parser's default limit."""
_MARKER: Final = "\u0000sms-hook-marker\u0000"
_NOT_UTF8: Final = (
    (b"caf\xe9", "Latin-1 \\xe9"),
    (b"\xff\xfe", "bytes \\xff\\xfe"),
    (b"\xc0\xaf", "an overlong encoding \\xc0\\xaf"),
    (b"\xed\xa0\x80", "an encoded surrogate \\xed\\xa0\\x80"),
)


def _marked(contract: Contract, t: NotificationType, field: str, raw: bytes) -> bytes:
    """Return the example's body with `field`'s value replaced by raw bytes (quotes included)."""
    body = encode(contract, edited(contract, t, **{field: _MARKER}))
    return body.replace(json.dumps(_MARKER).encode(), raw, 1)


def _wrong_types(f: Field, example: Any) -> list[tuple[Any, str]]:
    """Values of the wrong JSON type for a field, each with what makes it wrong."""
    if f.schema["type"] == "integer":
        return [
            (True, "a boolean (booleans are not integers)"),
            (1.5, "a decimal"),
            (str(example), "a numeric string"),
            ({"value": example}, "an object"),
            ([example], "an array"),
        ]
    number = int(example) if isinstance(example, str) and example.isdigit() else 1234
    return [
        (number, "a number (a number is not a string)"),
        (True, "a boolean"),
        ({"value": example}, "an object"),
        ([example], "an array"),
    ]


def _outside_enum(contract: Contract, f: Field) -> list[str]:
    """Strings that are not in a field's enum: other letter case, other fields' values, empty."""
    own = list(f.schema["enum"])
    candidates = [v.upper() for v in own] + [v.capitalize() for v in own]
    candidates += [v for t in contract.types.values() for g in enums(t) for v in g.schema["enum"]]
    candidates += ["", "unknown"]
    return list(dict.fromkeys(c for c in candidates if c not in own))


def invalid_data(contract: Contract, t: NotificationType) -> Iterator[Probe]:
    """Each field missing, null, of every wrong JSON type, outside its enum; a bad `type`."""
    rule = "reject-invalid-data"
    example = contract.example(t.name)
    for f in t.fields:
        data = {k: v for k, v in example["data"].items() if k != f.name}
        yield Probe(
            rule,
            t.name,
            f"data.{f.name} missing",
            encode(contract, {"type": t.name, "data": data}),
            case=(f.name, "missing"),
        )
        yield Probe(
            rule,
            t.name,
            f"data.{f.name} is null",
            encode(contract, edited(contract, t, **{f.name: None})),
            case=(f.name, "null"),
        )
        for value, what in _wrong_types(f, example["data"][f.name]):
            shown = json.dumps(value, ensure_ascii=False)
            yield Probe(
                rule,
                t.name,
                f"data.{f.name} is {shown}, {what}",
                encode(contract, edited(contract, t, **{f.name: value})),
                case=(f.name, "wrong type"),
            )
        if "enum" in f.schema:
            for value in _outside_enum(contract, f):
                yield Probe(
                    rule,
                    t.name,
                    f"data.{f.name} is {json.dumps(value)}, not in its enum",
                    encode(contract, edited(contract, t, **{f.name: value})),
                    case=(f.name, "enum"),
                )
    yield Probe(rule, t.name, "type missing", encode(contract, {"data": example["data"]}))
    yield Probe(
        rule, t.name, "type is null", encode(contract, {"type": None, "data": example["data"]})
    )
    yield Probe(
        rule,
        t.name,
        'type is ["' + t.name + '"], an array',
        encode(contract, {"type": [t.name], "data": example["data"]}),
    )
    yield Probe(
        rule, t.name, "data is an empty object", encode(contract, {"type": t.name, "data": {}})
    )
    for other in contract.types.values():
        if set(other.field_names) - set(t.field_names):
            yield Probe(
                rule,
                t.name,
                f"data of type {other.name}",
                encode(contract, {"type": t.name, "data": other.example["data"]}),
            )
            break


def malformed(contract: Contract, t: NotificationType) -> Iterator[Probe]:
    """`data` missing or not an object, malformed JSON, bytes that are not UTF-8, NaN."""
    rule = "reject-malformed-body"
    example = contract.example(t.name)
    body = encode(contract, example)
    yield Probe(rule, t.name, "data missing", encode(contract, {"type": t.name}))
    for value in (None, "data", list(example["data"].values()), 1):
        yield Probe(
            rule,
            t.name,
            f"data is {json.dumps(value)}",
            encode(contract, {"type": t.name, "data": value}),
        )
    yield Probe(rule, t.name, "JSON cut off before its last byte", body[:-1])
    yield Probe(rule, t.name, "JSON cut off halfway", body[: len(body) // 2])
    yield Probe(rule, t.name, "a trailing comma", body[:-2] + b",}}")
    yield Probe(rule, t.name, "single quotes instead of double quotes", body.replace(b'"', b"'"))
    yield Probe(
        rule,
        t.name,
        "keys without quotes",
        body.replace(b'"type":', b"type:", 1).replace(b'"data":', b"data:", 1),
    )
    yield Probe(rule, t.name, "garbage after the object", body + b"x")
    yield Probe(rule, t.name, "two objects one after the other", body + body)
    yield Probe(rule, t.name, "a JavaScript comment", b"/* notification */" + body)
    free = free_strings(t)
    if free:
        for raw, what in _NOT_UTF8:
            yield Probe(
                rule,
                t.name,
                f"data.{free[0].name} holds {what}, not UTF-8",
                _marked(contract, t, free[0].name, b'"' + raw + b'"'),
            )
    target = (integers(t) or free or list(t.fields))[0]
    for constant in ("NaN", "Infinity", "-Infinity"):
        yield Probe(
            rule,
            t.name,
            f"data.{target.name} is {constant}",
            _marked(contract, t, target.name, constant.encode()),
        )
    nested = b'{"a":' * DEEP + b"1" + b"}" * DEEP
    yield Probe(
        rule,
        t.name,
        f"data nested {DEEP} objects deep",
        body.replace(b'"data":', b'"data":' + nested + b',"x":', 1),
    )


def typeless(contract: Contract) -> Iterator[Probe]:
    """Bodies that are no notification at all: empty, not an object, not JSON, nested deep."""
    rule = "reject-malformed-body"
    first = next(iter(contract.types))
    example = encode(contract, contract.example(first))
    yield Probe(rule, ANY_TYPE, "an empty body", b"")
    # Compacted, it signs as the empty body: a second earlier keeps its pair its own.
    yield Probe(rule, ANY_TYPE, "a body of whitespace only", b" \r\n\t ", Send(timestamp=-1))
    values: tuple[Any, ...] = ([], "otp", 1, None, True, {})
    for value in values:
        yield Probe(
            rule, ANY_TYPE, f"the JSON value {json.dumps(value)}", json.dumps(value).encode()
        )
    yield Probe(rule, ANY_TYPE, "the notification inside a JSON array", b"[" + example + b"]")
    yield Probe(
        rule,
        ANY_TYPE,
        "a form-encoded body",
        b"type=otp&code=1234",
        Send(content_type="application/x-www-form-urlencoded"),
    )
    yield Probe(rule, ANY_TYPE, "binary bytes", b"\x00\x01\x02\xff")
    yield Probe(rule, ANY_TYPE, f"arrays nested {DEEP} deep", b"[" * DEEP + b"]" * DEEP)


def signatures(contract: Contract, t: NotificationType, secret: str) -> Iterator[Probe]:
    """The signature matrix: headers missing or empty, the wrong key, message or timestamp."""
    example = contract.example(t.name)
    body = encode(contract, example)
    pretty = json.dumps(json.loads(body), indent=2, ensure_ascii=False).encode()
    # Titles name the headers as the document does; recipes name them by role (see `probe`).
    sig, ts = contract.signature.signature_header, contract.signature.timestamp_header
    matrix: list[tuple[str, bytes, Send]] = [
        (f"{sig} header missing", body, Send(omit=("signature",))),
        (f"{sig} header empty", body, Send(empty=("signature",))),
        (f"{ts} header missing", body, Send(omit=("timestamp",))),
        (f"{ts} header empty", body, Send(empty=("timestamp",))),
        # What a sender that leaves the timestamp out would sign: the body alone.
        (
            f"{ts} header missing, the body alone signed",
            body,
            Send(omit=("timestamp",), signed_timestamp=""),
        ),
        (
            f"{ts} header empty, the body alone signed",
            body,
            Send(empty=("timestamp",), signed_timestamp=""),
        ),
        (f"{sig} and {ts} headers missing", body, Send(omit=("signature", "timestamp"))),
        ("signed with another secret", body, Send(key=f"wrong-{secret}")),
        ("signed for a timestamp 60 s earlier than the one sent", body, Send(signed_timestamp=-60)),
        ("signed without the timestamp (body only)", body, Send(signed_timestamp="")),
        ("indented body signed with its whitespace (not compacted)", pretty, Send(reading="raw")),
        ("signature truncated to 63 characters", body, Send(signature=lambda d: d[:63])),
        ("signature truncated to 32 characters", body, Send(signature=lambda d: d[:32])),
        ("signature not hex (last character g)", body, Send(signature=lambda d: d[:63] + "g")),
        ("signature prefixed with sha256=", body, Send(signature=lambda d: "sha256=" + d)),
    ]
    if secret != contract.test_key:
        matrix.append(
            ("signed with the documentation's test key", body, Send(key=contract.test_key))
        )
    free = free_strings(t)
    if free:
        name = free[0].name
        changed = edited(contract, t, **{name: f"{example['data'][name]}9"})
        # Signed for a body no other probe sends, so that its signature is its own too.
        original = edited(contract, t, **{name: f"{example['data'][name]}8"})
        matrix.append(
            (
                f"data.{name} changed after signing",
                encode(contract, changed),
                Send(signed_body=encode(contract, original)),
            )
        )
    for title, sent, how in matrix:
        yield Probe("reject-bad-signature", t.name, title, sent, how)
