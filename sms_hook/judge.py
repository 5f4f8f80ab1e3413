"""The one judge of the contract: what a receiver must answer to a request.

Both the mock server (to answer) and the verifier (to decide whether a receiver's answer is a
failure) ask this module. A request is judged from its raw bytes and headers into findings; each
finding names the field, the reason, the status a strict receiver answers, and whether the
contract *requires* a rejection (binding) or leaves it to the receiver's policy (open).

    expect ACCEPT  no findings: the receiver must answer 200 with {"message": ...}
    expect REJECT  at least one binding finding: the receiver must answer a 4xx
    expect EITHER  only open findings: 200 or a 4xx are both acceptable
"""

from __future__ import annotations

import enum
import json
import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from sms_hook import signing
from sms_hook.contract import Contract, NotificationType
from sms_hook.errors import ContractError, SignatureMismatch

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


class Expect(enum.Enum):
    """What the contract requires of a receiver for one request."""

    ACCEPT = "accept"
    REJECT = "reject"
    EITHER = "either"


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing wrong (or open to policy) with a request."""

    field: str
    reason: str
    status: int
    binding: bool
    rule: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


@dataclass(slots=True)
class Judgement:
    """The verdict on one request: its findings and what was understood of it."""

    findings: list[Finding] = field(default_factory=list)
    notification: dict[str, Any] | None = None
    type: str | None = None
    reading: signing.Reading | None = None

    @property
    def expect(self) -> Expect:
        if any(f.binding for f in self.findings):
            return Expect.REJECT
        return Expect.EITHER if self.findings else Expect.ACCEPT

    @property
    def status(self) -> int:
        """The status a strict receiver answers: 200, or that of the first finding."""
        return self.findings[0].status if self.findings else 200

    @property
    def binding(self) -> list[Finding]:
        return [f for f in self.findings if f.binding]

    def add(self, field: str, reason: str, status: int, rule: str, *, binding: bool = True) -> None:
        self.findings.append(Finding(field, reason, status, binding, rule))


def show(value: Any, limit: int = 60) -> str:
    """Render a JSON value as a sender wrote it, shortened for messages."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


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


class Judge:
    """Judges requests to the notification endpoint against one contract and one secret."""

    def __init__(
        self,
        contract: Contract,
        secret: str,
        *,
        tolerance: int = signing.DEFAULT_TOLERANCE,
        max_body: int | None = None,
    ) -> None:
        self.contract = contract
        self.secret = secret
        self.tolerance = tolerance
        self.max_body = max_body
        for t in contract.types.values():
            for f in t.fields:
                _check_supported(f"{t.name}.{f.name}", f.schema)
        self._type_list = ", ".join(contract.types)

    def judge(
        self, headers: Mapping[str, str], body: bytes, *, now: float | None = None
    ) -> Judgement:
        """Judge one request; `headers` maps lower-case names to values."""
        j = Judgement()
        if self.max_body is not None and len(body) > self.max_body:
            j.add(
                "body",
                f"{len(body)} bytes is more than the limit of {self.max_body} bytes",
                413,
                "body-too-large",
                binding=False,
            )
            return j
        self._media_type(j, headers)
        self._signature(j, headers, body, now)
        operator = headers.get("operator-name")
        if not operator:
            j.add(
                "header operator-name",
                "empty" if operator == "" else "missing",
                400,
                "operator-name-missing",
                binding=False,
            )
        self._body(j, body)
        return j

    def _media_type(self, j: Judgement, headers: Mapping[str, str]) -> None:
        raw = headers.get("content-type")
        if raw is None:
            j.add(
                "header content-type",
                f"missing; expected {self.contract.media_type}",
                415,
                "media-type",
                binding=False,
            )
            return
        media = raw.split(";", 1)[0].strip().lower()
        if media != self.contract.media_type:
            j.add(
                "header content-type",
                f"{raw!r} is not {self.contract.media_type}",
                415,
                "media-type",
                binding=False,
            )

    def _signature(
        self, j: Judgement, headers: Mapping[str, str], body: bytes, now: float | None
    ) -> None:
        signature = headers.get("signature")
        timestamp = headers.get("timestamp")
        missing = False
        for name, value in (("signature", signature), ("timestamp", timestamp)):
            if not value:
                j.add(
                    f"header {name}", "empty" if value == "" else "missing", 401, f"{name}-missing"
                )
                missing = True
        if missing or signature is None or timestamp is None:
            return
        try:
            j.reading = signing.match(self.secret, timestamp, body, signature)
        except SignatureMismatch as exc:
            lowered = signature.lower()
            if lowered == signature:
                j.add("header signature", str(exc).split(": ", 1)[1], 401, "signature-mismatch")
                return
            try:
                j.reading = signing.match(self.secret, timestamp, body, lowered)
            except SignatureMismatch as again:
                j.add("header signature", str(again).split(": ", 1)[1], 401, "signature-mismatch")
                return
            j.add(
                "header signature",
                "upper-case hex; the platform sends lower-case",
                401,
                "signature-case",
                binding=False,
            )
        seconds = signing.parse_timestamp(timestamp)
        if seconds is None:
            j.add(
                "header timestamp",
                f"{show(timestamp)} is not a unix time in whole seconds",
                401,
                "timestamp-not-numeric",
                binding=False,
            )
        elif self.tolerance:
            current = int(time.time() if now is None else now)
            skew = seconds - current
            if abs(skew) > self.tolerance:
                j.add(
                    "header timestamp",
                    f"{timestamp} is {abs(skew)} s {'ahead of' if skew > 0 else 'behind'} the "
                    f"receiver's clock (tolerance {self.tolerance} s)",
                    401,
                    "timestamp-stale",
                    binding=False,
                )

    def _body(self, j: Judgement, body: bytes) -> None:
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
                j.add(
                    "body", f"an integer is too long ({exc})", 400, "integer-range", binding=False
                )
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
            j.add(
                "body", f"{_json_kind(value)} is not a notification object", 400, "body-not-object"
            )
            return
        j.notification = value
        self._notification(j, value)

    def _notification(self, j: Judgement, value: dict[str, Any]) -> None:
        type_name = value.get("type")
        if "type" not in value:
            j.add("type", "required field missing", 400, "field-missing")
        elif not isinstance(type_name, str):
            j.add("type", f"{show(type_name)} is not a string", 400, "field-type")
        elif type_name not in self.contract.types:
            j.add(
                "type",
                f"{show(type_name)} is not a notification type ({self._type_list}; case matters)",
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
        self._data(j, self.contract.types[j.type], data)

    def _data(self, j: Judgement, t: NotificationType, data: dict[str, Any]) -> None:
        for f in t.fields:
            if f.name not in data:
                if f.required:
                    j.add(f"data.{f.name}", "required field missing", 400, "field-missing")
                continue
            for reason, rule, binding in _check_value(data[f.name], f.schema):
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


def _check_supported(where: str, schema: Mapping[str, Any]) -> None:
    unknown = set(schema) - _SUPPORTED_KEYWORDS
    if unknown:
        raise ContractError(
            f"{where}: schema keywords {sorted(unknown)} are not understood by the judge"
        )
    if schema.get("type") not in _JSON_TYPES:
        raise ContractError(f"{where}: type {schema.get('type')!r} is not a JSON type")


_CHECKED_TYPES: Final = {"string": str, "boolean": bool, "object": dict, "array": list}


def _check_value(value: Any, schema: Mapping[str, Any]) -> list[tuple[str, str, bool]]:
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
