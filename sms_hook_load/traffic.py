"""The stream of notifications one simulated sender posts: fresh, valid and realistic.

A ticket is opened (`ticket_status` open/pending), its bets are resulted one by one
(`bet_result`), then the ticket itself is resulted (`ticket_status` resulted with the outcome its
bets imply); `otp` messages are interleaved. Only the chosen types are emitted, in that order.
Fields are built from the contract's example for the type, so the field list and order come from
the OpenAPI document, and encoded by `sms_hook.signing.canonical_body` (the bytes sent and signed).
"""

from __future__ import annotations

import os
import random
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from sms_hook import signing
from sms_hook.contract import Contract

TICKET_TYPES: Final = ("ticket_status", "bet_result")
MAX_BETS: Final = 4


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One notification to send: its type, its ticket (or msisdn for otp) and the body bytes."""

    type: str
    key: str
    body: bytes


def ticket_outcome(results: Sequence[str]) -> str:
    """A ticket's result from its bets' results: lost if any bet lost, won if any won, else void."""
    if "lost" in results:
        return "lost"
    return "won" if "won" in results else "void"


class Traffic:
    """An endless, per-sender stream of `Outgoing` notifications of the chosen types."""

    def __init__(
        self, contract: Contract, types: Sequence[str], *, seed: int | None = None
    ) -> None:
        unknown = [t for t in types if t not in contract.types]
        if unknown or not types:
            raise ValueError(f"types: {unknown or 'none'} not in {list(contract.types)}")
        self.contract = contract
        self.field_order = contract.field_order  # computed once: it is read for every body
        self.types = tuple(types)
        self.random = random.Random(seed)  # noqa: S311 - test data, not secrets
        self.pending: deque[Outgoing] = deque()
        self.serial = 0

    def __iter__(self) -> Traffic:
        return self

    def __next__(self) -> Outgoing:
        while not self.pending:
            self._refill()
        return self.pending.popleft()

    def _refill(self) -> None:
        if "otp" in self.types:
            self._emit(
                "otp", {"code": f"{self.random.randrange(10**6):06d}", "msisdn": self._msisdn()}
            )
        if any(t in self.types for t in TICKET_TYPES):
            self._ticket()

    def _ticket(self) -> None:
        ticket_id = self._ticket_id()
        self._emit("ticket_status", {"ticket_id": ticket_id, "status": "open", "result": "pending"})
        results = [
            self.random.choice(("won", "won", "lost", "void"))
            for _ in range(self.random.randint(1, MAX_BETS))
        ]
        event_base = self.random.randrange(100_000, 900_000)
        for bet_id, result in enumerate(results, start=1):
            self._emit(
                "bet_result",
                {
                    "ticket_id": ticket_id,
                    "result": result,
                    "event_id": event_base + bet_id,
                    "bet_id": bet_id,
                },
            )
        outcome = ticket_outcome(results)
        self._emit(
            "ticket_status", {"ticket_id": ticket_id, "status": "resulted", "result": outcome}
        )

    def _emit(self, type_name: str, data: dict[str, Any]) -> None:
        if type_name not in self.types:
            return
        notification = self.contract.example(type_name)
        notification["data"].update(data)
        key = str(data.get("ticket_id") or data.get("msisdn"))
        body = signing.canonical_body(notification, self.field_order)
        self.pending.append(Outgoing(type_name, key, body))

    def _ticket_id(self) -> str:
        # 24 hex digits like the documentation's ids; random bytes keep workers from colliding.
        self.serial += 1
        return os.urandom(8).hex() + f"{self.serial & 0xFFFFFFFF:08x}"

    def _msisdn(self) -> str:
        return f"+2609{self.random.randrange(10**8):08d}"
