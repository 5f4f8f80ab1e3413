"""`idempotent`: a correct partner who remembers what it was sent.

`raw_bytes` (300 s window, HMAC over the bytes received), plus two memories, as the contract's
"Why duplicates matter" asks: a (timestamp, signature) pair seen before is a replay, rejected
with 409; a notification whose content was processed before is a re-delivery, acknowledged with
200 and not processed again. A resettlement (another `result`) is new content: processed.
Written from the partner documentation, independently of `sms_hook`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from tests.receivers.asgi import Response
from tests.receivers.raw_bytes import RawBytesReceiver


class IdempotentReceiver(RawBytesReceiver):
    """409 to an exact replay; 200 (without processing again) to a re-delivery."""

    def __init__(self, secret: str) -> None:
        super().__init__(secret)
        self.pairs: set[tuple[str, str]] = set()
        self.processed: dict[str, int] = {}
        """Content digest → how many times it was delivered."""

    async def acknowledge(
        self, notification: dict[str, Any], headers: Mapping[str, str]
    ) -> Response:
        pair = (headers["timestamp"], headers["signature"].lower())
        if pair in self.pairs:
            return Response.json(
                409, {"title": "Replayed request", "detail": "this signature was seen before"}
            )
        self.pairs.add(pair)
        digest = hashlib.sha256(json.dumps(notification, sort_keys=True).encode()).hexdigest()
        self.processed[digest] = self.processed.get(digest, 0) + 1
        message = "Notification received" if self.processed[digest] == 1 else "Already received"
        return Response.json(200, {"message": message})
