"""The replay window, measured: which timestamp offsets a receiver accepts, past and future.

Per side, the offset grows by a factor of four from 15 s until the receiver rejects it (or a day
is reached), then bisection narrows the edge to a second: about 14 requests a side. Offsets
below `SKEW_ALLOWED` are never probed: the judge requires a receiver to accept those, so a
window that narrow is reported as "narrower than 15 s" rather than measured.

By default the window is an advisory (notable when wider than ±300 s or narrower than 60 s).
In strict replay mode the judge requires a 4xx beyond ±S s, so an accepted offset beyond it is a
`replay-protection` failure; the run keeps one per side, reworded to name the measured window.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from contract_tests.channel import Channel
from contract_tests.probe import Probe, Send
from contract_tests.result import Advisory, Failure
from contract_tests.samples import edited, encode, free_strings
from sms_hook.contract import Contract
from sms_hook.judge.signature import SKEW_ALLOWED

DAY: Final = 86_400
RECOMMENDED: Final = 300
"""At most ±300 s, as Stripe's and the Standard Webhooks libraries use."""
NARROW: Final = 60
"""Narrower than this, the platform's retries and queues may deliver a notification too late."""
RULE: Final = "advisory-replay-window"
_GROWTH: Final = 4


@dataclass(frozen=True, slots=True)
class Window:
    """The offsets accepted: `past` s behind and `future` s ahead (None: no limit up to a day)."""

    past: int | None
    future: int | None
    fresh: bool = True
    """False: even a timestamp of now was rejected (nothing else was measured)."""

    def describe(self) -> str:
        if not self.fresh:
            return "rejects even a fresh timestamp"
        if self.past is None and self.future is None:
            return "no limit found up to ±1 day"
        return f"accepts {_side(self.past, '−')} … {_side(self.future, '+')}"

    def wider_than(self, seconds: int) -> bool:
        return any(s is None or s > seconds for s in (self.past, self.future))


def _side(limit: int | None, sign: str) -> str:
    if limit is None:
        return f"{sign}1 day or more (no limit found)"
    if limit == 0:
        return f"{sign}less than {SKEW_ALLOWED} s"
    return f"{sign}{limit} s"


class _Search:
    def __init__(
        self,
        contract: Contract,
        secret: str,
        operator_name: str,
        headers: Mapping[str, str],
        channel: Channel,
    ) -> None:
        self.contract = contract
        self.secret = secret
        self.operator_name = operator_name
        self.headers = headers
        self.channel = channel
        self.type = next(iter(contract.types.values()))
        self.failures: dict[int, Failure] = {}
        """The first failure on each side (-1 past, +1 future)."""
        self.sent = 0

    def accepts(self, offset: int) -> bool:
        """Send a valid notification `offset` s off the clock; True if it got a 200."""
        self.sent += 1
        t = self.type
        free = free_strings(t)
        data = {free[0].name: f"window-{self.sent}"} if free else {}
        body = encode(self.contract, edited(self.contract, t, **data))
        where = "now" if offset == 0 else f"{abs(offset)} s {'ahead' if offset > 0 else 'old'}"
        probe = Probe(RULE, t.name, f"replay window: a timestamp {where}", body, Send(offset))
        now = int(time.time())
        request = probe.request(
            now, self.secret, self.operator_name, self.headers, scheme=self.contract.signature
        )
        sent = self.channel.send(request, rule=RULE, type_name=t.name, title=probe.title, now=now)
        side = 1 if offset > 0 else -1
        if sent.failure is not None and (sent.failure.rule != "replay-protection"):
            self.failures.setdefault(2 * side, sent.failure)  # another rule: kept as it is
        elif sent.failure is not None:
            self.failures.setdefault(side, sent.failure)
        return sent.status == 200

    def edge(self, sign: int) -> int | None:
        """The largest offset accepted on one side, to a second (None: a day is accepted)."""
        lo, step = 0, SKEW_ALLOWED
        while True:
            if not self.accepts(sign * step):
                hi = step
                break
            lo = step
            if step >= DAY:
                return None
            step = min(step * _GROWTH, DAY)
        if lo == 0:
            return 0
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self.accepts(sign * mid):
                lo = mid
            else:
                hi = mid
        return lo


def measure(
    contract: Contract,
    secret: str,
    operator_name: str,
    headers: Mapping[str, str],
    channel: Channel,
    *,
    required: int | None,
) -> tuple[Window, list[Failure]]:
    """Measure the window; return it with the failures to report (strict mode: one a side)."""
    search = _Search(contract, secret, operator_name, headers, channel)
    if not search.accepts(0):
        return Window(None, None, fresh=False), list(search.failures.values())
    window = Window(search.edge(-1), search.edge(1))
    failures = []
    for key, found in sorted(search.failures.items()):
        if key in (-1, 1) and required is not None:
            where = "past" if key < 0 else "future"
            found = dataclasses.replace(  # noqa: PLW2901 - the failure, reworded
                found,
                title=f"{found.title}: the receiver {window.describe()}; strict replay mode "
                f"requires rejecting timestamps more than {required} s in the {where}",
            )
        failures.append(found)
    return window, failures


def advise(window: Window) -> Advisory:
    """The window as an advisory: notable when wider than ±300 s or narrower than 60 s."""
    text = window.describe()
    if not window.fresh:
        return Advisory(
            RULE,
            f"{text}: the receiver's clock may be wrong (check NTP), or it expects another "
            "unit (milliseconds) or time zone",
            notable=True,
        )
    if window.wider_than(RECOMMENDED):
        return Advisory(
            RULE,
            f"{text}: wider than the recommended ±{RECOMMENDED} s (Stripe, Standard Webhooks); "
            "a captured request can be replayed for that long",
            notable=True,
        )
    narrow = [s for s in (window.past, window.future) if s is not None and s < NARROW]
    if narrow:
        return Advisory(
            RULE,
            f"{text}: narrower than {NARROW} s; the platform's retries and queues can deliver "
            "a notification a minute late",
            notable=True,
        )
    return Advisory(RULE, f"{text}: within the recommended ±{RECOMMENDED} s", notable=False)
