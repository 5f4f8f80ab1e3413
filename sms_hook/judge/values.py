"""The judge's view of one field's value against its schema: JSON type, enum, length, range."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, Final

from sms_hook.errors import ContractError
from sms_hook.judge.verdict import show

SAFE_INTEGER: Final = 2**53 - 1
"""Integers within ±(2^53−1) must be accepted; beyond that, 200 or 4xx are both acceptable."""

_SUPPORTED_KEYWORDS: Final = frozenset(
    {
        "type",
        "enum",
        "pattern",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "description",
        "example",
        "nullable",
    }
)
_JSON_TYPES: Final = {"string", "integer", "number", "boolean", "object", "array"}


def check_supported(where: str, schema: Mapping[str, Any]) -> None:
    unknown = set(schema) - _SUPPORTED_KEYWORDS
    if unknown:
        raise ContractError(
            f"{where}: schema keywords {sorted(unknown)} are not understood by the judge"
        )
    if schema.get("type") not in _JSON_TYPES:
        raise ContractError(f"{where}: type {schema.get('type')!r} is not a JSON type")


_CHECKED_TYPES: Final = {"string": str, "boolean": bool, "object": dict, "array": list}


def check_value(value: Any, schema: Mapping[str, Any]) -> list[tuple[str, str, bool]]:
    """Return (reason, rule, binding) for each way `value` breaks a field's schema."""
    expected = schema["type"]
    if value is None:
        if schema.get("nullable"):
            return []
        return [(f"null is not {_article(expected)} (null is not allowed)", "field-null", True)]
    if expected == "integer":
        if isinstance(value, bool):
            return [
                (f"{show(value)} is not an integer (booleans are not integers)", "field-type", True)
            ]
        if isinstance(value, float):
            if math.isfinite(value) and value.is_integer():
                return [
                    (
                        f"{show(value)} is written as a decimal; receivers differ on whether it "
                        "is an integer",
                        "integer-as-decimal",
                        False,
                    )
                ]
            return [(f"{show(value)} is not an integer", "field-type", True)]
        if not isinstance(value, int):
            extra = (
                " (a string, even of digits, is not an integer)" if isinstance(value, str) else ""
            )
            return [(f"{show(value)} is not an integer{extra}", "field-type", True)]
        if abs(value) > SAFE_INTEGER:
            return [
                (
                    f"{show(value)} is outside ±(2^53−1); receivers may reject it",
                    "integer-range",
                    False,
                )
            ]
    elif expected == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return [(f"{show(value)} is not a number", "field-type", True)]
    elif not isinstance(value, _CHECKED_TYPES[expected]) or (
        expected != "boolean" and isinstance(value, bool)
    ):
        return [(f"{show(value)} is not {_article(expected)}", "field-type", True)]
    problems: list[tuple[str, str, bool]] = []
    enum_values = schema.get("enum")
    if enum_values is not None and value not in enum_values:
        options = ", ".join(show(v) for v in enum_values)
        problems.append(
            (f"{show(value)} is not one of {options} (case matters)", "field-enum", True)
        )
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            problems.append(
                (
                    f"{show(value)} is shorter than {schema['minLength']} characters",
                    "field-length",
                    True,
                )
            )
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            problems.append(
                (
                    f"{show(value)} is longer than {schema['maxLength']} characters",
                    "field-length",
                    True,
                )
            )
        if "pattern" in schema and not re.search(schema["pattern"], value):
            problems.append(
                (f"{show(value)} does not match {schema['pattern']}", "field-pattern", True)
            )
    elif isinstance(value, int | float):
        if "minimum" in schema and value < schema["minimum"]:
            problems.append(
                (f"{show(value)} is less than {schema['minimum']}", "field-range", True)
            )
        if "maximum" in schema and value > schema["maximum"]:
            problems.append(
                (f"{show(value)} is more than {schema['maximum']}", "field-range", True)
            )
    return problems


def _article(type_name: str) -> str:
    return f"an {type_name}" if type_name[0] in "aeiou" else f"a {type_name}"
