"""The bare ASGI plumbing the hand-written receivers share: routing, body, answer, 500 on a bug.

This is the part a partner's web framework would give them; the contract logic (signature,
validation, answer) lives in each receiver, written independently of `sms_hook`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Final, Protocol

RECEIVER_PATH: Final = "/hooks/sms"
"""Where every receiver of the corpus listens; every other path answers 404."""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class ASGIApp(Protocol):
    """Any ASGI 3 application."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None: ...


@dataclass(frozen=True, slots=True)
class Response:
    """One answer: status, content type and body bytes."""

    status: int
    body: bytes
    content_type: str = "application/json"

    @classmethod
    def json(cls, status: int, payload: Any, content_type: str = "application/json") -> Response:
        return cls(status, json.dumps(payload).encode(), content_type)


def problem(status: int, detail: str) -> Response:
    """An RFC 9457 problem answer, the way the strict receivers reject."""
    titles = {400: "Invalid notification", 401: "Bad signature", 415: "Unsupported media type"}
    payload = {"title": titles.get(status, "Rejected"), "status": status, "detail": detail}
    return Response.json(status, payload, "application/problem+json")


class Halt(Exception):  # not named ...Error: it ends handling with an answer, not a failure
    """Raised anywhere in a handler to answer at once with `response`."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def reject(status: int, detail: str) -> Halt:
    """Return the `Halt` that rejects with a problem answer (raise it)."""
    return Halt(problem(status, detail))


_receive: ContextVar[Receive] = ContextVar("receive")


async def until_sender_hangs_up(seconds: float) -> None:
    """Wait `seconds`, or less if the sender disconnects first (call from a handler).

    Stands for slow work inside a handler. Ending early when the sender is gone keeps a test
    server's shutdown prompt; the sender still gets no answer for `seconds`.
    """
    receive = _receive.get()

    async def disconnected() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(disconnected(), seconds)


Handler = Callable[[Mapping[str, str], bytes], Awaitable[Response]]


class PlainApp:
    """An ASGI app that routes POST `RECEIVER_PATH` to `handler(headers, body)`.

    `headers` maps lower-case names to values (ASGI servers lower-case them). Any exception other
    than `Halt` becomes a 500, as in every web framework: that is how the corpus's crashing
    receivers fail, and why a correct receiver must not raise.
    """

    def __init__(self, handler: Handler) -> None:
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if scope["path"] != RECEIVER_PATH:
            response = Response.json(404, {"detail": "Not Found"})
        elif scope["method"] != "POST":
            response = Response.json(405, {"detail": "Method Not Allowed"})
        else:
            headers = {
                k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]
            }
            body = await read_body(receive)
            _receive.set(receive)
            try:
                response = await self.handler(headers, body)
            except Halt as halt:
                response = halt.response
            except Exception:  # the framework's last resort: a bug answers 500, never a drop
                response = Response(500, b"Internal Server Error", "text/plain; charset=utf-8")
        await send_response(send, response)


async def read_body(receive: Receive) -> bytes:
    """Read the whole request body."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def send_response(send: Send, response: Response) -> None:
    headers = [
        (b"content-type", response.content_type.encode("latin-1")),
        (b"content-length", str(len(response.body)).encode()),
    ]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


async def lifespan(receive: Receive, send: Send) -> None:
    """Answer an ASGI server's start-up and shut-down messages."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
