"""`starlette_table`: a partner on Starlette who validates from a table, then checks the signature.

Unlike the other two, it validates the body *before* the signature (400 for an invalid body even
when unsigned), checks the signature with `sms_hook.signing` (as a partner who installed sms-hook
would; it accepts either reading of "all spaces removed" and a 300 s tolerance) after lower-casing
the hex, and answers `application/json; charset=utf-8`. Policies: an unknown type and an extra
field inside `data` are rejected (400); extra top-level keys are ignored; `Content-Type` is not
looked at.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Final

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sms_hook import signing
from sms_hook.errors import SignatureError
from tests.receivers.asgi import RECEIVER_PATH, ASGIApp

Check = Callable[[Any], bool]


def text(value: Any) -> bool:
    return type(value) is str


def whole_number(value: Any) -> bool:
    # type() rather than isinstance(): True is an instance of int.
    return type(value) is int


def one_of(*options: str) -> Check:
    return lambda value: type(value) is str and value in options


TABLE: Final[Mapping[str, Mapping[str, Check]]] = {
    "otp": {"code": text, "msisdn": text},
    "ticket_status": {
        "ticket_id": text,
        "status": one_of("open", "resulted"),
        "result": one_of("pending", "won", "lost", "void"),
    },
    "bet_result": {
        "ticket_id": text,
        "result": one_of("won", "lost", "void"),
        "event_id": whole_number,
        "bet_id": whole_number,
    },
}


class Utf8JSONResponse(JSONResponse):
    media_type = "application/json; charset=utf-8"


def _reject_nan(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def errors_in(body: bytes) -> list[str]:
    """Return what makes `body` an invalid notification (empty: valid)."""
    try:
        value = json.loads(body.decode("utf-8"), parse_constant=_reject_nan)
    except (ValueError, RecursionError) as exc:
        return [f"body: {exc}"]
    if not isinstance(value, dict):
        return ["body: must be a JSON object"]
    type_name = value.get("type")
    checks = TABLE.get(type_name) if isinstance(type_name, str) else None
    if checks is None:
        return [f"type: {json.dumps(value.get('type'))} is not one of {', '.join(TABLE)}"]
    data = value.get("data")
    if not isinstance(data, dict):
        return ["data: must be an object"]
    found = [f"data.{name}: missing" for name in checks if name not in data]
    found += [
        f"data.{name}: invalid value {json.dumps(data[name])}"
        for name, check in checks.items()
        if name in data and not check(data[name])
    ]
    found += [f"data.{name}: unexpected field" for name in data if name not in checks]
    return found


def starlette_table(secret: str) -> ASGIApp:
    """Return the `starlette_table` receiver for `secret`."""

    async def receive_notification(request: Request) -> JSONResponse:
        body = await request.body()
        errors = errors_in(body)
        if errors:
            return Utf8JSONResponse({"errors": errors}, status_code=400)
        headers = {
            "signature": request.headers.get("signature", "").lower(),
            "timestamp": request.headers.get("timestamp", ""),
        }
        try:
            signing.verify(secret, headers, body)
        except (SignatureError, ValueError) as exc:
            # ValueError: signing.verify runs int() on a timestamp of thousands of digits, which
            # Python refuses; that is a bad timestamp, not a server error.
            return Utf8JSONResponse({"error": str(exc)}, status_code=401)
        return Utf8JSONResponse({"message": "Notification received"})

    routes = [Route(RECEIVER_PATH, receive_notification, methods=["POST"])]
    return Starlette(routes=routes)
