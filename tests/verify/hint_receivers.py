"""Receivers that provoke each hint of the report: a clock far from ours, a gateway that wants
its own credentials, a redirect, one field whose integer check is missing.

Each is the judge answering (tests/verify/receivers.py) with one thing changed.
"""

from __future__ import annotations

import time
from email.utils import formatdate

from sms_hook import contract as contract_module
from sms_hook.judge import Expect, Judge
from tests.verify.receivers import (
    App,
    Receive,
    Scope,
    Send,
    answer,
    judge_receiver,
    read_body,
)


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def skewed_clock(secret: str, skew: float) -> App:
    """Checks timestamps against a clock `skew` seconds from ours, and says so in its Date
    header (serve it with `date_header=False`, so the server adds no Date of its own)."""
    judge = Judge(contract_module.load(), secret, tolerance=300)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        now = time.time() + skew
        verdict = judge.judge(_headers(scope), body, now=now)
        date = ((b"date", formatdate(now, usegmt=True).encode()),)
        stale = any(f.rule == "timestamp-stale" for f in verdict.findings)
        if verdict.expect is Expect.REJECT or stale:
            await answer(send, 401, {"title": "rejected"}, "application/problem+json", date)
        else:
            await answer(send, 200, {"message": "Notification received"}, headers=date)

    return app


def basic_auth_gateway(secret: str, credentials: str) -> App:
    """A gateway that answers 401 with a Basic challenge unless `Authorization: credentials`."""
    receiver = judge_receiver(secret)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if _headers(scope).get("authorization") != credentials:
            await read_body(receive)
            challenge = ((b"www-authenticate", b'Basic realm="staging"'),)
            await answer(send, 401, b"Unauthorized", "text/plain", challenge)
            return
        await receiver(scope, receive, send)

    return app


def redirecting(location: str) -> App:
    """Answers every request 308 to `location` (a receiver that moved)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        await read_body(receive)
        await answer(send, 308, b"", "text/plain", ((b"location", location.encode()),))

    return app


def lax_integer(secret: str, field: str) -> App:
    """The judge, except that a value of the wrong JSON type passes for `field` (a missing type
    check; a missing field or null is still refused)."""
    judge = Judge(contract_module.load(), secret)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        verdict = judge.judge(_headers(scope), body)
        binding = [f for f in verdict.binding if (f.field, f.rule) != (field, "field-type")]
        if binding:
            await answer(send, 400, {"title": str(binding[0])}, "application/problem+json")
        else:
            await answer(send, 200, {"message": "Notification received"})

    return app
