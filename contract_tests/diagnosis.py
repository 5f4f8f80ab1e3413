"""A run's failures as causes, most important first, each with its smallest reproducing request.

The cause ids come from `contract_tests.causes.key`; this module groups, counts, orders and
phrases them, and adds what the run saw around a cause (`contract_tests.hints`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Final

from contract_tests import hints
from contract_tests.causes import RANKS, family, phrase
from contract_tests.result import Failure, Result
from contract_tests.rules import ANY_TYPE, BY_ID
from sms_hook import repro
from sms_hook.contract import Contract
from sms_hook.response import NOT_HERE

_CATEGORIES: Final = {
    "path": "reachability",
    "redirect": "reachability",
    "rejects-signed": "signature",
    "rejects-indented": "signature",
    "accepts-signature": "signature",
    "server-error": "robustness",
    "no-answer": "robustness",
    "accepts-body": "malformed bodies",
    "answer-shape": "response shape",
}
"""Categories of the cause kinds that do not follow from their example's rule."""


@dataclass(frozen=True, slots=True)
class Cause:
    """One thing to fix, the failing requests it explains, and how to reproduce it."""

    id: str
    title: str
    advice: str
    rank: int
    requests: int
    """How many failing requests (battery and generated) it explains."""
    rules: tuple[str, ...]
    types: tuple[str, ...]
    values: tuple[str, ...]
    """The distinct values it is about (`true`, `"100001"`, `1.5`), or answer statuses."""
    example: Failure
    """The failing battery probe that shows the cause best: a text body, the smallest (a
    generated case if the cause has no battery probe)."""
    failures: tuple[Failure, ...]
    notes: tuple[str, ...]
    """What the run saw that explains it: the signed message, a clock, a gateway."""

    @property
    def category(self) -> str:
        """The category the cause belongs to: that of its kind (a refusal of valid non-ASCII
        text is about its rule; every refusal of correctly signed requests, about the signature)."""
        return _CATEGORIES.get(family(self.id)) or BY_ID[self.example.rule].category

    @property
    def values_label(self) -> str | None:
        """What `values` are ("values", "statuses", "bodies"), or None when not worth showing
        (the whole-run and signature causes say it in their notes)."""
        if not self.values or self.id.startswith(("path", "redirect", "rejects-")):
            return None
        if self.id.startswith(("server-error", "no-answer", "refuses")):
            return "bodies" if self.id.endswith(".body") else "statuses"
        return "values"


def diagnose(result: Result, contract: Contract) -> list[Cause]:
    """Return the causes of a run's failures, most important first (empty if none failed)."""
    if not result.failures:
        return []
    whole = _whole_run(result, contract)
    if whole is not None:
        return [whole]
    groups: dict[str, list[Failure]] = {}
    for failure in result.failures:
        groups.setdefault(failure.cause or f"rule.{failure.rule}", []).append(failure)
    counts = Counter(result.by_cause)
    for same in ("rejects-indented", "refuses.accept-framings"):
        if "rejects-signed" in groups and same in groups:
            # Refused whatever the layout or framing: those probes fail for the same reason.
            groups["rejects-signed"] += groups.pop(same)
            counts["rejects-signed"] += counts.pop(same, 0)
    _merge_fields(groups, counts)
    found = [_cause(cid, members, counts[cid], result, contract) for cid, members in groups.items()]
    return sorted(found, key=lambda c: (c.rank, -c.requests, c.id))


def _merge_fields(groups: dict[str, list[Failure]], counts: Counter[str]) -> None:
    """Make one cause of fields that let the same values through the same check: `true`
    accepted for event_id and bet_id is one `is_integer` to fix, not two."""
    buckets: dict[tuple[str, frozenset[str]], list[str]] = {}
    for cid, members in groups.items():
        head, _, rest = cid.partition(".")
        finding, _, field = rest.partition(".")
        if head != "accepts" or not field.startswith("data."):
            continue
        values = frozenset(f.value for f in members if f.value is not None)
        buckets.setdefault((finding, values), []).append(cid)
    for (finding, _), ids in buckets.items():
        if len(ids) < 2:
            continue
        fields = [cid.split(".", 2)[2] for cid in ids]
        merged = f"accepts.{finding}.{'+'.join(fields)}"
        groups[merged] = [f for cid in ids for f in groups.pop(cid)]
        counts[merged] = sum(counts.pop(cid, 0) for cid in ids)


def _whole_run(result: Result, contract: Contract) -> Cause | None:
    """One cause for a run whose every answer was 404/405 (or a redirect): nothing else counts."""
    answered = {s for s in result.statuses if s is not None}
    if not answered or None in result.statuses:
        return None
    if answered <= NOT_HERE:
        cid = "path"
    elif all(300 <= s < 400 for s in answered):
        cid = "redirect"
    else:
        return None
    return _cause(cid, list(result.failures), sum(result.statuses.values()), result, contract)


def _cause(
    cid: str, members: list[Failure], counted: int, result: Result, contract: Contract
) -> Cause:
    kinds = {f.name: str(f.schema.get("type")) for t in contract.types.values() for f in t.fields}
    options = {
        f.name: tuple(str(v) for v in f.schema.get("enum", ()))
        for t in contract.types.values()
        for f in t.fields
    }
    said = phrase(cid, kinds, options, contract.signature)
    # The battery's probes say what they are; of them, a body that reads as text, then the
    # smallest, reproduces the cause best.
    example = min(members, key=lambda f: (f.origin != "battery", not repro.inline(f.body), f.size))
    rules = tuple(dict.fromkeys(f.rule for f in members))
    order = [*contract.types, ANY_TYPE]
    types = tuple(t for t in order if any(f.type == t for f in members))
    values = tuple(dict.fromkeys(f.value for f in members if f.value is not None))
    return Cause(
        id=cid,
        title=said.title,
        advice=said.advice,
        rank=RANKS.get(family(cid), 9),
        requests=max(counted, len(members)),
        rules=rules,
        types=types,
        values=values,
        example=example,
        failures=tuple(members),
        notes=tuple(hints.notes(cid, members, result, contract)),
    )
