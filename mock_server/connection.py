"""The mock's HTTP/1.1 connections: uvicorn's httptools protocol, with three things it lacks.

1. **An upgrade it refuses keeps the body.** llhttp stops at the end of the headers of a request
   that offers `Upgrade: h2c` (curl --http2, Java's HttpClient on http:// URLs), and uvicorn then
   drops the body (uvicorn issue 2722). RFC 9110 (7.8) lets a server ignore the offer and answer
   over HTTP/1.1, so here the body is read after all: counted out by Content-Length, or for a
   chunked body parsed by a second httptools parser (that connection then closes after the
   answer, since the parser cannot say where the body ended inside its input).
2. **Timeouts for connections that send nothing useful.** uvicorn arms its keep-alive timer only
   after a first answer and resets it on every byte, so an idle socket or a slowloris drip (one
   header byte every few seconds) holds its file descriptor forever. Here every connection that
   waits for a request is closed after `timeout_keep_alive` seconds of silence, and one whose
   request headers are not complete `HEADER_TIMEOUT` seconds after it started waiting is
   answered 408 and closed.
3. **A connection limit that real senders get past.** At `limit_concurrency` open connections
   a new one first pushes out the connection that has waited longest without a request in
   progress; only when every connection is busy is the newcomer answered 503 (problem JSON,
   `Retry-After`). The limit stays below the process's file-descriptor limit, so `accept` never
   fails for lack of descriptors.
"""

from __future__ import annotations

import asyncio
import json
import resource
import time
from typing import Any, Final

import httptools
from uvicorn.protocols.http.flow_control import HIGH_WATER_LIMIT
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mock_server.settings import DEFAULT_MAX_CONNECTIONS

HEADER_TIMEOUT: Final = 10.0
"""Seconds a client has to send a request's headers once the connection waits for one."""
FD_RESERVE: Final = 64
"""Descriptors kept free for the journal, logs and the listening socket."""
RETRY_AFTER_SECONDS: Final = 1


