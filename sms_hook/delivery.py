"""Building, sending and reproducing signed requests to a receiver (the wire is `sms_hook.wire`)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import httpx

from sms_hook import signing
from sms_hook.contract import Contract
from sms_hook.errors import ReceiverUnreachable
from sms_hook.wire import Answer, Connection, mask

__all__ = ["Answer", "Connection", "SignedRequest", "encode", "post", "send", "signed_request"]

DEFAULT_OPERATOR: Final = "sms-hook"
DEFAULT_TIMEOUT: Final = 10.0


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """The exact headers and body bytes of one request, as sent (`sms_hook.repro` makes
    the curl that sends it again)."""

    headers: Mapping[str, str]
    body: bytes


def encode(contract: Contract, notification: Mapping[str, Any], *, pretty: bool = False) -> bytes:
    """Return the bytes to send: canonical compact JSON, or the same keys indented."""
    canonical = signing.canonical_body(notification, contract.field_order)
    if not pretty:
        return canonical
    ordered = json.loads(canonical)  # keeps the canonical key order
    return json.dumps(ordered, indent=2, ensure_ascii=False).encode()


def signed_request(
    body: bytes,
    secret: str,
    *,
    operator_name: str = DEFAULT_OPERATOR,
    timestamp: str | None = None,
    extra_headers: Mapping[str, str] | None = None,
    scheme: signing.Scheme = signing.DEFAULT_SCHEME,
) -> SignedRequest:
    """Sign `body` as it will be sent, with a fresh timestamp unless one is given.

    `scheme` is the contract's (`contract.signature`): it names the headers and the HMAC.
    """
    ts = timestamp if timestamp is not None else str(int(time.time()))
    headers = {
        "content-type": "application/json",
        scheme.timestamp_header: ts,
        "operator-name": operator_name,
        scheme.signature_header: signing.sign(secret, ts, body, scheme),
    }
    headers.update(extra_headers or {})
    return SignedRequest(headers, body)


def send(connection: Connection, request: SignedRequest, timeout: float) -> Answer:
    """Send one request over `connection`; the answer must be whole within `timeout` seconds.

    Raises `ReceiverUnreachable` if no connection could be made, `NoAnswerInTime` or
    `ConnectionDropped` (both `ExchangeFailed`) if one was made but no whole answer came back:
    that is the receiver's failure to judge, not a usage problem. See `sms_hook.wire`.
    """
    return connection.post(request.headers, request.body, timeout)


def post(client: httpx.Client, url: str, request: SignedRequest) -> Answer:
    """Send one request with an httpx client (tests and tools; `verify` and `send` use `send`).

    httpx's timeouts bound each read, not the exchange, and it reads an answer whole: a
    receiver that drips or floods can hold it. Raises `ReceiverUnreachable` if no connection
    could be made; other transport trouble is left to the caller as httpx's exceptions.
    """
    started = time.perf_counter()
    try:
        response = client.post(url, content=request.body, headers=dict(request.headers))
    except (httpx.ConnectTimeout, httpx.ConnectError, httpx.UnsupportedProtocol) as exc:
        raise ReceiverUnreachable(f"{mask(url)}: {exc or type(exc).__name__}") from exc
    return Answer(
        response.status_code,
        {k.lower(): v for k, v in response.headers.items()},
        response.content,
        time.perf_counter() - started,
    )
