"""Faulty receivers whose defect shows only over several requests, in one framing, or in
strict replay mode: a crash on a retry, a body lost to chunked transfer coding, a replay window
too wide or open to the future.

A single request cannot show these (the corpus's own probe test sends one); `verify` proves
each (tests/verify/test_corpus.py), the window ones with `--require-replay-protection`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any, Final

from tests.receivers.asgi import Response, reject
from tests.receivers.defective import Defective
from tests.receivers.raw_bytes import TOLERANCE


class ExactReplay500(Defective):
    """500 on an exact retry: each signature is inserted into a table with a unique index."""

    name = "exact_replay_500"
    rule = "retry-exact-replay"

    def __init__(self, secret: str) -> None:
        super().__init__(secret)
        self.nonces: set[str] = set()

    async def acknowledge(
        self, notification: dict[str, Any], headers: Mapping[str, str]
    ) -> Response:
        signature = headers["signature"]
        if signature in self.nonces:
            raise KeyError(f"duplicate key value violates unique constraint: {signature}")
        self.nonces.add(signature)
        return await super().acknowledge(notification, headers)


class Duplicate500(Defective):
    """500 on a re-delivery: notifications are stored under their content, a unique key."""

    name = "duplicate_notification_500"
    rule = "retry-redelivery"

    def __init__(self, secret: str) -> None:
        super().__init__(secret)
        self.stored: set[str] = set()

    async def acknowledge(
        self, notification: dict[str, Any], headers: Mapping[str, str]
    ) -> Response:
        key = json.dumps(notification, sort_keys=True)
        if key in self.stored:
            raise KeyError("duplicate key value violates unique constraint notifications_pkey")
        self.stored.add(key)
        return await super().acknowledge(notification, headers)


class ChunkedIgnored(Defective):
    """A chunked body is read as empty: the body is read by Content-Length alone (as in WSGI)."""

    name = "chunked_body_ignored"
    rule = "accept-framings"

    async def handle(self, headers: Mapping[str, str], body: bytes) -> Response:
        if "content-length" not in headers:
            body = b""  # environ["CONTENT_LENGTH"] is missing, so nothing is read
        return await super().handle(headers, body)


WIDE: Final = 3600


class WindowTooWide(Defective):
    """Accepts timestamps up to an hour old or ahead: a replay window of ±3600 s."""

    name = "window_one_hour"
    rule = "replay-protection"

    def check_timestamp(self, timestamp: str) -> None:
        if not timestamp.isdigit():
            raise reject(401, f"timestamp: {timestamp!r} is not a unix time")
        if abs(int(timestamp) - time.time()) > WIDE:
            raise reject(401, f"timestamp: {timestamp} is more than {WIDE} s from now")


class WindowPastOnly(Defective):
    """Rejects old timestamps only: one from the future (a day ahead) is accepted."""

    name = "window_past_only"
    rule = "replay-protection"

    def check_timestamp(self, timestamp: str) -> None:
        if not timestamp.isdigit():
            raise reject(401, f"timestamp: {timestamp!r} is not a unix time")
        if time.time() - int(timestamp) > TOLERANCE:
            raise reject(401, f"timestamp: {timestamp} is more than {TOLERANCE} s old")


RECEIVERS: tuple[type[Defective], ...] = (
    ExactReplay500,
    Duplicate500,
    ChunkedIgnored,
    WindowTooWide,
    WindowPastOnly,
)
STRICT: Final = frozenset({WindowTooWide.name, WindowPastOnly.name})
"""Faulty only in strict replay mode (by default their window is an advisory)."""
