"""Verify the signature of a Betstack SMS notification. Python 3.8+, standard library only.

    signature = lower-case hex HMAC-SHA256(secret, timestamp + compact body)

The compact body is the raw body with the whitespace between JSON tokens removed (string
contents untouched). Hash the bytes you received, never a re-serialised object: key order,
escapes and number spelling must stay exactly as the platform sent them.

Flask:   ok = verify_signature(SECRET, request.headers.get("timestamp", ""),
                               request.headers.get("signature", ""), request.get_data())
Django:  ... request.headers.get("timestamp", ""), ..., request.body)
Answer 401 when it returns False, before you parse the JSON.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time

TOLERANCE = 300  # seconds a timestamp may be away from now (Stripe and Standard Webhooks use 300)

_STRING_OR_SPACE = re.compile(rb'("(?:[^"\\]|\\.)*")|[ \t\n\r]+', re.DOTALL)


def verify_signature(
    secret: str, timestamp: str, signature: str, body: bytes, now: float | None = None
) -> bool:
    """Return True if `signature` signs `body` at `timestamp` and the timestamp is recent."""
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 18):
        return False
    if abs(int(timestamp) - int(time.time() if now is None else now)) > TOLERANCE:
        return False  # stale or from the future: a replay, or a clock far off
    given = signature.encode("utf-8")
    # "All spaces removed" has two readings: between JSON tokens only (the usual one), or every
    # whitespace character, inside strings too. They differ only when a string holds whitespace;
    # accept either until the platform says which it uses.
    tokens = _STRING_OR_SPACE.sub(lambda m: m.group(1) or b"", body)
    every = re.sub(rb"[ \t\n\r]", b"", body)
    return any(
        hmac.compare_digest(_sign(secret, timestamp, compact).encode(), given)
        for compact in (tokens, every)
    )


def _sign(secret: str, timestamp: str, compact: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + compact, hashlib.sha256).hexdigest()
