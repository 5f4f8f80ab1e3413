"""A Starlette receiver behind an API gateway that wants its own key (`X-Api-Key`).

The gateway (an ASGI middleware) answers 401 to any request without the key, before the body
is read; verify reaches the receiver with `--header 'X-Api-Key: ...'`. The receiver itself checks
the signature first (403 for every signature problem, even on a malformed body), with the
"all-whitespace" reading implemented as Python programmers write it (`"".join(text.split())`),
then validates with a table (422). Policies: extra fields are rejected, an unknown type is
answered 200 `{"message": "ignored"}`, the timestamp must be within 120 s.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from typing import Any, Final

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route as StarletteRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.verify.policies.asgi import Route

API_KEY_HEADER: Final = "X-Api-Key"
TOLERANCE: Final = 120

Check = Callable[[Any], bool]


def _string(v: Any) -> bool:
    return type(v) is str


def _integer(v: Any) -> bool:
    return type(v) is int


def _choice(*options: str) -> Check:
    return lambda v: type(v) is str and v in options


SCHEMA: Final[Mapping[str, Mapping[str, Check]]] = {
    "otp": {"code": _string, "msisdn": _string},
    "ticket_status": {
        "ticket_id": _string,
        "status": _choice("open", "resulted"),
        "result": _choice("pending", "won", "lost", "void"),
    },
    "bet_result": {
        "ticket_id": _string,
        "result": _choice("won", "lost", "void"),
        "event_id": _integer,
        "bet_id": _integer,
    },
}


class ApiKeyGateway:
    """Pure ASGI middleware: 401 without the right `X-Api-Key`, the body left unread."""

    def __init__(self, app: ASGIApp, key: str) -> None:
        self.app = app
        self.key = key.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            given = dict(scope["headers"]).get(API_KEY_HEADER.lower().encode(), b"")
            if not hmac.compare_digest(given, self.key):
                await JSONResponse({"message": "Unauthorized"}, 401)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def gateway_receiver(secret: str, api_key: str, route: Route) -> Starlette:
    """Return the gateway and receiver as one Starlette app listening at `route.path`."""
    key = secret.encode()

    def forbidden(why: str) -> JSONResponse:
        return JSONResponse({"error": why}, 403)

    async def notifications(request: Request) -> JSONResponse:
        body = await request.body()
        signature = request.headers.get("signature", "")
        timestamp = request.headers.get("timestamp", "")
        if not signature or not timestamp:
            return forbidden("missing signature")
        if not timestamp.isdecimal() or not timestamp.isascii() or len(timestamp) > 11:
            return forbidden("bad timestamp")
        if abs(time.time() - int(timestamp)) > TOLERANCE:
            return forbidden("timestamp outside the window")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return forbidden("cannot verify a body that is not UTF-8")
        message = (timestamp + "".join(text.split())).encode()
        expected = hmac.new(key, message, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature.lower()):
            return forbidden("bad signature")
        try:
            value = json.loads(text, parse_constant=_no_constant)
        except (ValueError, RecursionError):
            return JSONResponse({"error": "malformed JSON"}, 422)
        if not isinstance(value, dict) or not isinstance(value.get("type"), str):
            return JSONResponse({"error": "not a notification"}, 422)
        schema = SCHEMA.get(value["type"])
        if schema is None:
            return JSONResponse({"message": "ignored"})
        data = value.get("data")
        if not isinstance(data, dict) or set(value) != {"type", "data"}:
            return JSONResponse({"error": "bad envelope"}, 422)
        errors = [
            name for name, check in schema.items() if name not in data or not check(data[name])
        ]
        errors += [name for name in data if name not in schema]
        if errors:
            return JSONResponse({"error": "invalid fields", "fields": errors}, 422)
        return JSONResponse({"message": "Notification received"})

    return Starlette(
        routes=[StarletteRoute(route.path, notifications, methods=["POST"])],
        middleware=[Middleware(ApiKeyGateway, key=api_key)],
    )
