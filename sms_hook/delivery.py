"""Building, sending and reproducing signed requests to a receiver (the wire is `sms_hook.wire`)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from sms_hook import signing
from sms_hook.contract import Contract
from sms_hook.wire import Answer

__all__ = ["Answer", "SignedRequest", "encode", "signed_request"]

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
