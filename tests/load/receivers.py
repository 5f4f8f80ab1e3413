"""Receivers that keep the contract until they are loaded: one answers 500 above a rate, one
slows down after a while. Both check the signature like a real receiver (a 401 would show up
as a break of its own kind)."""

from __future__ import annotations

import time
from collections.abc import Mapping

from sms_hook import signing
from sms_hook.errors import SignatureError
from tests.receivers.asgi import PlainApp, Response, until_sender_hangs_up

ACCEPTED = Response.json(200, {"message": "Notification received"})
OVERLOADED = Response(500, b'{"detail":"overloaded"}', "application/json")


def _signed(secret: str, headers: Mapping[str, str], body: bytes) -> Response | None:
    try:
        signing.verify(secret, headers, body)
    except SignatureError as exc:
        return Response.json(401, {"detail": str(exc)})
    return None


class Overloaded:
    """Answers 200 to the first `limit` requests of each wall-clock second, 500 to the rest."""

    def __init__(self, secret: str, limit: int) -> None:
        self.secret = secret
        self.limit = limit
        self.second = 0
        self.count = 0

    async def __call__(self, headers: Mapping[str, str], body: bytes) -> Response:
        now = int(time.monotonic())
        if now != self.second:
            self.second, self.count = now, 0
        self.count += 1
        if self.count > self.limit:
            return OVERLOADED
        return _signed(self.secret, headers, body) or ACCEPTED


class SlowingDown:
    """Answers at once for `fast_for` seconds after its first request, then after `delay`."""

    def __init__(self, secret: str, fast_for: float, delay: float) -> None:
        self.secret = secret
        self.fast_for = fast_for
        self.delay = delay
        self.first: float | None = None

    async def __call__(self, headers: Mapping[str, str], body: bytes) -> Response:
        now = time.monotonic()
        if self.first is None:
            self.first = now
        if now - self.first > self.fast_for:
            await until_sender_hangs_up(self.delay)
        return _signed(self.secret, headers, body) or ACCEPTED


def app(handler: Overloaded | SlowingDown) -> PlainApp:
    return PlainApp(handler)
