"""The certificate's receiver profile: the field map (its centrepiece), the replay window and the
answer times.

The field map says, per type, what each field did with each kind of case and whether that is
what the contract says: a partner sees at a glance where their validation is looser (accepts
what the contract forbids) or stricter (rejects what it allows). Every text is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Final

from contract_tests import fieldmap, timing
from contract_tests.fieldmap import Cell
from contract_tests.result import Result

_WORDS: Final = {"matches": "as the contract says", "looser": "looser", "stricter": "stricter"}
_MARKS: Final = {"matches": "✓", "looser": "looser", "stricter": "stricter"}


def field_map_section(result: Result) -> str:
    """The field map as one table per type, with the differences from the contract first."""
    if not result.field_map:
        return ""
    differences = fieldmap.differences(result.field_map)
    if differences:
        lead = (
            f'<p class="fm-lead bad">{len(differences)} difference'
            f"{'s' if len(differences) != 1 else ''} from the contract: "
            + "; ".join(escape(d) for d in differences)
            + "</p>"
        )
    else:
        lead = '<p class="fm-lead ok">Every field accepts and rejects as the contract says.</p>'
    tables = "".join(_table(t, fields) for t, fields in result.field_map.items())
    return (
        '<section id="field-map"><h2>Field map: where your validation differs</h2>'
        '<p class="hint">Per type, what each field did with each kind of case: accepted (200) '
        "or rejected (4xx), and whether the contract agrees. Looser: accepts what the contract "
        "forbids. Stricter: rejects what it requires to be accepted.</p>"
        f"{lead}{tables}</section>"
    )


def _table(type_name: str, fields: dict[str, dict[str, Cell]]) -> str:
    kinds = [k for k in fieldmap.KINDS if any(k in cells for cells in fields.values())]
    head = "".join(f'<th scope="col">{escape(fieldmap.LABELS[k])}</th>' for k in kinds)
    rows = []
    for name, cells in fields.items():
        tds = []
        for kind in kinds:
            label = escape(fieldmap.LABELS[kind])
            cell = cells.get(kind)
            if cell is None:
                tds.append(f'<td class="none" data-label="{label}">—</td>')
                continue
            tds.append(
                f'<td class="{cell.verdict}" data-label="{label}" '
                f'title="{escape(_WORDS[cell.verdict])}">'
                f"<b>{escape(cell.answer)}</b><small>{escape(_MARKS[cell.verdict])}</small></td>"
            )
        rows.append(f'<tr><th scope="row">{escape(name)}</th>{"".join(tds)}</tr>')
    return (
        f'<table class="fmap" data-type="{escape(type_name)}">'
        f"<caption>{escape(type_name)}</caption>"
        f'<thead><tr><th scope="col">field</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def profile_section(result: Result) -> str:
    """The replay window and the answer times per type."""
    rows: list[tuple[str, str]] = []
    if result.replay_window is not None:
        rows.append(("replay window", result.replay_window))
    rows += [
        (f"answer times · {s.type}", line.split(s.type, 1)[1].strip())
        for s, line in zip(result.timing, timing.render(result.timing), strict=True)
    ]
    if not rows:
        return ""
    cells = "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in rows)
    return (
        f'<section id="profile"><h2>Replay window and answer times</h2><dl>{cells}</dl></section>'
    )
