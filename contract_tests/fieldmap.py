"""The field map: per type, field × kind of case, what the receiver did and what the contract says.

Built from the judgements already made on the battery's probes that put one case in one field
(missing, null, wrong JSON type, outside the enum, boundary integers, hostile strings, control
strings). Each cell says whether the receiver accepted (200) or rejected (4xx) the field's
probes, and whether that matches the contract: "looser" when it accepts what the contract
forbids, "stricter" when it rejects what the contract requires it to accept. Where the contract
leaves the answer open, either is a match.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

from sms_hook.judge import Expect

KINDS: Final = (
    "missing",
    "null",
    "wrong type",
    "enum",
    "integers",
    "hostile strings",
    "control strings",
)
"""The kinds of case, in column order."""
Verdict = Literal["matches", "looser", "stricter"]


@dataclass(frozen=True, slots=True)
class Seen:
    """One probe of the field map: where, what the contract said, what came back."""

    type: str
    field: str
    kind: str
    expect: Expect
    status: int | None


@dataclass(frozen=True, slots=True)
class Cell:
    """What one field did with one kind of case."""

    accepted: int
    rejected: int
    verdict: Verdict

    @property
    def answer(self) -> str:
        if self.accepted and self.rejected:
            return "mixed"
        return "accepted" if self.accepted else "rejected"


FieldMap = dict[str, dict[str, dict[str, Cell]]]
"""type → field → kind → cell."""


def build(seen: Iterable[Seen], field_order: dict[str, list[str]]) -> FieldMap:
    """Make the map from the probes' answers (5xx and no answer count as neither)."""
    grouped: dict[tuple[str, str, str], list[Seen]] = {}
    for s in seen:
        if s.status is not None and (s.status == 200 or 400 <= s.status < 500):
            grouped.setdefault((s.type, s.field, s.kind), []).append(s)
    result: FieldMap = {}
    for t, fields in field_order.items():
        for f in fields:
            for kind in KINDS:
                found = grouped.get((t, f, kind))
                if found:
                    result.setdefault(t, {}).setdefault(f, {})[kind] = _cell(found)
    return result


def _cell(found: list[Seen]) -> Cell:
    accepted = sum(1 for s in found if s.status == 200)
    looser = any(s.expect is Expect.REJECT and s.status == 200 for s in found)
    stricter = any(s.expect is Expect.ACCEPT and s.status != 200 for s in found)
    verdict: Verdict = "looser" if looser else "stricter" if stricter else "matches"
    return Cell(accepted, len(found) - accepted, verdict)


_MARK: Final = {"matches": "✓", "looser": "L", "stricter": "S"}
_SHORT: Final = {"accepted": "acc", "rejected": "rej", "mixed": "mix"}
LABELS: Final = {
    "missing": "missing",
    "null": "null",
    "wrong type": "type",
    "enum": "enum",
    "integers": "integers",
    "hostile strings": "strings",
    "control strings": "control",
}
"""Column headings of the compact table."""
_CELL: Final = 10


def render(field_map: FieldMap) -> list[str]:
    """A compact table per type: `acc ✓`, `rej L`... one column per kind that was probed."""
    lines: list[str] = []
    for t, fields in field_map.items():
        kinds = [k for k in KINDS if any(k in cells for cells in fields.values())]
        width = max(len(t) - 2, *(len(f) for f in fields)) + 2
        heading = f"  {t.ljust(width + 2)}" + "".join(LABELS[k].ljust(_CELL) for k in kinds)
        lines.append(heading.rstrip())
        for f, cells in fields.items():
            row = f"    {f.ljust(width)}"
            for k in kinds:
                cell = cells.get(k)
                row += (f"{_SHORT[cell.answer]} {_MARK[cell.verdict]}" if cell else "-").ljust(
                    _CELL
                )
            lines.append(row.rstrip())
    return lines


def differences(field_map: FieldMap) -> list[str]:
    """Each cell where the receiver is looser or stricter than the contract, in words."""
    found = []
    for t, fields in field_map.items():
        for f, cells in fields.items():
            for k, cell in cells.items():
                if cell.verdict != "matches":
                    found.append(f"{t}.{f} {k}: {cell.answer} ({cell.verdict})")
    return found


def summary_lines(field_map: FieldMap) -> list[str]:
    """The map in one or two lines: where the receiver is looser, where stricter."""
    groups: dict[str, dict[str, list[str]]] = {"looser": {}, "stricter": {}}
    for t, fields in field_map.items():
        for f, cells in fields.items():
            for k, cell in cells.items():
                if cell.verdict != "matches":
                    groups[cell.verdict].setdefault(LABELS[k], []).append(f"{t}.{f}")
    if not any(groups.values()):
        return ["Field map: every field accepts and rejects as the contract says"]
    meaning = {"looser": "accepts what the contract forbids", "stricter": "rejects what it allows"}
    return [
        f"Field map, {verdict} ({meaning[verdict]}): "
        + "; ".join(f"{kind}: {', '.join(where)}" for kind, where in kinds.items())
        for verdict, kinds in groups.items()
        if kinds
    ]


def as_json(field_map: FieldMap) -> dict[str, dict[str, dict[str, dict[str, object]]]]:
    """The map as JSON-ready data: type → field → kind → accepted, rejected, answer, verdict."""
    return {
        t: {
            f: {
                k: {
                    "accepted": c.accepted,
                    "rejected": c.rejected,
                    "answer": c.answer,
                    "verdict": c.verdict,
                }
                for k, c in cells.items()
            }
            for f, cells in fields.items()
        }
        for t, fields in field_map.items()
    }
