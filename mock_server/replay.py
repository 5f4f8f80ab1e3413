"""A journaled request, again: resent to the mock itself, or written as a `curl` command.

Resending replays the exact bytes that were journaled (headers and body, signature included) into
the mock's own notification endpoint, in process: the page never holds a secret and the mock never
signs anything for it. A replay is judged like any request, so one older than the timestamp
tolerance gets the 401 a real receiver would give (start the mock with `--tolerance 0` to replay
old requests), and it is journaled as a new record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from mock_server.admin import Answer, problem
from mock_server.journal import Entry, Journal
from mock_server.receiver import ASGIApp, Message
from sms_hook import repro

# Set by the client or the connection, not part of what a sender chose to send.
_NOT_REPLAYED: Final = frozenset(
    {
        "host",
        "content-length",
        "connection",
        "keep-alive",
        "transfer-encoding",
        "te",
        "upgrade",
        "http2-settings",
        "expect",
        "accept-encoding",
    }
)


class Replay:
    """The admin handlers that send a journaled request again."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.deliver: ASGIApp | None = None
        """The app that answers the notification endpoint; set once it is built."""

    def handlers(self) -> dict[str, Callable[..., Any]]:
        return {"resendNotification": self.resend, "notificationCurl": self.curl}

    async def resend(self, id: int) -> Answer:
        entry = self.journal.get(id)
        if entry is None:
            return _missing(id)
        assert self.deliver is not None, "wired by create_app before serving"
        from connexion import request  # noqa: PLC0415 - the request of the running handler

        outer = request.scope
        scope = {
            "type": "http",
            "asgi": outer.get("asgi", {"version": "3.0"}),
            "http_version": "1.1",
            "method": entry.method,
            "scheme": outer.get("scheme", "http"),
            "path": entry.path,
            "raw_path": entry.path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": _raw_headers(entry),
            "client": outer.get("client"),
            "server": outer.get("server"),
        }
        sent = False
        answer: dict[str, Any] = {"status": 0, "headers": {}, "body": b""}

        async def receive() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": entry.body, "more_body": False}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                answer["headers"] = {
                    k.decode("latin-1"): v.decode("latin-1") for k, v in message["headers"]
                }
            elif message["type"] == "http.response.body":
                answer["body"] += message.get("body", b"")

        await self.deliver(scope, receive, send)
        return (
            {
                "resent": id,
                "status": answer["status"],
                "headers": answer["headers"],
                "body": answer["body"].decode("utf-8", errors="replace"),
            },
            200,
            {"Content-Type": "application/json"},
        )

    async def curl(self, id: int) -> Answer:
        entry = self.journal.get(id)
        if entry is None:
            return _missing(id)
        from connexion import request  # noqa: PLC0415 - the request of the running handler

        base = origin(request.scope)
        headers = {k: v for k, v in entry.headers.items() if k not in _NOT_REPLAYED}
        command = repro.curl(base + entry.path, headers.items(), entry.body)
        return command + "\n", 200, {"Content-Type": "text/plain"}


def origin(scope: dict[str, Any] | Any) -> str:
    """`scheme://host[:port]` of the mock as the client addressed it (its Host header)."""
    host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), None)
    if not host:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}"


def _raw_headers(entry: Entry) -> list[tuple[bytes, bytes]]:
    raw = [
        (name.encode("latin-1"), value.encode("latin-1", errors="replace"))
        for name, value in entry.headers.items()
        if name not in ("content-length", "transfer-encoding")
    ]
    raw.append((b"content-length", str(len(entry.body)).encode()))
    return raw


def _missing(entry_id: int) -> Answer:
    return problem(
        404,
        "Not found",
        f"id: no notification {entry_id} in the journal (never recorded, or cleared)",
    )
