"""Framings: the same valid notification put on the wire the ways other HTTP clients do.

httpx always sends HTTP/1.1 with a `Content-Length`; other senders use chunked transfer coding,
`Expect: 100-continue` (curl for bodies over 1 kB, Java, .NET), HTTP/1.0, `Connection: close`,
or offer an upgrade to HTTP/2 (`curl --http2` and Java's HttpClient on http:// URLs). These are
written by hand on a socket, and the answer is read with the standard library's HTTP parser.
What the receiver must answer is the judge's (`sms_hook.judge.framing`).
"""

from __future__ import annotations

import contextlib
import http.client
import select
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Final

from contract_tests.channel import Channel
from contract_tests.exchange import Exchange
from contract_tests.probe import Probe
from contract_tests.result import Advisory, Failure
from contract_tests.samples import edited, encode, free_strings
from sms_hook.contract import Contract
from sms_hook.delivery import Answer, SignedRequest
from sms_hook.judge.framing import FRAMINGS, Framing
from sms_hook.wire import MAX_ANSWER, Origin, tls_context

CONTINUE_WAIT: Final = 0.5
"""Seconds to wait for `100 Continue` before sending the body anyway (curl waits 1 s)."""
H2C_SETTINGS: Final = "AAMAAABkAARAAAAAAAIAAAAA"
"""An HTTP2-Settings header value as curl sends it."""
RULE: Final = "accept-framings"
ADVISORY: Final = "advisory-framing"


class Refused(Exception):
    """Raised when nothing listens any more: the receiver went away (not a framing's fault)."""


def framed_headers(request: SignedRequest, framing: str) -> dict[str, str]:
    """The request's headers as this framing sends them (what the judge is shown)."""
    headers = dict(request.headers)
    if framing == "chunked":
        headers["Transfer-Encoding"] = "chunked"
    else:
        headers["Content-Length"] = str(len(request.body))
    if framing == "expect-100-continue":
        headers["Expect"] = "100-continue"
    elif framing in ("connection-close", "http-1.0"):
        headers["Connection"] = "close"
    elif framing == "h2c-upgrade":
        headers["Connection"] = "Upgrade, HTTP2-Settings"
        headers["Upgrade"] = "h2c"
        headers["HTTP2-Settings"] = H2C_SETTINGS
    return headers


def send(
    url: str,
    request: SignedRequest,
    framing: str,
    *,
    timeout: float,
    tls: ssl.SSLContext | None = None,
) -> Exchange:
    """Send one request framed as `framing` on a new connection; never raises for the wire.

    The URL is read as `sms_hook.wire` reads it: its credentials go in an `Authorization` header
    (unless the request has one), as on every other request of the run.
    """
    origin = Origin.parse(url)
    headers = framed_headers(request, framing)
    version = "HTTP/1.0" if framing == "http-1.0" else "HTTP/1.1"
    head = f"POST {origin.target} {version}\r\nHost: {origin.authority}\r\n"
    if origin.authorization and not any(k.lower() == "authorization" for k in headers):
        head += f"Authorization: {origin.authorization}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
    body = request.body
    if framing == "chunked":
        half = len(body) // 2
        body = (
            b"".join(
                f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
                for piece in (body[:half], body[half:])
                if piece
            )
            + b"0\r\n\r\n"
        )
    sent = SignedRequest(headers, request.body)
    expired = threading.Event()
    try:
        with _connect(origin, tls, timeout) as conn:
            # A receiver that drips its answer would reset a per-read timeout forever: the whole
            # exchange gets `timeout` seconds, then the socket is shut (which wakes the read).
            watchdog = threading.Timer(timeout, _expire, (conn, expired))
            watchdog.daemon = True
            watchdog.start()
            try:
                return _exchange(conn, head, body, framing, sent)
            finally:
                watchdog.cancel()
    except ConnectionRefusedError as exc:
        raise Refused(str(exc)) from exc
    except TimeoutError:
        return Exchange(sent, None, f"no answer within {timeout:g} s")
    except (OSError, http.client.HTTPException) as exc:
        if expired.is_set():
            return Exchange(sent, None, f"no answer within {timeout:g} s")
        return Exchange(sent, None, f"connection dropped without an answer ({exc!r})")


