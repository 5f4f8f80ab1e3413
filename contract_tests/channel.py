"""The way order-dependent probes (retries, the replay window, framings) talk to a receiver.

These probes are sent one after the other, in order, because each answer means something only
next to the one before it (a repeat after a first delivery; the next offset of a search). The
run gives them a `Channel`: it sends a request, judges the answer with the one judge, counts it
and returns the failure it is, if any, for the probe to keep or reword.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from contract_tests.exchange import Exchange
from contract_tests.result import Failure
from sms_hook.delivery import SignedRequest


@dataclass(frozen=True, slots=True)
class Sent:
    """A request as it went out, the answer, and the failure that answer is (None: it is fine)."""

    exchange: Exchange
    failure: Failure | None

    @property
    def status(self) -> int | None:
        return self.exchange.answer.status if self.exchange.answer is not None else None


class Channel(Protocol):
    """Sends one request now and judges its answer."""

    def send(
        self,
        request: SignedRequest,
        *,
        rule: str,
        type_name: str,
        title: str,
        now: float,
        repeated: bool = False,
        framing: str | None = None,
    ) -> Sent:
        """Send `request`, judged as of the receiver's clock `now` (when it was signed).

        `repeated`: the exact same request was sent before; `framing`: put it on the wire as
        one of `sms_hook.judge.framing.FRAMINGS` (on a connection of its own).
        """
        ...
