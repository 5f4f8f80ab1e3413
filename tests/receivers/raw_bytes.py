"""`raw_bytes`: a strict partner who checks the signature over the bytes it received.

In order: `Content-Type` must be `application/json` (415); the `signature` must be the HMAC of
`timestamp + body with the whitespace between JSON tokens removed`, with a timestamp at most
300 s from now (401); the body must be UTF-8 JSON without `NaN`, an object with exactly `type`
and `data`, of a known type, with exactly that type's fields, each of its JSON type and enum (400).

Written from the partner documentation, independently of `sms_hook`. Each step is a method, so
that each faulty receiver of the corpus (`faulty_*.py`) replaces exactly one of them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from tests.receivers.asgi import PlainApp, Receive, Response, Scope, Send, reject

TOLERANCE: Final = 300
"""Seconds a timestamp may differ from the receiver's clock."""

_TIMESTAMP_DIGITS: Final = 12  # longer is no unix time, and int() of a huge string is slow


@dataclass(frozen=True, slots=True)
class Field:
    """One documented field of a type's `data`."""

    name: str
    kind: Literal["string", "integer"]
    enum: tuple[str, ...] = ()


TICKET_RESULTS: Final = ("pending", "won", "lost", "void")
BET_RESULTS: Final = ("won", "lost", "void")

# Transcribed from the partner documentation, in signing order; a test pins it to openapi/.
FIELDS: Final[Mapping[str, tuple[Field, ...]]] = {
    "otp": (Field("code", "string"), Field("msisdn", "string")),
    "ticket_status": (
        Field("ticket_id", "string"),
        Field("status", "string", ("open", "resulted")),
        Field("result", "string", TICKET_RESULTS),
    ),
    "bet_result": (
        Field("ticket_id", "string"),
        Field("result", "string", BET_RESULTS),
        Field("event_id", "integer"),
        Field("bet_id", "integer"),
    ),
}

_SPACE: Final = frozenset(b" \t\n\r")
_QUOTE: Final = ord('"')
_BACKSLASH: Final = ord("\\")