def _expire(conn: socket.socket, expired: threading.Event) -> None:
    expired.set()
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_RDWR)


def _exchange(
    conn: socket.socket, head: str, body: bytes, framing: str, sent: SignedRequest
) -> Exchange:
    """Write the request on `conn` and read the answer (at most `MAX_ANSWER` bytes of body)."""
    conn.sendall(head.encode("latin-1"))
    if framing == "expect-100-continue":
        select.select([conn], [], [], CONTINUE_WAIT)  # the answer is read below
    with contextlib.suppress(OSError):  # a receiver may answer without reading it
        conn.sendall(body)
    answer = http.client.HTTPResponse(conn)
    answer.begin()  # skips any 100 Continue
    if answer.status == 101:
        return Exchange(sent, None, "switched protocols (101): the answer is HTTP/2")
    data = answer.read(MAX_ANSWER + 1)  # one byte more tells a body cut short
    found = {k.lower(): v for k, v in answer.getheaders()}
    discarded = len(data) > MAX_ANSWER
    return Exchange(sent, Answer(answer.status, found, data[:MAX_ANSWER], discarded=discarded))


def _connect(origin: Origin, tls: ssl.SSLContext | None, timeout: float) -> socket.socket:
    conn = socket.create_connection((origin.host, origin.port), timeout=timeout)
    if origin.scheme != "https":
        return conn
    return (tls or tls_context()).wrap_socket(conn, server_hostname=origin.host)


def run(
    contract: Contract,
    secret: str,
    operator_name: str,
    headers: Mapping[str, str],
    channel: Channel,
    *,
    types: Iterable[str] | None = None,
) -> tuple[list[Failure], dict[str, set[int | None]]]:
    """Send each type (default: every type) in every framing; return the failures and the
    h2c answers by type."""
    failures: list[Failure] = []
    h2c: dict[str, set[int | None]] = {}
    for t in contract.types.values():
        if types is not None and t.name not in types:
            continue
        free = free_strings(t)
        for n, framing in enumerate(FRAMINGS):
            data = {free[0].name: f"framing-{n}"} if free else {}
            body = encode(contract, edited(contract, t, **data))
            rule = RULE if framing.binding else ADVISORY
            probe = Probe(rule, t.name, f"framed: {framing.description}", body)
            now = int(time.time())
            request = probe.request(now, secret, operator_name, headers, scheme=contract.signature)
            sent = channel.send(
                request,
                rule=rule,
                type_name=t.name,
                title=probe.title,
                now=now,
                framing=framing.name,
            )
            if sent.failure is not None:
                failures.append(sent.failure)
            if not framing.binding:
                h2c.setdefault(t.name, set()).add(sent.status)
    return failures, h2c


def advise(h2c: dict[str, set[int | None]]) -> Advisory | None:
    """Say whether an h2c upgrade offer kept its body."""
    statuses = {s for seen in h2c.values() for s in seen}
    if not statuses:
        return None
    if statuses == {200}:
        return Advisory(ADVISORY, "an Upgrade: h2c offer keeps its body (200)", notable=False)
    shown = ", ".join(
        str(s) if s is not None else "no HTTP/1.1 answer" for s in sorted(statuses, key=str)
    )
    return Advisory(
        ADVISORY,
        f"an Upgrade: h2c offer (curl --http2, Java's HttpClient on http://) is answered "
        f"{shown}: a server on uvicorn's httptools parser loses the body of such a request "
        "(uvicorn issue 2722); run uvicorn with --http h11, or put a proxy in front",
        notable=True,
    )


def curl_flag(framing: Framing) -> str:
    """The curl option a framing needs besides the request's own headers ("" for none).

    The failure's request already carries the framing's headers (`framed_headers`), which curl
    sends as given: only the protocol version is not a header.
    """
    return "--http1.0" if framing.name == "http-1.0" else ""
