"""One HTTP/1.1 exchange with a receiver, bounded by a deadline and a size cap, that nothing breaks.

A general HTTP client bounds each socket operation; a receiver that drips its answer one byte
a second then holds it for ever, and one that answers 100 MB fills memory. Here:

- the timeout is a deadline for the whole exchange: connect, TLS handshake, sending the request,
  and the last byte of the answer; every socket operation waits at most for what is left of it;
- an answer's body is read up to `MAX_ANSWER` bytes; the rest is discarded (the connection is
  closed rather than drained) and the answer says so (`Answer.discarded`);
- redirects are answers like any other, never followed;
- a keep-alive connection is reused; one the receiver closed while idle is reopened once.

The HTTP/1.1 framing is h11's (the parser under httpx and uvicorn); this module only adds the
socket, TLS, the deadline and the cap.

Errors (sms_hook.errors): `ReceiverUnreachable` when no connection could be made (refused, DNS,
TLS handshake, no connection in time); `NoAnswerInTime` when the deadline passed after
connecting; `ConnectionDropped` when the receiver closed or reset the connection before a whole
answer, or answered something that is not HTTP; `Unsendable` for a request HTTP cannot carry.
"""

from __future__ import annotations

import base64
import re
import select
import socket
import ssl
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import h11

from sms_hook.errors import (
    ConnectionDropped,
    NoAnswerInTime,
    ReceiverUnreachable,
    SmsHookError,
    Unsendable,
)

MAX_ANSWER: Final = 1024 * 1024
"""Bytes of an answer's body kept; any contract answer is a few hundred bytes."""
UNREAD: Final = (
    f"the answer's body is longer than {MAX_ANSWER // 1024} KiB; it was not read further, so "
    'it cannot be checked to be the {"message": string} object a valid notification gets'
)
"""The problem of a 200 whose body was cut at MAX_ANSWER (saying "not JSON" would be a guess)."""
MAX_HEAD: Final = 64 * 1024
"""Bytes of an answer's status line and headers before it is not an answer."""
_READ: Final = 65536
TLS_PROBE: Final = 3.0
"""Seconds a TLS handshake may take to tell a TLS port given as http:// (it answers at once)."""
_TLS_RECORD: Final = (b"\x15\x03", b"\x16\x03")
"""How a TLS alert or handshake record starts: a TLS server's reply to plain HTTP."""


