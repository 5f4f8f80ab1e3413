"""The mock's connections: a refused upgrade keeps its body, idle and slow connections are
closed, and at the connection limit a real sender still gets in (or a clear 503)."""

from __future__ import annotations

import contextlib
import json
import socket
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

import mock_server.connection
from mock_server.app import create_app
from mock_server.connection import server_options
from mock_server.settings import Settings
from sms_hook import contract as contract_module
from sms_hook import delivery
from tests.mock.conftest import COMMAND, TEST_SECRET, cli_env
from tests.support.server import free_port, serve


@contextmanager
def _mock(max_connections: int, journal: str = ":memory:") -> Iterator[int]:
    built = create_app(Settings(journal=journal))
    with serve(built.app, **server_options(max_connections=max_connections)) as base:
        yield int(base.rsplit(":", 1)[1])


def _request(
    *, prefer: str | None = None, extra: bytes = b"", type_name: str = "bet_result"
) -> bytes:
    contract = contract_module.load()
    body = delivery.encode(contract, contract.example(type_name))
    headers = dict(delivery.signed_request(body, TEST_SECRET).headers)
    if prefer is not None:
        headers["prefer"] = prefer
    head = b"".join(f"{k}: {v}\r\n".encode() for k, v in headers.items())
    return (
        b"POST /notifications HTTP/1.1\r\nhost: mock\r\n"
        + head
        + extra
        + b"content-length: %d\r\n\r\n" % len(body)
        + body
    )


def _answer(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_at_the_limit_a_new_sender_pushes_out_the_longest_idle_connection() -> None:
    with _mock(max_connections=3) as port:
        idle = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(3)]
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sender:
            sender.sendall(_request())
            answer = _answer(sender)
        closed = idle[0].recv(1)  # the oldest idle one was closed to make room
        for sock in idle:
            sock.close()
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert closed == b""


def test_at_the_limit_with_every_connection_busy_a_new_one_gets_503_with_retry_after(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "journal.db"
    with _mock(max_connections=2, journal=str(journal)) as port:
        busy = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(2)]
        for sock in busy:
            sock.sendall(_request(prefer="delay=3"))
        # A request is journaled before its simulated delay: both are in progress then.
        with contextlib.closing(sqlite3.connect(journal)) as db:
            while db.execute("SELECT count(*) FROM notifications").fetchone()[0] < 2:
                time.sleep(0.01)  # reading another connection's progress: nothing to wait on
        probe = socket.create_connection(("127.0.0.1", port), timeout=10)
        answers = [_answer(sock) for sock in busy]
        refused = _answer(probe)
        for sock in [*busy, probe]:
            sock.close()
    assert all(a.startswith(b"HTTP/1.1 200") for a in answers), answers
    head, _, body = refused.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503"), refused[:200]
    assert b"retry-after: 1" in head
    assert b"content-type: application/problem+json" in head
    assert json.loads(body)["status"] == 503


def test_headers_that_drip_in_get_the_connection_closed_with_408(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(mock_server.connection, "HEADER_TIMEOUT", 0.5)
    stop = threading.Event()
    with _mock(max_connections=10) as port:
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(b"POST /notifications HTTP/1.1\r\nhost: mock\r\n")

        def drip() -> None:  # a slowloris: one header line every 0.1 s, never the end
            while not stop.wait(0.1):
                try:
                    sock.sendall(b"x-drip: 1\r\n")
                except OSError:
                    return

        dripper = threading.Thread(target=drip)
        dripper.start()
        answer = b""
        # The drip goes on after the server closed, so its kernel may answer with a reset that
        # overtakes the 408; either way the connection is closed.
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                answer += chunk
        stop.set()
        dripper.join()
        sock.close()
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer[:200]


def test_a_refused_upgrade_with_a_chunked_body_keeps_it() -> None:
    contract = contract_module.load()
    body = delivery.encode(contract, contract.example("bet_result"))
    headers = dict(delivery.signed_request(body, TEST_SECRET).headers)
    head = b"".join(f"{k}: {v}\r\n".encode() for k, v in headers.items())
    chunked = b"a\r\n" + body[:10] + b"\r\n%x\r\n" % len(body[10:]) + body[10:] + b"\r\n0\r\n\r\n"
    request = (
        b"POST /notifications HTTP/1.1\r\nhost: mock\r\nconnection: Upgrade, HTTP2-Settings\r\n"
        b"upgrade: h2c\r\nhttp2-settings: AAMAAABk\r\ntransfer-encoding: chunked\r\n"
        + head
        + b"\r\n"
    )
    with _mock(max_connections=10) as port, socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(request)
        sock.sendall(chunked)
        answer = _answer(sock)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:300]


def test_a_pipelined_request_handled_past_the_idle_timeout_still_gets_its_answer() -> None:
    # The idle timeout is for a connection waiting for a request, never for one being handled.
    options = {**server_options(max_connections=10), "timeout_keep_alive": 0.5}
    built = create_app(Settings(journal=":memory:"))
    with serve(built.app, **options) as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(_request() + _request(prefer="delay=1.5", type_name="otp"))
            data = b""
            while data.count(b"HTTP/1.1 ") < 2 or not data.rstrip().endswith(b"}"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
    assert data.count(b"HTTP/1.1 200") == 2, data[-400:]


def test_a_refused_upgrade_whose_body_nobody_reads_holds_its_sender_back() -> None:
    # The wait endpoint never reads a body: uvicorn's flow control must stop reading this one,
    # as it does for a request without the upgrade, instead of keeping every byte in memory.
    head = (
        b"GET /__admin/notifications/wait?ticket_id=T-none&timeout=2 HTTP/1.1\r\nhost: mock\r\n"
        b"connection: Upgrade, HTTP2-Settings\r\nupgrade: h2c\r\nhttp2-settings: AAMAAABk\r\n"
        b"content-length: 300000000\r\n\r\n"
    )
    piece = b"x" * 65536
    sent = 0
    with _mock(max_connections=10) as port, socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(head)
        sock.settimeout(0.5)
        deadline = time.monotonic() + 5
        while sent < 96 * 1024 * 1024 and time.monotonic() < deadline:
            try:
                sent += sock.send(piece)
            except TimeoutError:
                break
    assert sent < 32 * 1024 * 1024, f"{sent / 1024 / 1024:.0f} MiB taken in by the mock"


def test_300_idle_sockets_under_a_256_descriptor_limit_do_not_starve_a_real_sender(
    tmp_path: Path,
) -> None:
    port = free_port()
    log = (tmp_path / "mock.log").open("wb")
    # As a person would: `ulimit -n 256` in the shell that starts the mock.
    command = ["sh", "-c", 'ulimit -n 256 && exec "$@"', "sh"]
    command += [*COMMAND, "--port", str(port), "--journal", ":memory:"]
    process = subprocess.Popen(command, env=cli_env(), stdout=log, stderr=subprocess.STDOUT)
    idle: list[socket.socket] = []
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (tmp_path / "mock.log").read_text()
            try:
                if httpx.get(base + "/__admin/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.02)
        for _ in range(300):
            with contextlib.suppress(OSError):
                idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sender:
            sender.sendall(_request())
            answer = _answer(sender)
    finally:
        for sock in idle:
            sock.close()
        process.terminate()
        process.wait(timeout=15)
        log.close()
    assert len(idle) == 300
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