def compact_tokens(body: bytes) -> bytes:
    """Remove JSON whitespace outside string values; string contents (and escapes) stay as sent."""
    out = bytearray()
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == _BACKSLASH:
                escaped = True
            elif byte == _QUOTE:
                in_string = False
        elif byte == _QUOTE:
            in_string = True
        elif byte in _SPACE:
            continue
        out.append(byte)
    return bytes(out)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class RawBytesReceiver:
    """The strict receiver: 415, then 401, then 400; 200 `{"message": ...}` on acceptance."""

    parse_errors: tuple[type[Exception], ...] = (ValueError, RecursionError)
    """What `json.loads` raises on a body that is not JSON (or nested too deeply for it)."""

    def __init__(self, secret: str) -> None:
        self.key = secret.encode()
        self.app = PlainApp(self.handle)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    async def handle(self, headers: Mapping[str, str], body: bytes) -> Response:
        self.check_media_type(headers)
        self.check_signature(headers, body)
        notification = self.validate(self.parse(self.decode(body)))
        return await self.acknowledge(notification, headers)

    # --- media type -----------------------------------------------------------------------

    def check_media_type(self, headers: Mapping[str, str]) -> None:
        raw = headers.get("content-type", "")
        if raw.split(";", 1)[0].strip().lower() != "application/json":
            raise reject(415, f"content-type: {raw!r} is not application/json")

    # --- signature ------------------------------------------------------------------------

    def check_signature(self, headers: Mapping[str, str], body: bytes) -> None:
        signature, timestamp = self.signature_headers(headers)
        self.check_timestamp(timestamp)
        expected = self.expected_signatures(timestamp, body)
        if not any(self.signature_matches(e, signature) for e in expected):
            raise reject(401, "signature: does not match the body and timestamp")

    def signature_headers(self, headers: Mapping[str, str]) -> tuple[str, str]:
        """Return (signature, timestamp), both present and non-empty."""
        for name in ("signature", "timestamp"):
            if not headers.get(name):
                raise reject(401, f"{name}: header missing or empty")
        return headers["signature"], headers["timestamp"]

    def check_timestamp(self, timestamp: str) -> None:
        if not (
            timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= _TIMESTAMP_DIGITS
        ):
            raise reject(401, f"timestamp: {timestamp!r} is not a unix time in seconds")
        skew = int(timestamp) - time.time()
        if abs(skew) > TOLERANCE:
            raise reject(401, f"timestamp: {timestamp} is {abs(skew):.0f} s from now")

    def expected_signatures(self, timestamp: str, body: bytes) -> list[str]:
        """Return every signature this receiver accepts for the request."""
        return [self.hmac_hex(timestamp.encode() + self.signed_body(body))]

    def signed_body(self, body: bytes) -> bytes:
        return compact_tokens(body)

    def hmac_hex(self, message: bytes) -> str:
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    def signature_matches(self, expected: str, given: str) -> bool:
        # Header values arrive as latin-1 text; compare bytes, in constant time.
        return hmac.compare_digest(expected.encode(), given.encode("latin-1"))

    # --- body -----------------------------------------------------------------------------

    def decode(self, body: bytes) -> str:
        if not body:
            raise reject(400, "body: empty")
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise reject(400, f"body: not UTF-8 ({exc.reason} at byte {exc.start})") from None

    def parse(self, text: str) -> Any:
        try:
            return json.loads(text, parse_constant=_no_constant)
        except self.parse_errors as exc:
            raise reject(400, f"body: not JSON ({exc})") from None

    def validate(self, value: Any) -> dict[str, Any]:
        """Return the notification, or reject it with every problem found."""
        if not isinstance(value, dict):
            raise reject(400, f"body: {type(value).__name__} is not a JSON object")
        extra = [key for key in value if key not in ("type", "data")]
        if extra:
            raise reject(400, f"{extra[0]}: not a field of a notification")
        type_name = value.get("type")
        if not isinstance(type_name, str):
            raise reject(400, f"type: {json.dumps(type_name)} is not a string")
        fields = self.fields_of(type_name)
        data = self.data_of(value)
        problems: list[str] = []
        for field in fields:
            if field.name not in data:
                if self.is_required(type_name, field):
                    problems.append(f"data.{field.name}: required")
                continue
            problem = self.check_field(type_name, field, data[field.name])
            if problem:
                problems.append(f"data.{field.name}: {json.dumps(data[field.name])} {problem}")
        names = {field.name for field in fields}
        problems += [f"data.{key}: not a field of {type_name}" for key in data if key not in names]
        if problems:
            raise reject(400, "; ".join(problems))
        return value

    def fields_of(self, type_name: str) -> tuple[Field, ...]:
        if type_name not in FIELDS:
            raise reject(400, f"type: {type_name!r} is not one of {', '.join(FIELDS)}")
        return FIELDS[type_name]

    def data_of(self, value: dict[str, Any]) -> dict[str, Any]:
        data = value.get("data")
        if not isinstance(data, dict):
            raise reject(400, "data: missing or not an object")
        return data

    def is_required(self, type_name: str, field: Field) -> bool:
        return True

    def check_field(self, type_name: str, field: Field, value: Any) -> str | None:
        """Return why `value` is not valid for `field`, or None."""
        if field.kind == "integer":
            return None if self.is_integer(value) else "is not an integer"
        if not isinstance(value, str):
            return "is not a string"
        allowed = self.allowed(type_name, field)
        if allowed and not self.in_enum(value, allowed):
            return f"is not one of {', '.join(allowed)}"
        return None

    def is_integer(self, value: Any) -> bool:
        # bool is a subclass of int in Python, but `true` is not an integer in JSON.
        return isinstance(value, int) and not isinstance(value, bool)

    def allowed(self, type_name: str, field: Field) -> tuple[str, ...]:
        return field.enum

    def in_enum(self, value: str, allowed: tuple[str, ...]) -> bool:
        return value in allowed

    # --- answer ---------------------------------------------------------------------------

    async def acknowledge(
        self, notification: dict[str, Any], headers: Mapping[str, str]
    ) -> Response:
        return Response.json(200, {"message": "Notification received"})
