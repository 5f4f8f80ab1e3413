"""`reserialise`: a lenient partner who parses first and signs what it parsed.

It validates the parsed JSON (422 on anything invalid), then rebuilds the signed message itself:
`type`, `data` (documented fields in documented order, then any others), then any other keys,
serialised compactly with non-ASCII as itself, every whitespace character removed (the
"all-whitespace" reading of "all spaces removed"), and compares its HMAC (403 on any signature
problem). Its policies differ from `raw_bytes` on purpose: extra fields are ignored, an unknown
type is answered 200 `{"message": "ignored", "ok": true}` (once signed), `Content-Type` is not
looked at and the timestamp's age is not checked.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from typing import Any, Final

from tests.receivers.asgi import ASGIApp, Halt, PlainApp, Response

# The documented fields as JSON-Schema fragments, in signing order.
SCHEMAS: Final[Mapping[str, Mapping[str, Mapping[str, Any]]]] = {
    "otp": {"code": {"type": "string"}, "msisdn": {"type": "string"}},
    "ticket_status": {
        "ticket_id": {"type": "string"},
        "status": {"type": "string", "enum": ["open", "resulted"]},
        "result": {"type": "string", "enum": ["pending", "won", "lost", "void"]},
    },
    "bet_result": {
        "ticket_id": {"type": "string"},
        "result": {"type": "string", "enum": ["won", "lost", "void"]},
        "event_id": {"type": "integer"},
        "bet_id": {"type": "integer"},
    },
}

# Only JSON's own whitespace: str.isspace() would also strip U+00A0 and friends from text.
_WHITESPACE: Final = re.compile("[ \t\n\r]")


def _invalid(reason: str) -> Halt:
    return Halt(Response.json(422, {"ok": False, "error": reason}))


def _forbidden(reason: str) -> Halt:
    return Halt(Response.json(403, {"ok": False, "error": reason}))


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def parse(body: bytes) -> dict[str, Any]:
    """Return the body as a notification object with a string `type` and an object `data`."""
    try:
        value = json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise _invalid(f"unreadable body: {exc}") from None
    if not isinstance(value, dict):
        raise _invalid("the body must be a JSON object")
    if not isinstance(value.get("type"), str):
        raise _invalid("type must be a string")
    if not isinstance(value.get("data"), dict):
        raise _invalid("data must be an object")
    return value


def problems(schema: Mapping[str, Mapping[str, Any]], data: Mapping[str, Any]) -> list[str]:
    """Return one line per documented field that is missing or wrong; other keys are ignored."""
    found: list[str] = []
    for name, rule in schema.items():
        if name not in data:
            found.append(f"{name} is required")
            continue
        value = data[name]
        if rule["type"] == "integer":
            right_type = isinstance(value, int) and not isinstance(value, bool)
        else:
            right_type = isinstance(value, str)
        if not right_type:
            found.append(f"{name} must be {rule['type']}, got {json.dumps(value)}")
        elif "enum" in rule and value not in rule["enum"]:
            found.append(f"{name} must be one of {rule['enum']}, got {json.dumps(value)}")
    return found


def signed_message(timestamp: str, notification: Mapping[str, Any]) -> bytes:
    """Rebuild `timestamp + body` as the platform signs it, from the parsed notification."""
    data: Mapping[str, Any] = notification["data"]
    order = list(SCHEMAS.get(notification["type"], {}))
    ordered_data = {k: data[k] for k in order if k in data}
    ordered_data.update((k, v) for k, v in data.items() if k not in ordered_data)
    ordered: dict[str, Any] = {"type": notification["type"], "data": ordered_data}
    ordered.update((k, v) for k, v in notification.items() if k not in ordered)
    try:
        text = json.dumps(ordered, separators=(",", ":"), ensure_ascii=False)
    except RecursionError:  # an ignored extra field nested deeper than json.dumps goes
        raise _invalid("body nested too deeply") from None
    # A lone surrogate (sent as an escape) cannot be UTF-8; it can only fail to match.
    return timestamp.encode() + _WHITESPACE.sub("", text).encode("utf-8", "surrogatepass")


def check_signature(
    key: bytes, headers: Mapping[str, str], notification: Mapping[str, Any]
) -> None:
    signature = headers.get("signature", "")
    timestamp = headers.get("timestamp", "")
    if not signature or not timestamp:
        raise _forbidden("signature and timestamp headers are required")
    expected = hmac.new(key, signed_message(timestamp, notification), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode("latin-1")):
        raise _forbidden("bad signature")


def reserialise(secret: str) -> ASGIApp:
    """Return the `reserialise` receiver for `secret`."""
    key = secret.encode()

    async def handle(headers: Mapping[str, str], body: bytes) -> Response:
        notification = parse(body)
        schema = SCHEMAS.get(notification["type"])
        if schema is not None:
            found = problems(schema, notification["data"])
            if found:
                raise _invalid("; ".join(found))
        check_signature(key, headers, notification)
        if schema is None:
            return Response.json(200, {"message": "ignored", "ok": True})
        return Response.json(200, {"message": "Notification received", "ok": True})

    return PlainApp(handle)
