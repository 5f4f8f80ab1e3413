"""What a run saw that explains a cause: the message signed, a gateway's challenge, a clock, a
redirect's target. Each note is a sentence printed under its cause; none contains the secret.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Final

from contract_tests.result import Failure, Result
from sms_hook import signing
from sms_hook.contract import Contract

CLOCK_SKEW: Final = 30.0
"""Seconds: a receiver clock further from ours than this is worth a note when fresh timestamps
are refused (Date has a resolution of one second; network time keeps clocks within far less)."""
GATEWAY_SCHEMES: Final = frozenset({"basic", "bearer", "digest", "negotiate", "ntlm", "apikey"})
"""HTTP authentication schemes of gateways and proxies, which the contract's signature is not."""
MESSAGE_SHOWN: Final = 600
"""Characters of a signed message shown in a note (the curl holds the whole body)."""


def notes(
    cid: str, members: Sequence[Failure], result: Result, contract: Contract
) -> Iterator[str]:
    """Yield the notes of one cause."""
    if cid == "path":
        statuses = ", ".join(str(s) for s in sorted(s for s in result.statuses if s is not None))
        yield f"every one of the {sum(result.statuses.values())} requests got {statuses}"
        return
    if cid == "redirect":
        targets = sorted({v for f in members for k, v in f.answer_headers if k == "location"})
        if targets:
            yield f"Location: {', '.join(targets[:3])}"
        return
    if cid in ("rejects-signed", "rejects-indented"):
        yield from _signature_notes(members, result, contract)


def _signature_notes(
    members: Sequence[Failure], result: Result, contract: Contract
) -> Iterator[str]:
    challenges = sorted(
        {v for f in members for k, v in f.answer_headers if k == "www-authenticate" and gateway(v)}
    )
    if challenges:
        yield (
            f"the answers carry WWW-Authenticate: {challenges[0]} — something in front of the "
            "receiver (a gateway) asks for its own credentials: give them with "
            "--header 'Authorization: ...' (or the header it wants)"
        )
    skew = result.clock_skew
    if skew is not None and abs(skew) > CLOCK_SKEW:
        side = "ahead of" if skew > 0 else "behind"
        yield (
            f"the receiver's clock (its Date header) is {abs(skew):.0f} s {side} this "
            f"machine's: a receiver that checks timestamps against it refuses fresh ones "
            f"(tolerance {contract.tolerance} s); set its clock (NTP)"
        )
    signed = [f for f in members if f.timestamp]
    if not signed:
        return
    example = min(signed, key=lambda f: (f.origin != "battery", f.size))
    scheme = contract.signature
    message = signing.message(example.timestamp or "", example.body, scheme)
    text = message.decode("utf-8", "backslashreplace")
    if len(text) > MESSAGE_SHOWN:
        text = text[: MESSAGE_SHOWN - 1] + "…"
    signature = next((v for k, v in example.headers if k.lower() == scheme.signature_header), "")
    yield f"we signed the message {text}"
    yield (
        f"with the signature {signature} ({scheme.hmac_name}, hex; `sms-hook sign` shows the same)"
    )


def gateway(challenge: str) -> bool:
    """True if a WWW-Authenticate challenge asks for a gateway's credentials (Basic, Bearer,
    ...), not for the contract's signature (a receiver may name its HMAC scheme there)."""
    scheme = challenge.strip().split(" ", 1)[0].lower()
    return scheme in GATEWAY_SCHEMES
