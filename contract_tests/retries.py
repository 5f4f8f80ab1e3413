"""Retries and duplicates: the same request twice, a re-delivery, a resettlement.

The platform may deliver a notification more than once (a retry after a timeout, a lost
answer), and it may settle a bet again (`lost` becomes `void`). A receiver that stores
notifications under a unique key and crashes on the second insert answers 5xx, and the
platform keeps retrying. Per type, in order:

1. a valid notification (`accept-valid`), then the exact same request again, same bytes,
   timestamp and signature (`retry-exact-replay`: 200 or a 4xx, never a 5xx);
2. the same notification with a fresh timestamp and signature (`retry-redelivery`: 200);
3. for `bet_result` and `ticket_status`, the same ticket with another result or status, back
   and forth (`retry-resettlement`: 200).

Every body carries a marker of its own, so no other probe of the run shares its signature.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from contract_tests.channel import Channel
from contract_tests.probe import Probe, Send
from contract_tests.result import Advisory, Failure
from contract_tests.samples import edited, encode, enums, free_strings
from sms_hook import signing
from sms_hook.contract import Contract, NotificationType
from sms_hook.delivery import SignedRequest

RULE_ADVISORY: Final = "advisory-duplicates"


@dataclass(frozen=True, slots=True)
class Repeat:
    """What one type's first delivery, exact repeat and re-delivery were answered."""

    type: str
    first: int | None
    repeat: int | None
    redelivery: int | None


def _marked(contract: Contract, t: NotificationType, **data: Any) -> dict[str, Any]:
    free = free_strings(t)
    notification = edited(contract, t, **data)
    if free:
        name = free[0].name
        notification["data"][name] = f"{notification['data'][name]}-retry"
    return notification


def _settlements(t: NotificationType) -> list[dict[str, Any]]:
    """The enum values a ticket moves through: each enum field's values, then back to the first."""
    fields = enums(t)
    if not fields:
        return []
    steps = max(len(f.schema["enum"]) for f in fields)
    values = [
        {f.name: f.schema["enum"][(i + 1) % len(f.schema["enum"])] for f in fields}
        for i in range(steps)
    ]
    return [*values, values[0]]


class _Pairs:
    """Sends one type's retry probes and keeps their failures."""

    def __init__(
        self,
        scheme: signing.Scheme,
        secret: str,
        operator_name: str,
        headers: Mapping[str, str],
        channel: Channel,
    ) -> None:
        self.scheme = scheme
        self.secret = secret
        self.operator_name = operator_name
        self.headers = headers
        self.channel = channel
        self.failures: list[Failure] = []

    def send(
        self, probe: Probe, at: int, *, request: SignedRequest | None = None
    ) -> tuple[SignedRequest, int | None]:
        repeated = request is not None  # the exact request sent before, sent again
        if request is None:
            request = probe.request(
                at, self.secret, self.operator_name, self.headers, scheme=self.scheme
            )
        sent = self.channel.send(
            request,
            rule=probe.rule,
            type_name=probe.type,
            title=probe.title,
            now=at,
            repeated=repeated,
        )
        if sent.failure is not None:
            self.failures.append(sent.failure)
        return request, sent.status


def run(
    contract: Contract,
    secret: str,
    operator_name: str,
    headers: Mapping[str, str],
    channel: Channel,
    *,
    types: Iterable[str] | None = None,
) -> tuple[list[Failure], list[Repeat]]:
    """Send the retry probes of each type (default: every type), in order; return their
    failures and answers."""
    pairs = _Pairs(contract.signature, secret, operator_name, headers, channel)
    repeats: list[Repeat] = []
    for t in contract.types.values():
        if types is not None and t.name not in types:
            continue
        now = int(time.time())
        body = encode(contract, _marked(contract, t))
        first = Probe(
            "accept-valid", t.name, "a notification, the first delivery of a retry pair", body
        )
        request, first_status = pairs.send(first, now)
        again = Probe(
            "retry-exact-replay",
            t.name,
            "the exact same request again (same body, timestamp and signature)",
            body,
        )
        _, repeat_status = pairs.send(again, now, request=request)
        # A second earlier: a fresh timestamp (so a fresh signature) that no receiver refuses.
        redelivery = Probe(
            "retry-redelivery",
            t.name,
            "the same notification again, with a fresh timestamp and signature",
            body,
            Send(timestamp=-1),
        )
        _, redelivery_status = pairs.send(redelivery, now)
        repeats.append(Repeat(t.name, first_status, repeat_status, redelivery_status))
        for n, (title, step) in enumerate(_resettle(contract, t), start=2):
            pairs.send(Probe("retry-resettlement", t.name, title, step, Send(timestamp=-n)), now)
    return pairs.failures, repeats


def _resettle(contract: Contract, t: NotificationType) -> Iterator[tuple[str, bytes]]:
    for values in _settlements(t):
        shown = ", ".join(f"{k}={v}" for k, v in values.items())
        yield (
            f"the same ticket settled again: {shown}",
            encode(contract, _marked(contract, t, **values)),
        )


def advise(repeats: list[Repeat]) -> Advisory | None:
    """Report the duplicate policy: exact repeats acknowledged or rejected, re-deliveries."""
    seen = [r for r in repeats if r.first == 200]
    if not seen:
        return None
    policies = {_policy(r) for r in seen}
    types = ", ".join(r.type for r in seen)
    if len(policies) == 1:
        message = f"{next(iter(policies))} ({types})"
    else:
        message = "differs by type: " + "; ".join(f"{r.type}: {_policy(r)}" for r in seen)
    notable = any(r.redelivery != 200 for r in seen)
    return Advisory(RULE_ADVISORY, message, notable)


def _policy(r: Repeat) -> str:
    if r.repeat == 200:
        exact = "acknowledges an exact repeat with 200"
    elif r.repeat is not None and 400 <= r.repeat < 500:
        exact = f"rejects an exact replay with {r.repeat}"
    else:
        exact = f"answers an exact repeat {r.repeat if r.repeat is not None else 'nothing'}"
    again = (
        "acknowledges a re-delivery with 200"
        if r.redelivery == 200
        else f"answers a re-delivery {r.redelivery} (the platform would retry it)"
    )
    return f"{exact}; {again}"
