"""The judge's view of the signed headers: `signature`, `timestamp`, and replays.

The signature must match the body under either reading of "all spaces removed" (upper-case hex
is open). A timestamp further from the receiver's clock than the tolerance is open by default;
in strict replay mode (`required`) one further than that many seconds must be rejected. A
timestamp some seconds off, and an exact repeat of an earlier request, are allowances: a strict
receiver accepts them, but the contract lets a receiver with a narrow window or a nonce memory
reject them.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Final

from sms_hook import signing
from sms_hook.errors import SignatureMismatch
from sms_hook.judge.verdict import Judgement, show

SKEW_ALLOWED: Final = 15
"""Seconds off the receiver's clock from which a receiver may reject a timestamp: a request is
judged when its answer is back (up to the request timeout later), and clocks drift by seconds."""


def check_signature(
    j: Judgement,
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    scheme: signing.Scheme = signing.DEFAULT_SCHEME,
) -> str | None:
    """Add the findings on `signature`; return the timestamp header when the signature matched.

    `scheme` is the contract's (`contract.signature`): it names the headers and the HMAC. Rule
    ids stay `signature-…` and `timestamp-…` whatever the headers are called.
    """
    names = {"signature": scheme.signature_header, "timestamp": scheme.timestamp_header}
    signature = headers.get(names["signature"])
    timestamp = headers.get(names["timestamp"])
    missing = False
    for role, value in (("signature", signature), ("timestamp", timestamp)):
        if not value:
            empty = "empty" if value == "" else "missing"
            j.add(f"header {names[role]}", empty, 401, f"{role}-missing")
            missing = True
    if missing or signature is None or timestamp is None:
        return None
    field = f"header {names['signature']}"
    try:
        j.reading = signing.match(secret, timestamp, body, signature, scheme)
    except SignatureMismatch as exc:
        lowered = signature.lower()
        if lowered == signature:
            j.add(field, str(exc).split(": ", 1)[1], 401, "signature-mismatch")
            return None
        try:
            j.reading = signing.match(secret, timestamp, body, lowered, scheme)
        except SignatureMismatch as again:
            j.add(field, str(again).split(": ", 1)[1], 401, "signature-mismatch")
            return None
        j.add(
            field,
            "upper-case hex; the platform sends lower-case",
            401,
            "signature-case",
            binding=False,
        )
    return timestamp


def check_timestamp(
    j: Judgement,
    timestamp: str,
    now: float | None,
    tolerance: int,
    required: int | None,
    *,
    header: str = "timestamp",
) -> None:
    """Add the finding (or allowance) on how far `timestamp` (the `header`) is from the clock."""
    field = f"header {header}"
    seconds = signing.parse_timestamp(timestamp)
    if seconds is None:
        j.add(
            field,
            f"{show(timestamp)} is not a unix time in whole seconds",
            401,
            "timestamp-not-numeric",
            binding=False,
        )
        return
    skew = seconds - int(time.time() if now is None else now)
    off = abs(skew)
    where = f"{timestamp} is {off} s {'ahead of' if skew > 0 else 'behind'} the receiver's clock"
    if required is not None and off > required:
        j.add(
            field,
            f"{where}; strict replay mode requires rejecting beyond ±{required} s",
            401,
            "timestamp-stale",
        )
    elif tolerance and off > tolerance:
        j.add(
            field,
            f"{where} (tolerance {tolerance} s)",
            401,
            "timestamp-stale",
            binding=False,
        )
    elif off >= SKEW_ALLOWED:
        j.allow(field, f"{where}; a receiver may keep a narrower window", 401, "skew")


def note_repeat(j: Judgement, scheme: signing.Scheme) -> None:
    """Allow a 4xx to an exact repeat of an earlier request (same body, timestamp, signature)."""
    j.allow(
        f"headers {scheme.timestamp_header}, {scheme.signature_header}",
        "the exact same request was sent before (a retry); a receiver may reject a replay",
        409,
        "exact-replay",
    )
