"""Sending requests to the receiver over one keep-alive connection, and what came back.

ReceiverUnreachable   (sms_hook.errors) the very first request found no receiver: a usage
                      problem (wrong URL, nothing listening, DNS, TLS), not a verdict
Stopped               the receiver went away, or stopped answering, in the middle of a run
Unsendable            a generated request that HTTP cannot carry (a header value with a
                      line break, ...); it is skipped, never reported
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Final

import httpx

from sms_hook import delivery
from sms_hook.delivery import Answer, SignedRequest
from sms_hook.errors import ReceiverUnreachable

MAX_TIMEOUTS_IN_A_ROW: Final = 3
RATE_LIMIT_RETRIES: Final = 3
MAX_RETRY_AFTER: Final = 5.0


class Stopped(Exception):
    """Raised when the run cannot go on: the receiver went away or stopped answering."""

    def __init__(self, reason: str, *, refused: bool = False) -> None:
        super().__init__(reason)
        self.refused = refused
        """True: this very request was refused a connection (it is a failure of its own)."""


class Unsendable(Exception):
    """Raised when a request cannot be put on the wire at all (it is skipped)."""


@dataclass(frozen=True, slots=True)
class Exchange:
    """A request as sent, and the receiver's answer or why there was none."""

    request: SignedRequest
    answer: Answer | None
    error: str | None = None


class Sender:
    """Posts requests to one URL over one client, counts them, and reports transport trouble."""

    def __init__(self, client: httpx.Client, url: str, timeout: float) -> None:
        self.client = client
        self.url = url
        self.timeout = timeout
        self.requests = 0
        self.rate_limited = 0
        """How many 429 answers were waited out and retried."""
        self._reached = False
        self._timeouts = 0
        self._gone: str | None = None

    def send(self, request: SignedRequest) -> Exchange:
        """Send one request and return the exchange; a failure to answer is part of it.

        The first request is the reachability check: if it cannot connect, `ReceiverUnreachable`
        is raised. Later, a connection refused means the receiver went away (most likely the
        request it dropped brought it down): `Stopped` is raised from then on, as it is after
        several timeouts in a row.
        """
        if self._gone is not None:
            raise Stopped(self._gone)
        if self._timeouts >= MAX_TIMEOUTS_IN_A_ROW:
            raise Stopped(
                f"{self._timeouts} requests in a row got no answer within {self.timeout:g} s"
            )
        exchange = self._exchange(request)
        for _ in range(RATE_LIMIT_RETRIES):
            # A gateway's rate limit answers for the gateway, not for the receiver's contract:
            # wait as told (within reason) and send the same request again.
            if exchange.answer is None or exchange.answer.status != 429:
                break
            self.rate_limited += 1
            time.sleep(_retry_after(exchange.answer.headers.get("retry-after")))
            exchange = self._exchange(request)
        timed_out = exchange.error is not None and exchange.error.startswith("no answer")
        self._timeouts = self._timeouts + 1 if timed_out else 0
        return exchange

    def _exchange(self, request: SignedRequest) -> Exchange:
        dropped: str | None = None
        for attempt in (1, 2):
            self.requests += 1
            try:
                answer = delivery.post(self.client, self.url, request)
            except ReceiverUnreachable as exc:
                if not self._reached:
                    raise
                self._gone = f"the receiver stopped accepting connections ({exc})"
                if dropped is not None:
                    return Exchange(request, None, f"{dropped}; then {self._gone}")
                reason = f"{self._gone}; an earlier request probably brought it down"
                raise Stopped(reason, refused=True) from exc
            except httpx.TimeoutException:
                self._reached = True
                return Exchange(request, None, f"no answer within {self.timeout:g} s")
            except (httpx.LocalProtocolError, UnicodeEncodeError) as exc:
                raise Unsendable(str(exc)) from exc
            except httpx.TransportError as exc:
                self._reached = True
                dropped = (
                    f"connection dropped without an answer ({type(exc).__name__}"
                    f"{': ' + str(exc) if str(exc) else ''})"
                )
                # A keep-alive connection the server closed while idle fails the same way as a
                # dropped answer; only a second drop, on a fresh connection, counts.
                if attempt == 1:
                    continue
                return Exchange(request, None, dropped)
            self._reached = True
            return Exchange(request, answer)
        raise AssertionError("unreachable")  # pragma: no cover


def _retry_after(value: str | None) -> float:
    """Seconds to wait for a 429's Retry-After (seconds only; a date or nothing: 1 s), capped."""
    try:
        seconds = float(value) if value is not None else 1.0
    except ValueError:
        seconds = 1.0
    return min(max(seconds, 0.0), MAX_RETRY_AFTER) if math.isfinite(seconds) else 1.0
