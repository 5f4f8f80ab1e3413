"""A correct receiver that takes ~40 ms per answer, as many real ones do: Python's http.server.

http.server writes an answer's head and its body in two `send` calls on a socket with Nagle's
algorithm on (no TCP_NODELAY): the body waits until the client acknowledges the head, and a
client that delays its ACKs (Linux: up to 40 ms) makes every answer that late. Nothing is
slept for; this is how the stack behaves.

    python bench/slow_receiver.py --port P     # the secret from SMS_HOOK_SECRET
    python bench/slow_receiver.py --port P --nodelay   # the same, fast: TCP_NODELAY on

It answers what `sms_hook.judge` says: 200 `{"message": ...}` to valid notifications (and to
open cases), the judge's 4xx to the rest, at any path.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Final

from sms_hook import contract as contract_module
from sms_hook.judge import Expect, Judge

SECRET_ENV: Final = "SMS_HOOK_SECRET"
MAX_BODY: Final = 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the platform's client expects
    judge: Judge
    nodelay = False

    def setup(self) -> None:
        super().setup()
        if self.nodelay:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY:
            self._answer(413, {"title": "too large"})
            self.close_connection = True
            return
        body = self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        verdict = self.judge.judge(headers, body)
        if verdict.expect in (Expect.ACCEPT, Expect.EITHER):
            self._answer(200, {"message": "Notification received"})
            return
        first = verdict.binding[0] if verdict.binding else verdict.findings[0]
        self._answer(first.status, {"title": "rejected", "detail": str(first)})

    def do_GET(self) -> None:  # readiness (bench/servers.py polls a GET)
        self._answer(200, {"message": "up"})

    def _answer(self, status: int, payload: dict[str, str]) -> None:
        raw = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(raw)))
        self.end_headers()  # the head goes out here, in one send
        self.wfile.write(raw)  # the body in a second one: Nagle holds it for the ACK

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--nodelay",
        action="store_true",
        help="Set TCP_NODELAY on every connection: no stall, the same receiver answers at once.",
    )
    args = parser.parse_args()
    _Handler.judge = Judge(contract_module.load(), os.environ[SECRET_ENV])
    _Handler.nodelay = args.nodelay
    server = ThreadingHTTPServer(("127.0.0.1", args.port), _Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
