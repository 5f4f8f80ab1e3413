"""Hostile receivers: what a real receiver (or what stands in front of it) can do to a sender.

Each is a raw TCP server on 127.0.0.1 in a daemon thread, since no ASGI server lets an app drip
its status line, reset a connection or answer without end:

    drip       reads the request, then sends its answer one byte a second, for ever
    huge       answers 200 with a 100 MB body (or more: it streams until the peer goes away)
    redirect   answers 302 to every request, pointing at its own URL (a redirect loop)
    reset      reads the request, then resets the connection (RST, no answer)
    tls        speaks only TLS (a self-signed certificate); plain HTTP gets the handshake's alert

    with hostile("drip") as url:   # url is http(s)://127.0.0.1:PORT/hooks/sms
        ...

Run one by hand: `python -m tests.receivers.hostile drip [PORT]`.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import ssl
import struct
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final

from tests.support.tls import self_signed

PATH: Final = "/hooks/sms"
HUGE: Final = 100 * 1024 * 1024
_CHUNK: Final = 64 * 1024
_HEAD_LIMIT: Final = 64 * 1024


def read_request(conn: socket.socket) -> bytes | None:
    """Read one request (head and a Content-Length body); None if the peer went away."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk or len(data) > _HEAD_LIMIT:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip() or b"0")
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        body += chunk
    return head


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    stopping: threading.Event
    behaviour: Callable[[_Server, socket.socket], None]
    url: str
    tls: ssl.SSLContext | None = None


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        server = self.server
        assert isinstance(server, _Server)
        conn: socket.socket = self.request
        with contextlib.suppress(OSError, ssl.SSLError):
            if server.tls is not None:
                conn = server.tls.wrap_socket(conn, server_side=True)
            try:
                server.behaviour(server, conn)
            finally:
                conn.close()


def _drip(server: _Server, conn: socket.socket) -> None:
    if read_request(conn) is None:
        return
    answer = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n"
    answer += b'{"message":"' + b"x" * 100_000
    for byte in answer:
        conn.sendall(bytes([byte]))
        if server.stopping.wait(1.0):
            return


def _huge(server: _Server, conn: socket.socket) -> None:
    while read_request(conn) is not None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
            + f"content-length: {HUGE}\r\n\r\n".encode()
            + b'{"message":"'
        )
        block = b"x" * _CHUNK
        sent = 12
        while sent < HUGE and not server.stopping.is_set():
            piece = block[: min(_CHUNK, HUGE - sent)]
            conn.sendall(piece)
            sent += len(piece)


def _redirect(server: _Server, conn: socket.socket) -> None:
    while read_request(conn) is not None:
        conn.sendall(
            b"HTTP/1.1 302 Found\r\n"
            + f"location: {server.url}\r\n".encode()
            + b"content-length: 0\r\n\r\n"
        )


def _reset(server: _Server, conn: socket.socket) -> None:
    read_request(conn)
    # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def _tls_answer(server: _Server, conn: socket.socket) -> None:
    while read_request(conn) is not None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
            b'content-length: 16\r\n\r\n{"message":"ok"}'
        )


BEHAVIOURS: Final[dict[str, Callable[[_Server, socket.socket], None]]] = {
    "drip": _drip,
    "huge": _huge,
    "redirect": _redirect,
    "reset": _reset,
    "tls": _tls_answer,
}


def _tls_context(folder: Path) -> ssl.SSLContext:
    cert, key = self_signed(folder)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


@contextlib.contextmanager
def hostile(name: str, port: int = 0) -> Iterator[str]:
    """Run the hostile receiver `name`; yield its URL; stop it (and its connections) after."""
    server = _Server(("127.0.0.1", port), _Handler)
    server.behaviour = BEHAVIOURS[name]
    server.stopping = threading.Event()
    scheme = "http"
    with tempfile.TemporaryDirectory() as folder:
        if name == "tls":
            server.tls = _tls_context(Path(folder))
            scheme = "https"
        server.url = f"{scheme}://127.0.0.1:{server.server_address[1]}{PATH}"
        thread = threading.Thread(target=server.serve_forever, name=f"hostile-{name}", daemon=True)
        thread.start()
        try:
            yield server.url
        finally:
            server.stopping.set()
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)


if __name__ == "__main__":  # pragma: no cover - by hand
    with hostile(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0) as url:
        print(url, flush=True)
        threading.Event().wait()
