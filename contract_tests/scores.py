"""Conformance scores: the share of requests answered as the contract requires, per notification
type and rule category (the category is an attribute of each rule in `contract_tests.rules`).

Only the rules a receiver can break are scored; advisories describe, they do not score. A
request answered 5xx (or not at all) fails `no-server-error` (robustness) and the category of
the rule it was sent for: a 500 to malformed JSON is a malformed body not rejected.
"""

from __future__ import annotations

from dataclasses import dataclass

from contract_tests.result import Result
from contract_tests.rules import BY_ID, FAILING, NO_SERVER_ERROR


@dataclass(frozen=True, slots=True)
class Score:
    """How many requests of one type and category were checked, and how many failed."""

    checked: int
    failed: int

    @property
    def passed(self) -> int:
        return self.checked - self.failed

    @property
    def percent(self) -> int | None:
        """Whole percent passed, rounded down (so 99.6 % is not shown as 100); None if unchecked."""
        if not self.checked:
            return None
        return self.passed * 100 // self.checked


def categories() -> tuple[str, ...]:
    """The scored categories, in the order their first rule appears."""
    return tuple(dict.fromkeys(BY_ID[r].category for r in FAILING))


def scores(result: Result) -> dict[str, dict[str, Score]]:
    """Return type → category → score, for every type column of the run."""
    table: dict[str, dict[str, Score]] = {}
    for type_name in result.columns:
        row: dict[str, Score] = {}
        for category in categories():
            rules = [r for r in FAILING if BY_ID[r].category == category]
            checked = sum(result.checked[(r, type_name)] for r in rules)
            failed = sum(
                result.failing(r, type_name)
                + (result.crashed[(r, type_name)] if r != NO_SERVER_ERROR else 0)
                for r in rules
            )
            row[category] = Score(max(checked, failed), failed)
        if any(s.checked for s in row.values()):
            table[type_name] = row
    return table


def overall(result: Result) -> Score:
    """The score of the whole run: every checked request of every scored rule."""
    cells = [s for row in scores(result).values() for s in row.values()]
    return Score(sum(s.checked for s in cells), sum(s.failed for s in cells))
