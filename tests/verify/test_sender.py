"""How `Sender` tells the run what happened when several requests were in flight at once."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

from contract_tests.exchange import MAX_TIMEOUTS_IN_A_ROW, Exchange, Sender, Stopped
from sms_hook.delivery import SignedRequest

KILLER = b'{"type":"otp","data":{"code":NaN}}'
VICTIM = b'{"type":"otp","data":{"code":"1234"}}'


def _request(body: bytes) -> SignedRequest:
    return SignedRequest({"content-type": "application/json"}, body)


def _whole_request_arrived(conn: socket.socket) -> bytes:
    """Everything the client sent, peeked (left unread in the kernel, as a busy receiver does)."""
    while True:
        data = conn.recv(65536, socket.MSG_PEEK)
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        if len(body) >= length:
            return data
        time.sleep(0.01)


@contextlib.contextmanager
def _crashing_receiver() -> Iterator[str]:
    """Takes two requests on two connections, then goes down as a crashed process does, in the
    order that misled the old blame: the listener closes, the request it never read (the victim)
    is reset, and only then is the connection of the one it read whole (the killer) closed."""
    listener = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/hooks/sms"

    def serve() -> None:
        conns = [listener.accept()[0] for _ in range(2)]
        seen = {conn: _whole_request_arrived(conn) for conn in conns}
        killer = next(conn for conn, data in seen.items() if b"NaN" in data)
        victim = next(conn for conn in conns if conn is not killer)
        killer.recv(65536)  # read whole: closing it sends FIN
        listener.close()
        victim.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
        victim.close()  # reset, its request unread
        time.sleep(0.3)
        killer.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield url
    finally:
        thread.join(5)
        listener.close()


def _send_both(sender: Sender) -> dict[bytes, Exchange]:
    exchanges: dict[bytes, Exchange] = {}

    def send(body: bytes) -> None:
        exchanges[body] = sender.send(_request(body))

    threads = [threading.Thread(target=send, args=(body,)) for body in (VICTIM, KILLER)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return exchanges


def test_the_request_read_whole_is_blamed_for_the_crash_even_when_another_was_dropped_first() -> (
    None
):
    with _crashing_receiver() as url, Sender(url, timeout=3) as sender:
        sender._reached = True  # past the reachability check, as in the middle of a run
        exchanges = _send_both(sender)
    killed, victim = exchanges[KILLER].error or "", exchanges[VICTIM].error or ""
    assert "then the receiver stopped accepting connections" in killed, killed
    assert "reset" in victim, victim
    assert victim.endswith("the receiver went down with it in flight"), victim
    assert "stopped accepting" not in victim, victim


def test_the_stop_after_timeouts_in_a_row_names_the_limit_however_many_were_in_flight() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/hooks/sms"
    accepted: list[socket.socket] = []
    stopped = ""

    def accept() -> None:  # takes every connection and never answers
        with contextlib.suppress(OSError):
            while True:
                accepted.append(listener.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    try:
        with Sender(url, timeout=0.3) as sender:
            sender._reached = True
            threads = [
                threading.Thread(target=sender.send, args=(_request(VICTIM),))
                for _ in range(MAX_TIMEOUTS_IN_A_ROW + 2)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(5)
            try:
                sender.send(_request(VICTIM))
            except Stopped as exc:
                stopped = str(exc)
    finally:
        listener.close()
        for conn in accepted:
            conn.close()
    assert stopped == f"{MAX_TIMEOUTS_IN_A_ROW} requests in a row got no answer within 0.3 s"