@dataclass(frozen=True, slots=True)
class Answer:
    """A receiver's answer: status, lower-case headers, body bytes (capped) and time taken."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    seconds: float = field(default=0.0)
    discarded: bool = False
    """True: the body was longer than `MAX_ANSWER`; what is in `body` is its beginning."""


@dataclass(frozen=True, slots=True)
class Origin:
    """Where requests go: scheme, host, port, the request target, and credentials if any."""

    scheme: str
    host: str
    port: int
    target: str
    authority: str
    """The Host header: host[:port], without credentials."""
    authorization: str | None

    @classmethod
    def parse(cls, url: str) -> Origin:
        """Parse an http(s) URL with a host; raise `SmsHookError` (naming it, masked) if not."""
        try:
            parts = urllib.parse.urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise SmsHookError(f"{mask(url)!r}: not a valid URL ({exc})") from exc
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise SmsHookError(f"{mask(url)!r}: not an http:// or https:// URL with a host")
        host = parts.hostname
        default = 443 if parts.scheme == "https" else 80
        shown_host = f"[{host}]" if ":" in host else host
        authority = shown_host if port in (None, default) else f"{shown_host}:{port}"
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        authorization = None
        if parts.username is not None:
            user = urllib.parse.unquote(parts.username)
            password = urllib.parse.unquote(parts.password or "")
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            authorization = f"Basic {token}"
        return cls(parts.scheme, host, port or default, target, authority, authorization)


_CREDENTIALS: Final = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@")


def mask(url: str) -> str:
    """Return `url` with any credentials replaced by `***` (user:password@ → ***@)."""
    return _CREDENTIALS.sub(r"\1***@", url)


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError
        return left


class Connection:
    """A keep-alive connection to one origin: one request at a time, reopened as needed."""

    def __init__(self, url: str, *, tls: ssl.SSLContext | None = None) -> None:
        self.url = url
        self.origin = Origin.parse(url)
        self.tls = (tls or tls_context()) if self.origin.scheme == "https" else None
        """TLS for an https:// origin only: a context given for an http:// URL is not used."""
        self._sock: socket.socket | None = None
        self._h11: h11.Connection | None = None
        self._answered = False
        """True once an answer came over this object's connections (a TLS port would not)."""
        self._probed = False
        """True once the port was asked whether it speaks TLS (asked once, on the first drop)."""

    def close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None
                self._h11 = None

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def post(self, headers: Mapping[str, str], body: bytes, timeout: float) -> Answer:
        """POST `body` with `headers` and return the answer, all within `timeout` seconds."""
        deadline = _Deadline(timeout)
        started = time.perf_counter()
        reused = self._idle_and_open()
        try:
            try:
                answer = self._exchange(headers, body, deadline)
            except _StaleConnection as exc:
                if not reused:
                    raise ConnectionDropped(str(exc), reset=exc.reset) from None
                self.close()  # closed while idle: once more on a fresh connection
                try:
                    answer = self._exchange(headers, body, deadline)
                except _StaleConnection as again:
                    raise ConnectionDropped(str(again), reset=again.reset) from None
                except ReceiverUnreachable:
                    # Gone since this very request went out: it was dropped, not unsendable.
                    raise ConnectionDropped(str(exc), reset=exc.reset) from None
        except TimeoutError:
            self.close()
            raise NoAnswerInTime(f"no answer within {timeout:g} s") from None
        except ConnectionDropped:
            self.close()
            first = not (self._answered or self._probed) and self.origin.scheme == "http"
            self._probed = True
            if first and speaks_tls(self.url, min(timeout, TLS_PROBE)):
                raise ReceiverUnreachable(
                    f"{mask(self.url)}: the receiver speaks TLS, not plain HTTP: use https://"
                ) from None
            raise
        except BaseException:
            self.close()
            raise
        self._answered = True
        return Answer(
            answer.status,
            answer.headers,
            answer.body,
            time.perf_counter() - started,
            answer.discarded,
        )

    def _idle_and_open(self) -> bool:
        """True if an open connection is kept; False (and closed) if the receiver ended it."""
        if self._sock is None:
            return False
        try:
            readable, _, _ = select.select([self._sock], [], [], 0)
        except (OSError, ValueError):
            readable = [self._sock]
        if readable:  # an idle connection with something to read has been closed (or is junk)
            self.close()
            return False
        return True

    def _connect(self, deadline: _Deadline) -> None:
        origin = self.origin
        try:
            sock = socket.create_connection((origin.host, origin.port), timeout=deadline.left())
        except TimeoutError:
            raise ReceiverUnreachable(
                f"{mask(self.url)}: no connection within the timeout"
            ) from None
        except socket.gaierror as exc:
            raise ReceiverUnreachable(
                f"{mask(self.url)}: host name could not be resolved (DNS): {exc.strerror}"
            ) from exc
        except OSError as exc:
            reason = "connection refused" if isinstance(exc, ConnectionRefusedError) else str(exc)
            raise ReceiverUnreachable(f"{mask(self.url)}: {reason}") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.tls is not None:
            sock = self._handshake(sock, deadline)
        self._sock = sock
        self._h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD)

    def _handshake(self, sock: socket.socket, deadline: _Deadline) -> socket.socket:
        assert self.tls is not None
        try:
            sock.settimeout(deadline.left())
            wrapped = self.tls.wrap_socket(sock, server_hostname=self.origin.host)
        except TimeoutError:
            sock.close()
            raise ReceiverUnreachable(
                f"{mask(self.url)}: no TLS handshake within the timeout"
            ) from None
        except ssl.SSLCertVerificationError as exc:
            sock.close()
            raise ReceiverUnreachable(
                f"{mask(self.url)}: TLS handshake failed ({exc.reason}: "
                f"{exc.verify_message}; give --ca-bundle or --insecure)"
            ) from exc
        except (ssl.SSLError, OSError) as exc:
            sock.close()
            if isinstance(exc, ssl.SSLError) and exc.reason in {
                "WRONG_VERSION_NUMBER",
                "RECORD_LAYER_FAILURE",
                "PACKET_LENGTH_TOO_LONG",
                "HTTP_REQUEST",
            }:
                raise ReceiverUnreachable(
                    f"{mask(self.url)}: the receiver speaks plain HTTP, not TLS: use http://"
                ) from exc
            raise ReceiverUnreachable(f"{mask(self.url)}: TLS handshake failed ({exc})") from exc
        return wrapped

    def _exchange(self, headers: Mapping[str, str], body: bytes, deadline: _Deadline) -> Answer:
        if self._sock is None:
            self._connect(deadline)
        sock, conn = self._sock, self._h11
        assert sock is not None
        assert conn is not None
        wire_headers = [("host", self.origin.authority)]
        if self.origin.authorization and not any(k.lower() == "authorization" for k in headers):
            wire_headers.append(("authorization", self.origin.authorization))
        wire_headers += list(headers.items())
        if not any(k.lower() == "content-length" for k in headers):
            wire_headers.append(("content-length", str(len(body))))
        try:
            out = conn.send(
                h11.Request(method="POST", target=self.origin.target, headers=wire_headers)
            )
            out = (out or b"") + (conn.send(h11.Data(data=body)) or b"")
            out += conn.send(h11.EndOfMessage()) or b""
        except (h11.LocalProtocolError, UnicodeEncodeError) as exc:
            raise Unsendable(str(exc)) from exc
        try:
            sock.settimeout(deadline.left())
            sock.sendall(out)
        except TimeoutError:
            raise
        except OSError:
            # The receiver may have answered early (413 before reading a big body) and closed:
            # its answer, if any, is still there to read.
            pass
        return self._read(sock, conn, deadline)

    def _read(self, sock: socket.socket, conn: h11.Connection, deadline: _Deadline) -> Answer:
        status = 0
        answer_headers: dict[str, str] = {}
        chunks: list[bytes] = []
        kept = 0
        received_any = eof = False
        while True:
            try:
                event = conn.next_event()
            except h11.RemoteProtocolError as exc:
                if eof:
                    raise ConnectionDropped(
                        "the receiver closed the connection in the middle of the answer"
                    ) from None
                raise ConnectionDropped(f"the answer is not HTTP/1.1 ({exc})") from None
            if event is h11.NEED_DATA:
                data = self._receive(sock, deadline, received_any)
                received_any, eof = True, not data
                conn.receive_data(data)
            elif isinstance(event, h11.Response):
                status = event.status_code
                for name, value in event.headers:
                    key, text = name.decode("latin-1").lower(), value.decode("latin-1")
                    joined = f"{answer_headers[key]}, {text}" if key in answer_headers else text
                    answer_headers[key] = joined
            elif isinstance(event, h11.Data):
                room = MAX_ANSWER - kept
                if len(event.data) > room:
                    chunks.append(bytes(event.data[:room]))
                    self.close()  # the rest is discarded: never read, never kept
                    return Answer(status, answer_headers, b"".join(chunks), discarded=True)
                chunks.append(bytes(event.data))
                kept += len(event.data)
            elif isinstance(event, h11.EndOfMessage):
                if conn.our_state is h11.DONE and conn.their_state is h11.DONE:
                    conn.start_next_cycle()
                else:
                    self.close()
                return Answer(status, answer_headers, b"".join(chunks))
            elif isinstance(event, h11.ConnectionClosed):
                raise ConnectionDropped(
                    "the receiver closed the connection in the middle of the answer"
                )
            # an InformationalResponse (100 Continue) is skipped: the answer follows it

    def _receive(self, sock: socket.socket, deadline: _Deadline, received_any: bool) -> bytes:
        """The next bytes of the answer (b"" at EOF); what a stale connection does is raised."""
        try:
            sock.settimeout(deadline.left())
            data = sock.recv(_READ)
        except TimeoutError:
            raise
        except OSError as exc:
            why = exc.strerror or type(exc).__name__
            if not received_any:
                raise _StaleConnection(
                    f"the receiver reset the connection without an answer ({why})", reset=True
                ) from exc
            raise ConnectionDropped(
                f"the receiver reset the connection in the middle of the answer ({why})"
            ) from None
        if not received_any:
            if not data:
                raise _StaleConnection("the receiver closed the connection without an answer")
            if data.startswith(_TLS_RECORD):
                raise ReceiverUnreachable(
                    f"{mask(self.url)}: the receiver speaks TLS, not plain HTTP: use https://"
                )
        return data


