"""The judge's view of the body: JSON, the notification's shape, each field against its schema.

Everything about a field (its JSON type, enum, length, range) is read from the contract's schema;
keywords the judge does not understand are refused when the judge is built, so that a change in
the OpenAPI document can never be silently ignored.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

from sms_hook.contract import Contract, NotificationType
from sms_hook.judge.values import SAFE_INTEGER, check_supported, check_value
from sms_hook.judge.verdict import Judgement, show

__all__ = ["SAFE_INTEGER", "check_body", "check_schemas"]

# A JSON string token, and one escape inside it.
_STRING: Final = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_ESCAPE: Final = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)
_SHORT_ESCAPES: Final = frozenset('"\\bfnrt')
_CONTROL_ESCAPES: Final = frozenset("bfnrt")
"""Short escapes of control characters (backspace, form feed, line feed, CR, tab)."""


def check_schemas(contract: Contract) -> None:
    """Refuse a contract whose field schemas use keywords the judge does not understand."""
    for t in contract.types.values():
        for f in t.fields:
            check_supported(f"{t.name}.{f.name}", f.schema)


class _Objects:
    """An `object_pairs_hook` that builds dicts and remembers keys that appeared twice."""

    __slots__ = ("duplicates",)

    def __init__(self) -> None:
        self.duplicates: list[str] = []

    def __call__(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    self.duplicates.append(key)
                seen.add(key)
        return obj


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def check_body(j: Judgement, body: bytes, contract: Contract) -> None:
    """Add the findings on the body: bytes, JSON, the notification and its fields."""
    if not body:
        j.add("body", "empty; expected a JSON notification object", 400, "body-empty")
        return
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        j.add(
            "body",
            f"bytes are not valid UTF-8 (byte {exc.start}: 0x{body[exc.start]:02x})",
            400,
            "body-not-utf8",
        )
        return
    objects = _Objects()
    try:
        value = json.loads(text, object_pairs_hook=objects, parse_constant=_reject_constant)
    except RecursionError:
        j.add("body", "JSON nested too deeply", 400, "body-too-deep")
        return
    except ValueError as exc:
        if "digits" in str(exc):  # CPython's limit on integer string conversion
            j.add("body", f"an integer is too long ({exc})", 400, "integer-range", binding=False)
        else:
            j.add("body", f"malformed JSON: {exc}", 400, "body-malformed")
        return
    duplicates = objects.duplicates
    if duplicates:
        j.add(
            "body",
            f"duplicate keys {', '.join(map(repr, duplicates))}; receivers differ on "
            "which one wins",
            400,
            "duplicate-keys",
            binding=False,
        )
        return
    if not isinstance(value, dict):
        j.add("body", f"{_json_kind(value)} is not a notification object", 400, "body-not-object")
        return
    j.notification = value
    _strings(j, text)
    _notification(j, value, contract)


def _notification(j: Judgement, value: dict[str, Any], contract: Contract) -> None:
    type_name = value.get("type")
    if "type" not in value:
        j.add("type", "required field missing", 400, "field-missing")
    elif not isinstance(type_name, str):
        j.add("type", f"{show(type_name)} is not a string", 400, "field-type")
    elif type_name not in contract.types:
        j.add(
            "type",
            f"{show(type_name)} is not a notification type "
            f"({', '.join(contract.types)}; case matters)",
            400,
            "unknown-type",
            binding=False,
        )
        return
    else:
        j.type = type_name
    data = value.get("data")
    if "data" not in value:
        j.add("data", "required field missing", 400, "field-missing")
    elif not isinstance(data, dict):
        j.add("data", f"{show(data)} is not an object", 400, "field-type")
    extra = [k for k in value if k not in ("type", "data")]
    if extra:
        j.add(
            extra[0],
            f"not a field of a notification (only type and data); {len(extra)} extra",
            400,
            "extra-field",
            binding=False,
        )
    elif list(value) == ["data", "type"]:
        j.add(
            "body",
            "data comes before type; the platform sends and signs type first",
            400,
            "key-order",
            binding=False,
        )
    if j.type is None or not isinstance(data, dict):
        return
    _data(j, contract.types[j.type], data)


def _data(j: Judgement, t: NotificationType, data: dict[str, Any]) -> None:
    for f in t.fields:
        if f.name not in data:
            if f.required:
                j.add(f"data.{f.name}", "required field missing", 400, "field-missing")
            continue
        for reason, rule, binding in check_value(data[f.name], f.schema):
            j.add(f"data.{f.name}", reason, 400, rule, binding=binding)
    names = t.field_names
    extra = [k for k in data if k not in names]
    if extra:
        j.add(
            f"data.{extra[0]}",
            f"not a field of {t.name} (fields: {', '.join(names)})",
            400,
            "extra-field",
            binding=False,
        )
    present = [k for k in data if k in names]
    if present != [n for n in names if n in data]:
        j.add(
            "data",
            f"fields in order {', '.join(present)}; the platform signs them in "
            f"order {', '.join(names)}",
            400,
            "key-order",
            binding=False,
        )


def _strings(j: Judgement, text: str) -> None:
    """Allow a 4xx for string values a receiver may refuse to store or may re-serialise.

    Escaped control characters and lone surrogates are valid JSON that many stores refuse
    (PostgreSQL refuses NUL; a lone surrogate is no UTF-8). Escapes the platform never writes
    (`\\u00e9`, `\\/`) are valid too, but a receiver that re-serialises the JSON before checking
    the signature computes other bytes than were signed.
    """
    if "\\" not in text:  # no escape at all: the usual body, and much cheaper than the scan
        return
    control = surrogate = form = False
    for token in _STRING.findall(text):
        for escape in _ESCAPE.findall(token[1:-1]):
            if escape[0] != "u":
                control = control or escape in _CONTROL_ESCAPES
                form = form or escape not in _SHORT_ESCAPES
                continue
            code = int(escape[1:], 16)
            if code < 0x20:
                control = True
            elif 0xD800 <= code <= 0xDFFF:
                surrogate = True
            else:
                form = True
    if control:
        j.allow("body", "a string holds an escaped control character", 400, "string-control")
    if surrogate:
        j.allow("body", "a string holds an escaped lone surrogate", 400, "string-surrogate")
    if form:
        j.allow(
            "body",
            "a string is written with escapes the platform does not use (\\u of a printable "
            "character, \\/); a receiver that re-serialises before checking the signature "
            "computes other bytes",
            401,
            "escaped-form",
        )


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "a JSON array"
    if isinstance(value, str):
        return "a JSON string"
    if isinstance(value, bool):
        return f"JSON {show(value)}"
    if value is None:
        return "JSON null"
    return f"the JSON number {show(value)}"