def max_connections(wanted: int) -> int:
    """The connection limit to use: `wanted`, kept below the file-descriptor limit."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft - FD_RESERVE))


def _answer(status: bytes, body: dict[str, Any], *extra: bytes) -> bytes:
    payload = json.dumps(body).encode()
    head = [
        b"HTTP/1.1 " + status,
        b"content-type: application/problem+json",
        b"content-length: " + str(len(payload)).encode(),
        b"connection: close",
        *extra,
    ]
    return b"\r\n".join(head) + b"\r\n\r\n" + payload


_BUSY: Final = _answer(
    b"503 Service Unavailable",
    {
        "title": "Service Unavailable",
        "status": 503,
        "detail": "too many open connections, all with a request in progress; retry shortly",
    },
    b"retry-after: %d" % RETRY_AFTER_SECONDS,
)
_SLOW_HEADERS: Final = _answer(
    b"408 Request Timeout",
    {
        "title": "Request Timeout",
        "status": 408,
        "detail": f"the request's headers did not arrive within {HEADER_TIMEOUT:g} seconds",
    },
)


class _ChunkedBody:
    """Callbacks of the parser that reads a chunked body after a refused upgrade."""

    def __init__(self, protocol: MockHttpProtocol) -> None:
        self.protocol = protocol

    def on_body(self, body: bytes) -> None:
        self.protocol.upgrade_body(body)

    def on_message_complete(self) -> None:
        self.protocol.upgrade_body_done()


class MockHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with refused upgrades, timeouts and a fair connection limit."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # uvicorn's own check answers text/plain 503 to a request once the limit is reached;
        # the limit is enforced here, when the connection is made, instead.
        self._limit = (
            None if self.limit_concurrency is None else max_connections(self.limit_concurrency)
        )
        self.limit_concurrency = None
        self._waiting_since: float | None = None  # monotonic; None while a request is handled
        self._header_timer: asyncio.TimerHandle | None = None
        self._body_left = 0  # bytes of a refused upgrade's body still to come (Content-Length)
        self._chunked: httptools.HttpRequestParser | None = None
        self._discard = False  # after a refused upgrade's chunked body: the connection closes

    # -- waiting for a request: idle and header timeouts ---------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if self._limit is not None and len(self.connections) > self._limit:
            self._make_room()
        self._wait_for_request()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def shutdown(self) -> None:
        """The server is stopping: a streamed answer (the admin page's event stream, which stays
        open by design) ends now; any other answer in progress is finished first, as uvicorn does.

        Without this, every open page held the stop (and a worker orphaned by `kill -9` of its
        supervisor) for the whole graceful-shutdown bound. The mock's other answers are written
        in one go, so an answer begun and not complete is a stream. It is ended as a complete
        message (the last chunk), so the page sees the stream end, not a broken connection, and
        reconnects by itself once the mock is back.
        """
        cycle = self.cycle
        if cycle is not None and cycle.response_started and not cycle.response_complete:
            if cycle.chunked_encoding:
                self.transport.write(b"0\r\n\r\n")
            self.transport.close()
            return
        super().shutdown()

    def on_response_complete(self) -> None:
        # uvicorn starts a pipelined request here, taking it off `pipeline`: whether the
        # connection now waits for a request is known only before that.
        idle = not self.pipeline
        super().on_response_complete()
        if idle and not self.transport.is_closing():
            self._wait_for_request()

    def on_headers_complete(self) -> None:
        self._waiting_since = None
        self._cancel_header_timer()
        super().on_headers_complete()

    def _wait_for_request(self) -> None:
        self._waiting_since = time.monotonic()
        if self.timeout_keep_alive_task is None:
            self.timeout_keep_alive_task = self.loop.call_later(
                self.timeout_keep_alive, self.timeout_keep_alive_handler
            )
        self._cancel_header_timer()
        self._header_timer = self.loop.call_later(HEADER_TIMEOUT, self._headers_too_slow)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self._waiting_since is not None and not self.transport.is_closing():
            self.transport.write(_SLOW_HEADERS)
            self.transport.close()

    # -- the connection limit ----------------------------------------------------------------

    def _make_room(self) -> None:
        """Close the connection that has waited longest for a request; if none waits, refuse."""
        oldest: MockHttpProtocol | None = None
        for other in self.connections:
            if (
                isinstance(other, MockHttpProtocol)
                and other is not self
                and other._waiting_since is not None
                and not other.transport.is_closing()
                and (oldest is None or other._waiting_since < (oldest._waiting_since or 0.0))
            ):
                oldest = other
        if oldest is not None:
            oldest.transport.close()
            # connection_lost comes later; forget it now so the count is right meanwhile.
            self.connections.discard(oldest)
            return
        self.transport.write(_BUSY)
        self.transport.close()

    # -- refused upgrades keep their body -----------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._body_left:
            self._upgrade_content(data)
            return
        if self._chunked is not None:
            self._feed_chunked(data)
            return
        if self._discard:
            return
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            msg = "Invalid HTTP request received."
            self.logger.warning(msg)
            self.send_400_response(msg)
        except httptools.HttpParserUpgrade as upgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._refuse_upgrade(data[upgrade.args[0] :])

    def _refuse_upgrade(self, rest: bytes) -> None:
        """Go on as HTTP/1.1: the body follows the headers as if no upgrade had been offered."""
        self.parser = _fresh_parser(self)
        framing = {
            name: value
            for name, value in self.headers
            if name in (b"content-length", b"transfer-encoding")
        }
        if b"transfer-encoding" in framing:
            self.cycle.more_body = True
            self.cycle.keep_alive = False
            self._chunked = _fresh_parser(_ChunkedBody(self))
            self._chunked.feed_data(
                b"POST / HTTP/1.1\r\ntransfer-encoding: "
                + framing[b"transfer-encoding"]
                + b"\r\n\r\n"
            )
            self._feed_chunked(rest)
            return
        declared = framing.get(b"content-length", b"0").strip()
        length = int(declared) if declared.isdigit() else 0  # llhttp refused any other value
        if length:
            self.cycle.more_body = True
            self._body_left = length
            self._upgrade_content(rest)
        elif rest:
            self.data_received(rest)

    def _upgrade_content(self, data: bytes) -> None:
        body, rest = data[: self._body_left], data[self._body_left :]
        self._body_left -= len(body)
        if body:
            self.upgrade_body(body)
        if not self._body_left:
            self.upgrade_body_done()
            if rest:
                self.data_received(rest)

    def _feed_chunked(self, data: bytes) -> None:
        parser = self._chunked
        if parser is None:
            return
        try:
            parser.feed_data(data)
        except httptools.HttpParserError:
            self.send_400_response("Invalid chunked body.")

    def upgrade_body(self, body: bytes) -> None:
        """Hand a piece of a refused upgrade's body to the request (as uvicorn's `on_body`)."""
        if self.cycle.response_complete:
            return
        self.cycle.body += body
        if len(self.cycle.body) > HIGH_WATER_LIMIT:  # read on as the app takes it (`receive`)
            self.flow.pause_reading()
        self.cycle.message_event.set()

    def upgrade_body_done(self) -> None:
        if self._chunked is not None:
            self._chunked = None
            self._discard = True
        self.cycle.more_body = False
        self.cycle.message_event.set()


def _fresh_parser(callbacks: object) -> httptools.HttpRequestParser:
    parser = httptools.HttpRequestParser(callbacks)
    # As uvicorn does: answer the first of pipelined requests even if a later one is bad.
    parser.set_dangerous_leniencies(lenient_data_after_close=True)
    return parser


IDLE_TIMEOUT: Final = 5
"""Seconds a connection may wait for a request without sending a byte (uvicorn's default)."""
PROTOCOL: Final = "mock_server.connection:MockHttpProtocol"


def server_options(
    parser: str = "httptools", *, max_connections: int = DEFAULT_MAX_CONNECTIONS
) -> dict[str, Any]:
    """uvicorn `Config` options for the mock's connections.

    `httptools` is this module's protocol; `h11` is uvicorn's stock h11 protocol (about half as
    fast, kept for comparison), with uvicorn's own idle timeout and connection limit only.
    """
    return {
        "http": PROTOCOL if parser == "httptools" else "h11",
        "limit_concurrency": max_connections,
        "timeout_keep_alive": IDLE_TIMEOUT,
    }
