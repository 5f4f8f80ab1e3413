"""Plain ASGI plumbing for the policy receivers: one route, the body, and how the answer goes out.

The framework plumbing (ASGI types, reading the body, lifespan) is tests/receivers/asgi.py's;
unlike there, the answer's transport is a policy too: a content type with or
without charset, gzip when the sender accepts it, `Connection: close`, chunked (no length), a
delay. None of it changes what the contract requires of the answer.
"""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from tests.receivers.asgi import Receive, Scope, Send, lifespan, read_body


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    payload: Any = None
    """A JSON value, or bytes sent as they are."""
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def body(self) -> bytes:
        if isinstance(self.payload, bytes):
            return self.payload
        return b"" if self.payload is None else json.dumps(self.payload).encode()


class Refuse(Exception):  # ends handling with an answer: not an error, hence the name
    """Raised anywhere in a handler to answer at once."""

    def __init__(self, status: int, reason: str, **extra: Any) -> None:
        super().__init__(f"{status} {reason}")
        self.answer = Answer(status, {"error": reason, **extra})


@dataclass(frozen=True, slots=True)
class Transport:
    """How answers go out (all within what HTTP and the contract allow)."""

    close: bool = False
    """`Connection: close` on every answer (the server then closes the connection)."""
    gzip: bool = False
    """Compress answers when the request's Accept-Encoding names gzip."""
    chunked: bool = False
    """No Content-Length: the server sends the body chunked."""
    delay: float = 0.0
    """Seconds to wait before answering."""
    slow_every: int = 1
    """Only every n-th request waits `delay`."""


@dataclass(frozen=True, slots=True)
class Route:
    """Where the receiver listens: a path, and query parameters that must be there."""

    path: str
    query: Mapping[str, str] = field(default_factory=dict)

    def url(self, base: str) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.query.items())
        return base + self.path + (f"?{query}" if query else "")

    def matches(self, scope: Scope) -> bool:
        if scope["path"] != self.path:
            return False
        given = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        return all(given.get(k) == [v] for k, v in self.query.items())


Handler = Callable[[Mapping[str, str], bytes], Awaitable[Answer]]
Precheck = Callable[[Mapping[str, str]], "Answer | None"]


class Endpoint:
    """An ASGI app that routes POST on `route` to `handler(headers, body)`.

    `precheck(headers)` may answer before the body is read (a size limit from Content-Length).
    An exception other than `Refuse` is a bug: it answers 500, which verify must report.
    """

    def __init__(
        self,
        route: Route,
        handler: Handler,
        *,
        transport: Transport | None = None,
        precheck: Precheck | None = None,
    ) -> None:
        self.route = route
        self.handler = handler
        self.transport = transport or Transport()
        self.precheck = precheck
        self.count = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        answer = self.precheck(headers) if self.precheck is not None else None
        if answer is not None:
            pass
        elif not self.route.matches(scope):
            answer = Answer(404, {"error": "no such endpoint"})
        elif scope["method"] != "POST":
            answer = Answer(405, {"error": "POST only"}, headers=(("allow", "POST"),))
        else:
            body = await read_body(receive)
            try:
                answer = await self.handler(headers, body)
            except Refuse as refusal:
                answer = refusal.answer
            except Exception:  # what any framework does with a bug
                answer = Answer(500, b"Internal Server Error", "text/plain")
        self.count += 1
        t = self.transport
        if t.delay and self.count % t.slow_every == 0:
            await asyncio.sleep(t.delay)
        await self._send(send, answer, headers.get("accept-encoding", ""))

    async def _send(self, send: Send, answer: Answer, accepted: str) -> None:
        t = self.transport
        body = answer.body
        out = [(b"content-type", answer.content_type.encode())]
        out += [(k.encode(), v.encode()) for k, v in answer.headers]
        if t.gzip and "gzip" in accepted.lower():
            body = gzip.compress(body)
            out += [(b"content-encoding", b"gzip"), (b"vary", b"accept-encoding")]
        if t.close:
            out.append((b"connection", b"close"))
        if not t.chunked:
            out.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": answer.status, "headers": out})
        if t.chunked and len(body) > 1:
            half = len(body) // 2
            await send({"type": "http.response.body", "body": body[:half], "more_body": True})
            await send({"type": "http.response.body", "body": body[half:]})
        else:
            await send({"type": "http.response.body", "body": body})
