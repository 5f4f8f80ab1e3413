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
    j: Judgement, headers: Mapping[str, str], body: bytes, secret: str
) -> str | None:
    """Add the findings on `signature`; return the timestamp header when the signature matched."""
    signature = headers.get("signature")
    timestamp = headers.get("timestamp")
    missing = False
    for name, value in (("signature", signature), ("timestamp", timestamp)):
        if not value:
            j.add(f"header {name}", "empty" if value == "" else "missing", 401, f"{name}-missing")
            missing = True
    if missing or signature is None or timestamp is None:
        return None
    try:
        j.reading = signing.match(secret, timestamp, body, signature)
    except SignatureMismatch as exc:
        lowered = signature.lower()
        if lowered == signature:
            j.add("header signature", str(exc).split(": ", 1)[1], 401, "signature-mismatch")
            return None
        try:
            j.reading = signing.match(secret, timestamp, body, lowered)
        except SignatureMismatch as again:
            j.add("header signature", str(again).split(": ", 1)[1], 401, "signature-mismatch")
            return None
        j.add(
            "header signature",
            "upper-case hex; the platform sends lower-case",
            401,
            "signature-case",
            binding=False,
        )
    return timestamp


def check_timestamp(
    j: Judgement, timestamp: str, now: float | None, tolerance: int, required: int | None
) -> None:
    """Add the finding (or allowance) on how far `timestamp` is from the receiver's clock."""
    seconds = signing.parse_timestamp(timestamp)
    if seconds is None:
        j.add(
            "header timestamp",
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
            "header timestamp",
            f"{where}; strict replay mode requires rejecting beyond ±{required} s",
            401,
            "timestamp-stale",
        )
    elif tolerance and off > tolerance:
        j.add(
            "header timestamp",
            f"{where} (tolerance {tolerance} s)",
            401,
            "timestamp-stale",
            binding=False,
        )
    elif off >= SKEW_ALLOWED:
        j.allow("header timestamp", f"{where}; a receiver may keep a narrower window", 401, "skew")


def note_repeat(j: Judgement) -> None:
    """Allow a 4xx to an exact repeat of an earlier request (same body, timestamp, signature)."""
    j.allow(
        "headers timestamp, signature",
        "the exact same request was sent before (a retry); a receiver may reject a replay",
        409,
        "exact-replay",
    )
