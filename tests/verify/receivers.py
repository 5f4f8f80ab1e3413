"""Small receivers for the verifier's own tests: the judge answering, and transport trouble.

The corpus in tests/receivers/ is the proof; these keep the verifier's own tests independent of
it and cover what an ASGI app cannot do (drop a connection, stop listening).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from sms_hook import contract as contract_module
from sms_hook.contract import Contract
from sms_hook.judge import Expect, Judge

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

PATH = "/hooks/sms"


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def answer(
    send: Send,
    status: int,
    body: Any,
    content_type: str = "application/json",
    headers: tuple[tuple[bytes, bytes], ...] = (),
) -> None:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type.encode()), *headers],
        }
    )
    await send({"type": "http.response.body", "body": raw})


def judge_receiver(
    secret: str,
    *,
    accept_open: bool = True,
    record: list[bytes] | None = None,
    refuse_repeats: bool = False,
    rate_limit_every: int = 0,
    contract: Contract | None = None,
) -> App:
    """A correct receiver: answers what the judge says (open cases: 200, or its 4xx).

    Every body received is appended to `record` when one is given. `refuse_repeats` adds replay
    protection by nonce (a signature seen before gets 401); `rate_limit_every` answers every
    n-th request 429 first, as a gateway in front of the receiver would. `contract` (default:
    the shipped one) is the document whose rules, signature scheme included, it follows.
    """
    contract = contract or contract_module.load()
    judge = Judge(contract, secret)
    seen: set[str] = set()
    count = 0

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if scope["path"] != PATH:
            await answer(send, 404, {"message": "not found"})
            return
        nonlocal count
        count += 1
        body = await read_body(receive)
        if rate_limit_every and count % rate_limit_every == 0:
            await answer(send, 429, {"message": "slow down"}, headers=((b"retry-after", b"0"),))
            return
        if record is not None:
            record.append(body)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        signature = headers.get(contract.signature.signature_header, "").lower()
        if refuse_repeats and signature in seen:
            await answer(send, 401, {"title": "replayed signature"})
            return
        seen.add(signature)
        verdict = judge.judge(headers, body)
        if verdict.expect is Expect.ACCEPT or (verdict.expect is Expect.EITHER and accept_open):
            await answer(send, 200, {"message": "Notification received"})
        else:
            first = (verdict.binding or verdict.findings or verdict.allowances)[0]
            await answer(
                send,
                first.status,
                {"title": "rejected", "detail": str(first)},
                "application/problem+json",
            )

    return app


def accepting_receiver() -> App:
    """A broken receiver: 200 with a message to anything, signed or not, valid or not."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await read_body(receive)
            await answer(send, 200, {"message": "Notification received"})

    return app


def hanging_receiver(secret: str, *, seconds: float, when: bytes) -> App:
    """The correct receiver, except that it answers `seconds` late when the body holds `when`."""
    correct = judge_receiver(secret)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        if when in body:
            await asyncio.sleep(seconds)

        async def replay() -> MutableMapping[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        await correct(scope, replay, send)

    return app


class RawServer:
    """An HTTP/1.1 server on a plain socket, for what uvicorn will not do: drop a connection
    without an answer, or stop listening for good (as a crashed process does)."""

    def __init__(
        self,
        secret: str,
        *,
        drop_when: bytes = b"\0never\0",
        die: bool = False,
        case_sensitive: bool = False,
    ) -> None:
        self.judge = Judge(contract_module.load(), secret)
        self.drop_when = drop_when
        self.die = die
        self.case_sensitive = case_sensitive
        """Look header names up exactly as sent, as a hand-written parser might: a defect."""
        self.header_names: list[tuple[str, ...]] = []
        """The header names of every request, in the letter case they arrived in."""
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}{PATH}"
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> RawServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop_listening()

    def _stop_listening(self) -> None:
        # shutdown() wakes the thread blocked in accept(); close() alone would not, on Linux.
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._connection, args=(conn,), daemon=True).start()

    def _connection(self, conn: socket.socket) -> None:
        with conn:
            stream = conn.makefile("rb")
            while True:
                head = []
                line = stream.readline()
                if not line:
                    return
                while line not in (b"\r\n", b""):
                    head.append(line.decode("latin-1"))
                    line = stream.readline()
                fields = [
                    (k.strip(), v.strip()) for k, _, v in (h.partition(":") for h in head[1:])
                ]
                self.header_names.append(tuple(k for k, _ in fields))
                headers = {k.lower(): v for k, v in fields}
                body = _read_body(stream, headers)
                if self.case_sensitive:
                    headers = {k: v for k, v in fields if k == k.lower()}
                if self.drop_when in body:
                    if self.die:
                        self._stop_listening()
                    conn.shutdown(socket.SHUT_RDWR)
                    return
                verdict = self.judge.judge(headers, body)
                if verdict.expect is Expect.REJECT:
                    status, payload = 400, b'{"title":"rejected"}'
                else:
                    status, payload = 200, b'{"message":"Notification received"}'
                conn.sendall(
                    f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n"
                    f"content-length: {len(payload)}\r\n\r\n".encode()
                    + payload
                )


def _read_body(stream: Any, headers: dict[str, str]) -> bytes:
    """The request body, by Content-Length or chunked transfer coding (as HTTP/1.1 requires)."""
    if "chunked" not in headers.get("transfer-encoding", "").lower():
        return bytes(stream.read(int(headers.get("content-length", "0"))))
    chunks = []
    while True:
        size = int(stream.readline().split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while stream.readline() not in (b"\r\n", b""):
                pass  # trailers
            return b"".join(chunks)
        chunks.append(stream.read(size))
        stream.readline()
