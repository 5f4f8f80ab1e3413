"""A closed-loop HTTP/1.1 load generator: raw asyncio protocols, one request bytes object.

Each connection is kept alive and has exactly one request in flight: it writes the pre-built
request, reads one answer (status line and Content-Length, nothing else is parsed), records the
latency and writes the request again, until the deadline or the request budget. After the
deadline every connection still waits for its last answer, so the count of answers is exact — the
journal of the server must then hold exactly as many accepted rows.

Runs on uvloop when it is installed (it comes with uvicorn[standard]).
"""

from __future__ import annotations

import asyncio
import re
import time
from array import array
from collections import Counter
from collections.abc import Callable, Coroutine
from typing import Any, Final, cast

from result import LoadResult, percentile

_HEAD_END: Final = b"\r\n\r\n"
_CONTENT_LENGTH: Final = re.compile(rb"\r\ncontent-length:[ \t]*([0-9]+)", re.IGNORECASE)
CONNECT_TIMEOUT: Final = 10.0
ANSWER_GRACE: Final = 30.0
"""Seconds after the deadline that the last answers may take before they count as errors."""


def build_request(host: str, port: int, path: str, headers: dict[str, str], body: bytes) -> bytes:
    """Return the exact bytes of one keep-alive POST."""
    lines = [f"POST {path} HTTP/1.1", f"host: {host}:{port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"content-length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class _Run:
    """What all connections of one run share: the request, the stop rule and the tallies."""

    def __init__(self, request: bytes, deadline_ns: int, budget: int) -> None:
        self.request = request
        self.deadline_ns = deadline_ns
        self.budget = budget
        self.sent = 0
        self.latencies_ns: array[int] = array("q")
        self.statuses: Counter[int] = Counter()
        self.errors: Counter[str] = Counter()
        self.last_answer_ns = 0


class _Connection(asyncio.Protocol):
    """One keep-alive connection with one request in flight."""

    def __init__(self, run: _Run, finished: asyncio.Future[None]) -> None:
        self.run = run
        self.finished = finished
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.sent_at = 0
        self.waiting = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports quack like asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)
        self._send(time.perf_counter_ns())

    def _send(self, now: int) -> None:
        run = self.run
        if now >= run.deadline_ns or run.sent >= run.budget:
            self._finish()
            return
        run.sent += 1
        self.waiting = True
        self.sent_at = time.perf_counter_ns()
        assert self.transport is not None
        self.transport.write(run.request)

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data if self.buffer else data
        end = buffer.find(_HEAD_END)
        if end < 0:
            self.buffer = buffer
            return
        length = _CONTENT_LENGTH.search(buffer, 0, end + 2)
        if length is None:
            self._fail("answer without content-length")
            return
        total = end + 4 + int(length.group(1))
        if len(buffer) < total:
            self.buffer = buffer
            return
        if len(buffer) > total:
            self._fail("more bytes than one answer")
            return
        now = time.perf_counter_ns()
        run = self.run
        run.latencies_ns.append(now - self.sent_at)
        run.statuses[int(buffer[9:12])] += 1
        run.last_answer_ns = now
        self.buffer = b""
        self.waiting = False
        self._send(now)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiting:
            self.waiting = False
            self.run.errors["connection lost"] += 1
        self._finish()

    def _fail(self, reason: str) -> None:
        self.run.errors[reason] += 1
        self.waiting = False
        assert self.transport is not None
        self.transport.abort()
        self._finish()

    def _finish(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()
        if not self.finished.done():
            self.finished.set_result(None)


async def _load(
    host: str, port: int, request: bytes, connections: int, seconds: float, budget: int
) -> LoadResult:
    loop = asyncio.get_running_loop()
    cpu_start = time.process_time()
    start = time.perf_counter_ns()
    run = _Run(request, start + int(seconds * 1e9), budget)
    finished: list[asyncio.Future[None]] = []
    transports: list[asyncio.Transport] = []
    for _ in range(connections):
        done: asyncio.Future[None] = loop.create_future()
        finished.append(done)

        def factory(done: asyncio.Future[None] = done) -> _Connection:
            return _Connection(run, done)

        try:
            transport, _ = await asyncio.wait_for(
                loop.create_connection(factory, host, port), CONNECT_TIMEOUT
            )
        except (OSError, TimeoutError) as exc:
            run.errors[f"connect: {exc.__class__.__name__}"] += 1
            done.set_result(None)
            continue
        transports.append(transport)
    _, late = await asyncio.wait(finished, timeout=seconds + ANSWER_GRACE)
    if late:
        run.errors["no answer within the grace period"] += len(late)
        for opened in transports:
            opened.abort()
    latencies = sorted(run.latencies_ns)
    end = run.last_answer_ns or time.perf_counter_ns()
    return LoadResult(
        tool="python",
        connections=connections,
        seconds=(end - start) / 1e9,
        statuses=run.statuses,
        errors=dict(run.errors),
        p50_ms=percentile(latencies, 0.50) / 1e6,
        p90_ms=percentile(latencies, 0.90) / 1e6,
        p99_ms=percentile(latencies, 0.99) / 1e6,
        max_ms=(latencies[-1] if latencies else 0) / 1e6,
        client_cpu_seconds=time.process_time() - cpu_start,
    )


def _runner() -> Callable[[Coroutine[Any, Any, LoadResult]], LoadResult]:
    try:
        import uvloop
    except ImportError:  # the generator works on the stock loop, only a little slower
        return asyncio.run

    def run(coroutine: Coroutine[Any, Any, LoadResult]) -> LoadResult:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(coroutine)

    return run


def load(
    host: str,
    port: int,
    request: bytes,
    *,
    connections: int,
    seconds: float,
    budget: int,
) -> LoadResult:
    """Send `request` over `connections` keep-alive connections for `seconds` (at most `budget`)."""
    return _runner()(_load(host, port, request, connections, seconds, budget))
