"""Reading the advisory probes' answers: replay protection and the "all spaces removed" reading.

Advisories describe a receiver; they are never failures (a wrong answer to an advisory probe,
such as a 5xx, is still reported under its failing rule by the verdict).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from contract_tests.result import Advisory


@dataclass(frozen=True, slots=True)
class Observation:
    """What a receiver answered to one advisory probe."""

    tag: str
    """"replay", "reading:tokens" or "reading:all-whitespace"."""
    type: str
    title: str
    status: int | None

    @property
    def accepted(self) -> bool:
        return self.status == 200


NOT_ASSESSED: Final = (
    "not assessed: no valid notification was accepted, so what the receiver rejects tells "
    "nothing about it"
)


def not_assessed(advisories: Iterable[Advisory]) -> list[Advisory]:
    """The advisories of a run that accepted no valid notification: each says it is not assessed.

    A receiver that rejects everything (a wrong secret, a wrong path) also rejects a stale
    timestamp, an escaped byte or an h2c offer: what it answered tells nothing about it.
    """
    return [Advisory(a.rule, NOT_ASSESSED, notable=False) for a in advisories]


def advise(
    observations: Iterable[Observation], tolerance: int, *, accepted: bool = True
) -> list[Advisory]:
    """Turn the advisory probes' answers into advisories.

    `accepted` is False when the receiver accepted no valid notification of the battery (a wrong
    secret or path, a redirect, every connection reset): a receiver that rejects everything also
    rejects stale timestamps, so no advisory is claimed, and each says why.
    """
    seen = list(observations)
    advisories: list[Advisory] = []
    if not accepted:
        tags = {"advisory-replay": "replay", "advisory-spaces-reading": "reading:"}
        return [
            Advisory(rule, NOT_ASSESSED, notable=False)
            for rule, tag in tags.items()
            if any(o.tag.startswith(tag) for o in seen)
        ]
    replay = [o for o in seen if o.tag == "replay"]
    if replay:
        advisories.append(_replay(replay, tolerance))
    reading = [o for o in seen if o.tag.startswith("reading:")]
    if reading:
        advisories.append(_reading(reading))
    return advisories


def _replay(observed: list[Observation], tolerance: int) -> Advisory:
    accepted = [o for o in observed if o.accepted]
    if not accepted:
        return Advisory(
            "advisory-replay",
            "rejects timestamps a day old, a day ahead and "
            "non-numeric: replay protection is in place",
            notable=False,
        )
    what = sorted({o.title for o in accepted})
    types = sorted({o.type for o in accepted})
    return Advisory(
        "advisory-replay",
        f"accepted {'; '.join(what)} ({', '.join(types)}): no replay protection; rejecting "
        f"timestamps more than {tolerance} s from the receiver's clock is recommended",
        notable=True,
    )


def _reading(observed: list[Observation]) -> Advisory:
    by_type: dict[str, set[str]] = {}
    statuses: dict[str, set[str]] = {}
    for o in observed:
        name = o.tag.split(":", 1)[1]
        statuses.setdefault(o.type, set()).add(f"{name}: {o.status}")
        if o.accepted:
            by_type.setdefault(o.type, set()).add(name)
        else:
            by_type.setdefault(o.type, set())
    verdicts = {t: _reading_verdict(names) for t, names in by_type.items()}
    if len(set(verdicts.values())) == 1:
        verdict = next(iter(verdicts.values()))
        notable = verdict.startswith(("rejects", 'implements the "all'))
        if verdict.startswith("rejects"):
            detail = "; ".join(f"{t} ({', '.join(sorted(s))})" for t, s in statuses.items())
            verdict = f"{verdict} [{detail}]"
        return Advisory("advisory-spaces-reading", verdict, notable=notable)
    listed = "; ".join(f"{t}: {v}" for t, v in verdicts.items())
    return Advisory("advisory-spaces-reading", f"differs by type: {listed}", notable=True)


def _reading_verdict(accepted: set[str]) -> str:
    if accepted == {"tokens"}:
        return (
            'implements the "tokens" reading of "all spaces removed" (whitespace between '
            "JSON tokens removed, string values untouched), the one sms-hook signs with"
        )
    if accepted == {"all-whitespace"}:
        return (
            'implements the "all-whitespace" reading of "all spaces removed" (every '
            "whitespace character removed, inside string values too); a notification whose "
            "text holds a space is rejected if the platform signs under the other reading"
        )
    if accepted:
        return 'accepts a signature made under either reading of "all spaces removed"'
    return (
        "rejects a valid notification whose text holds a space under both readings of "
        '"all spaces removed"'
    )
