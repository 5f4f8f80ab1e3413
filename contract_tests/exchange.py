"""Sending requests to the receiver over keep-alive connections (one per thread); the answers.

The wire (deadline for the whole exchange, answers capped, redirects never followed) is
`sms_hook.wire`; this module adds what a run needs on top: counting, the first request as the
reachability check, a receiver that went away, timeouts in a row, and a gateway's 429s.

ReceiverUnreachable   (sms_hook.errors) the very first request found no receiver: a usage
                      problem (wrong URL, nothing listening, DNS, TLS, http:// given to a TLS
                      port or https:// to a plain one), not a verdict
Stopped               the receiver went away, or stopped answering, in the middle of a run
Unsendable            a generated request that HTTP cannot carry (a header value with a
                      line break, ...); it is skipped, never reported

`Sender.send` is safe to call from several threads at once: each thread sends over its own
connection, so requests of one thread go out in order on one connection.
"""

from __future__ import annotations

import math
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from sms_hook import wire
from sms_hook.delivery import Answer, SignedRequest
from sms_hook.errors import ConnectionDropped, NoAnswerInTime, ReceiverUnreachable, Unsendable

__all__ = ["Exchange", "Sender", "Stopped", "Unsendable"]

MAX_TIMEOUTS_IN_A_ROW: Final = 3
RATE_LIMIT_RETRIES: Final = 3
SETTLE: Final = 2.0
"""Seconds at most that a request dropped by a receiver going down waits for the others in
flight to land, before the blame for bringing it down is laid on one of them."""
MAX_RETRY_AFTER: Final = 5.0


class Stopped(Exception):
    """Raised when the run cannot go on: the receiver went away or stopped answering."""

    def __init__(self, reason: str, *, refused: bool = False) -> None:
        super().__init__(reason)
        self.refused = refused
        """True: this very request was refused a connection (it is a failure of its own)."""


@dataclass(frozen=True, slots=True)
class Exchange:
    """A request as sent, and the receiver's answer or why there was none."""

    request: SignedRequest
    answer: Answer | None
    error: str | None = None


class Sender:
    """Posts requests to one URL, counts them, and reports transport trouble (thread-safe)."""

    def __init__(self, url: str, timeout: float, *, tls: ssl.SSLContext | None = None) -> None:
        self.url = url
        self.timeout = timeout
        self.tls = tls
        self.requests = 0
        self.answered = 0
        """How many requests got an answer (any status): 0 means nothing was ever answered."""
        self.rate_limited = 0
        """How many 429 answers were waited out and retried."""
        self._lock = threading.Lock()
        self._local = threading.local()
        self._connections: list[wire.Connection] = []
        self._reached = False
        self._timeouts = 0
        self._gone: str | None = None
        self._in_flight = 0
        self._settled = threading.Condition(self._lock)
        self._suspects: list[tuple[bool, int]] = []
        self._blamed: tuple[bool, int] | None = None

    def close(self) -> None:
        """Close every connection opened by any thread."""
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _connection(self) -> wire.Connection:
        connection: wire.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = wire.Connection(self.url, tls=self.tls)
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    def send(self, request: SignedRequest) -> Exchange:
        """Send one request and return the exchange; a failure to answer is part of it.

        The first request is the reachability check: if it cannot connect, `ReceiverUnreachable`
        is raised. Later, a connection refused means the receiver went away (most likely the
        request it dropped brought it down): `Stopped` is raised from then on, as it is after
        several timeouts in a row.
        """
        with self._lock:
            if self._gone is not None:
                raise Stopped(self._gone)
            if self._timeouts >= MAX_TIMEOUTS_IN_A_ROW:
                # Other threads' requests may time out too before they see this: the count that
                # stops the run is the one reported, whatever the tally reached meanwhile.
                raise Stopped(
                    f"{MAX_TIMEOUTS_IN_A_ROW} requests in a row got no answer "
                    f"within {self.timeout:g} s"
                )
        exchange = self.waiting_out_429(lambda: self._exchange(request))
        timed_out = exchange.error is not None and exchange.error.startswith("no answer")
        with self._lock:
            self._timeouts = self._timeouts + 1 if timed_out else 0
        return exchange

    def waiting_out_429(self, send_once: Callable[[], Exchange]) -> Exchange:
        """Send with `send_once`, again while a gateway answers 429 (at most RATE_LIMIT_RETRIES
        more times, waiting as told within reason); each retry is counted in `rate_limited`.

        A gateway's rate limit answers for the gateway, not for the receiver's contract.
        """
        exchange = send_once()
        for _ in range(RATE_LIMIT_RETRIES):
            if exchange.answer is None or exchange.answer.status != 429:
                break
            with self._lock:
                self.rate_limited += 1
            time.sleep(_retry_after(exchange.answer.headers.get("retry-after")))
            exchange = send_once()
        return exchange

    def _exchange(self, request: SignedRequest) -> Exchange:
        with self._lock:
            self.requests += 1
            self._in_flight += 1
            order = self.requests
        suspect: tuple[bool, int] | None = None
        try:
            answer = self._connection().post(request.headers, request.body, self.timeout)
        except ReceiverUnreachable as exc:
            with self._lock:
                if not self._reached:
                    raise
                self._gone = f"the receiver stopped accepting connections ({exc})"
                reason = f"{self._gone}; an earlier request probably brought it down"
            raise Stopped(reason, refused=True) from exc
        except NoAnswerInTime as exc:
            self._reach()
            return Exchange(request, None, str(exc))
        except ConnectionDropped as exc:
            self._reach()
            dropped = f"connection dropped without an answer ({exc})"
            if wire.accepts_connections(self.url, self.timeout):
                return Exchange(request, None, dropped)
            suspect = (exc.reset, order)
            gone = f"the receiver stopped accepting connections ({exc})"
        finally:
            with self._lock:
                if suspect is not None:  # a suspect before it lands: no one decides without it
                    self._suspects.append(suspect)
                    self._gone = self._gone or gone
                self._in_flight -= 1
                self._settled.notify_all()
        if suspect is None:
            self._reach(answered=True)
            return Exchange(request, answer)
        if self._blamed_on(suspect):
            # This request most likely brought the receiver down: say so on it, and stop.
            return Exchange(request, None, f"{dropped}; then {self._gone}")
        return Exchange(request, None, f"{dropped}: the receiver went down with it in flight")

    def _blamed_on(self, suspect: tuple[bool, int]) -> bool:
        """True if this dropped request, after which nothing listened, is the one to blame.

        Requests in flight on other connections are dropped too when a receiver goes down, some
        before the one that brought it down. Every such drop is a suspect until the others in
        flight have landed (briefly): then the blame falls on one closed after being read whole
        rather than one reset (a receiver resets a connection it had not read to the end), and
        among those on the one sent first. `suspect` is (reset, order sent).
        """
        with self._settled:
            self._settled.wait_for(
                lambda: not self._in_flight or self._blamed is not None,
                timeout=min(self.timeout, SETTLE),
            )
            if self._blamed is None:
                self._blamed = min(self._suspects)
                self._settled.notify_all()
            return self._blamed == suspect

    def _reach(self, *, answered: bool = False) -> None:
        with self._lock:
            self._reached = True
            self.answered += answered


def _retry_after(value: str | None) -> float:
    """Seconds to wait for a 429's Retry-After (seconds only; a date or nothing: 1 s), capped."""
    try:
        seconds = float(value) if value is not None else 1.0
    except ValueError:
        seconds = 1.0
    return min(max(seconds, 0.0), MAX_RETRY_AFTER) if math.isfinite(seconds) else 1.0
