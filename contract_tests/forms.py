"""Byte forms: the same notification written as other bytes, and what a receiver's answers say.

Each form is signed over exactly the bytes sent (whitespace between tokens removed, as the
platform does). Which forms a receiver accepts tells how it checks the signature: over the bytes
it received, over its own re-serialisation of the parsed JSON, or with every whitespace removed.
Only whitespace between tokens is binding (`accept-whitespace`); the other forms are reported.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Final

from contract_tests.probe import Probe
from contract_tests.result import Advisory
from contract_tests.samples import NON_ASCII, edited, encode, free_strings
from sms_hook.contract import Contract, NotificationType

FORMS: Final = {
    "escapes": "\\u escapes of non-ASCII",
    "slash": "an escaped /",
    "whitespace": "tabs and CR/LF between tokens",
    "newline": "a trailing newline",
    "order": "data fields in another order",
}
"""Tag → what the form is; the `order` and `whitespace` probes are the battery's own."""
RULE: Final = "advisory-byte-forms"


def probes(contract: Contract, t: NotificationType) -> Iterator[Probe]:
    """The forms not already in the battery: escapes, an escaped slash, a trailing newline."""
    free = free_strings(t)
    if free:
        name = free[0].name
        text = f"{NON_ASCII[0]}-u"  # not the accept-non-ascii probe's text: a body of its own
        escaped = json.dumps(edited(contract, t, **{name: text}), ensure_ascii=True)
        compact = json.dumps(json.loads(escaped), ensure_ascii=True, separators=(",", ":"))
        yield Probe(
            RULE,
            t.name,
            f"data.{name} = {text} written with \\u escapes",
            compact.encode(),
            advisory="form:escapes",
        )
        slashed = encode(contract, edited(contract, t, **{name: "tickets/7"}))
        yield Probe(
            RULE,
            t.name,
            f'data.{name} = "tickets/7" written "tickets\\/7"',
            slashed.replace(b"tickets/7", b"tickets\\/7", 1),
            advisory="form:slash",
        )
        value = contract.example(t.name)["data"][name]
        yield Probe(
            "accept-whitespace",
            t.name,
            "a trailing newline after the object",
            encode(contract, edited(contract, t, **{name: f"{value}nl"})) + b"\n",
            advisory="form:newline",
        )


def advise(seen: Iterable[tuple[str, str, int | None]]) -> Advisory | None:
    """Say which forms were accepted, from (tag, type, status) of each form's probe."""
    statuses: dict[str, set[int | None]] = {}
    for tag, _type, status in seen:
        statuses.setdefault(tag.removeprefix("form:"), set()).add(status)
    if not statuses:
        return None
    accepted = [f for f in FORMS if f in statuses and statuses[f] == {200}]
    refused = [f for f in FORMS if f in statuses and statuses[f] != {200}]
    listed = "; ".join(
        [f"accepts {', '.join(FORMS[f] for f in accepted)}"] * bool(accepted)
        + [
            "rejects "
            + ", ".join(
                f"{FORMS[f]} ({'/'.join(str(s) for s in sorted(statuses[f], key=str))})"
                for f in refused
            )
        ]
        * bool(refused)
    )
    return Advisory(RULE, f"{listed}: {_meaning(set(accepted), set(refused))}", bool(refused))


def _meaning(accepted: set[str], refused: set[str]) -> str:
    if not refused:
        return (
            "checks the signature over the bytes it received, as the platform signs them; "
            "any JSON encoder on the platform's side works"
        )
    if refused & {"whitespace", "newline"}:
        return (
            "checks the signature over the raw bytes without removing whitespace between "
            "tokens (or refuses whitespace): the documentation's indented samples fail"
        )
    if refused & {"escapes", "slash"}:
        return (
            "checks the signature over its own re-serialisation of the parsed JSON, not the "
            "bytes received: a sender whose encoder escapes non-ASCII or / would be rejected"
        )
    return (
        "insists on the documented key order (or re-serialises in its own order): a sender "
        "that orders keys otherwise would be rejected"
    )
