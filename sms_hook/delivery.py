"""Building, sending and reproducing signed requests to a receiver."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import httpx

from sms_hook import signing
from sms_hook.contract import Contract
from sms_hook.errors import ReceiverUnreachable

DEFAULT_OPERATOR: Final = "sms-hook"
DEFAULT_TIMEOUT: Final = 10.0


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """The exact headers and body bytes of one request, as sent (`sms_hook.repro` makes
    the curl that sends it again)."""

    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class Answer:
    """A receiver's answer: status, lower-case headers, body bytes and time taken."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    seconds: float = field(default=0.0)


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


def post(client: httpx.Client, url: str, request: SignedRequest) -> Answer:
    """Send one request; raise `ReceiverUnreachable` if no connection could be made.

    A connection that was made but dropped, or a receiver that does not answer in time, is
    returned as an `httpx` exception for the caller to judge (it is a contract failure, not a
    usage problem).
    """
    started = time.perf_counter()
    try:
        response = client.post(url, content=request.body, headers=dict(request.headers))
    except httpx.ConnectTimeout as exc:
        raise ReceiverUnreachable(f"{url}: no connection within the timeout") from exc
    except httpx.ConnectError as exc:
        raise ReceiverUnreachable(f"{url}: {_reason(exc)}") from exc
    except httpx.UnsupportedProtocol as exc:
        raise ReceiverUnreachable(f"{url}: not an http or https URL") from exc
    return Answer(
        response.status_code,
        {k.lower(): v for k, v in response.headers.items()},
        response.content,
        time.perf_counter() - started,
    )


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    lowered = text.lower()
    if "refused" in lowered:
        return "connection refused"
    if (
        "name or service not known" in lowered
        or "nodename nor servname" in lowered
        or ("temporary failure in name resolution" in lowered)
    ):
        return "host name could not be resolved (DNS)"
    if "certificate" in lowered or "ssl" in lowered:
        return f"TLS handshake failed ({text})"
    return text