class _StaleConnection(Exception):
    """The connection was closed or reset before any byte of an answer arrived."""

    def __init__(self, message: str, *, reset: bool = False) -> None:
        super().__init__(message)
        self.reset = reset


def accepts_connections(url: str, timeout: float) -> bool:
    """True if something still accepts TCP connections at the URL's host and port."""
    origin = Origin.parse(url)
    try:
        with socket.create_connection((origin.host, origin.port), timeout=timeout):
            return True
    except OSError:
        return False


def tls_context(verify: bool | str = True) -> ssl.SSLContext:
    """A client TLS context: the system's CAs (True), a CA bundle file (a path), no checks (False).

    Raises `SmsHookError` naming the bundle if it cannot be used.
    """
    if verify is True:
        return ssl.create_default_context()
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    try:
        return ssl.create_default_context(cafile=verify)
    except (OSError, ssl.SSLError) as exc:
        raise SmsHookError(f"CA bundle {verify}: cannot be used ({exc})") from exc


def tls_for(url: str, verify: bool | str = True) -> ssl.SSLContext | None:
    """The TLS context for `url` (see `tls_context`), or None for an http:// URL."""
    return tls_context(verify) if Origin.parse(url).scheme == "https" else None


def speaks_tls(url: str, timeout: float) -> bool:
    """True if the server behind an http:// URL completes a TLS handshake (a TLS-only port)."""
    origin = Origin.parse(url)
    context = tls_context(verify=False)
    try:
        with (
            socket.create_connection((origin.host, origin.port), timeout=timeout) as sock,
            context.wrap_socket(sock, server_hostname=origin.host),
        ):
            return True
    except (OSError, ssl.SSLError):
        return False
