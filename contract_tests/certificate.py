"""The certificate (`--report-html`): one self-contained HTML file a partner attaches to a
certification request.

    verdict and overall score · a score per notification type × rule category · the causes,
    each with what to do and the curl that reproduces it · advisories · provenance (sms-hook
    version, sha256 of the contract document, seed, receiver URL with credentials masked, date,
    requests, duration) and the command that runs the same check again.

No script, no network: the style sheet (`certificate.css`) is inlined, every text is escaped,
and the causes' other failing requests fold into `<details>`, which needs no JavaScript.
"""

from __future__ import annotations

import hashlib
import time
from html import escape
from importlib import resources
from pathlib import Path
from typing import Final

from contract_tests.diagnosis import Cause, diagnose
from contract_tests.report import verdict
from contract_tests.result import Failure, Result
from contract_tests.scores import Score, categories, overall, scores
from sms_hook import __version__
from sms_hook import contract as contract_module
from sms_hook.contract import Contract
from sms_hook.wire import mask as mask_url

FOLDED: Final = 20
"""Failing requests listed under a cause's <details>; the JSON report holds them all."""
CURL_SHOWN: Final = 4096


def contract_digest(path: Path | None = None) -> str:
    """The sha256 of the contract document the run was judged by (hex)."""
    source = path or contract_module.document_path()
    return hashlib.sha256(source.read_bytes()).hexdigest()


def render(result: Result, contract: Contract | None = None) -> str:
    """Return the certificate of a run as one HTML document."""
    contract = contract or contract_module.load()
    found = diagnose(result, contract)
    css = resources.files("contract_tests").joinpath("certificate.css").read_text("utf-8")
    state = (
        "stopped"
        if result.stopped and not result.failures
        else ("conforms" if result.conforms else "broken")
    )
    total = overall(result)
    url = mask_url(result.url)
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>sms-hook certificate · {escape(url)}</title>",
        f"<style>{css}</style></head>",
        f'<body class="{state}"><main>',
        _header(result, state, total, url, found),
        _scores(result),
        _causes(found),
        _advisories(result),
        _provenance(result, url),
        "</main></body></html>",
    ]
    return "\n".join(parts) + "\n"


def write(result: Result, path: Path, contract: Contract | None = None) -> None:
    """Write the certificate of a run to `path`."""
    path.write_text(render(result, contract), encoding="utf-8")


def _header(result: Result, state: str, total: Score, url: str, found: list[Cause]) -> str:
    word = {"conforms": "Conforms", "broken": "Broken", "stopped": "Stopped"}[state]
    percent = total.percent if total.percent is not None else 0
    tiles = [
        ("causes", str(len(found))),
        ("requests", str(result.requests)),
        ("duration", f"{result.seconds:.1f} s"),
        ("seed", str(result.seed)),
    ]
    return (
        '<header class="top">'
        '<p class="brand">sms-hook <span>conformance certificate</span></p>'
        f'<h1 id="verdict" data-state="{state}">{escape(word)}</h1>'
        f'<p class="url">{escape(url)}</p>'
        f'<p class="line">{escape(verdict(result, found).text)}</p>'
        f'<div class="score" style="--p:{percent}" id="overall" data-percent="{percent}">'
        f"<strong>{percent}<small>%</small></strong>"
        f"<span>{total.passed} of {total.checked} checks met</span></div>"
        '<dl class="tiles">'
        + "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in tiles)
        + "</dl></header>"
    )


def _scores(result: Result) -> str:
    table = scores(result)
    columns = categories()
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in columns)
    rows = []
    for type_name, row in table.items():
        cells = []
        for category in columns:
            score = row[category]
            if score.percent is None:
                cells.append(f'<td class="none" data-label="{escape(category)}">—</td>')
                continue
            grade = "full" if score.failed == 0 else "part"
            cells.append(
                f'<td class="{grade}" data-label="{escape(category)}">'
                f"<b>{score.percent}%</b><small>{score.passed}/{score.checked}</small></td>"
            )
        rows.append(f'<tr><th scope="row">{escape(type_name)}</th>{"".join(cells)}</tr>')
    return (
        '<section id="scores"><h2>Score by notification type and category</h2>'
        '<p class="hint">Share of requests answered as the contract requires, battery and '
        "generated cases alike; “any” holds the requests without a type.</p>"
        f'<table class="grid"><thead><tr><th scope="col">type</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _causes(found: list[Cause]) -> str:
    if not found:
        return (
            '<section id="causes"><h2>Causes</h2><p class="none">No failure: every request '
            "was answered as the contract requires.</p></section>"
        )
    items = [_cause(n, c) for n, c in enumerate(found, 1)]
    return f'<section id="causes"><h2>Causes, most important first</h2>{"".join(items)}</section>'


def _cause(number: int, cause: Cause) -> str:
    plural = "s" if cause.requests != 1 else ""
    facts = [
        f"{cause.requests} failing request{plural}",
        ", ".join(cause.types),
        ", ".join(cause.rules),
    ]
    values = ""
    if cause.values_label is not None:
        values = (
            f'<p class="values">{cause.values_label}: '
            + ", ".join(f"<code>{escape(v)}</code>" for v in cause.values[:12])
            + "</p>"
        )
    notes = "".join(f'<li class="note">{_note(n)}</li>' for n in cause.notes)
    others = [f for f in cause.failures if f is not cause.example][:FOLDED]
    folded = ""
    if others:
        listed = "".join(_request(f) for f in others)
        folded = (
            f"<details><summary>{len(others)} more failing request"
            f"{'s' if len(others) > 1 else ''} kept (all are in --report-json)</summary>"
            f"{listed}</details>"
        )
    return (
        f'<article class="cause" id="cause-{number}" data-cause="{escape(cause.id)}">'
        f'<h3><span class="n">{number}</span>{escape(cause.title)}</h3>'
        f'<p class="facts"><span class="badge">{escape(cause.category)}</span> '
        + " · ".join(escape(f) for f in facts)
        + f' · <code class="id">{escape(cause.id)}</code></p>'
        f"{values}"
        + (f'<ul class="notes">{notes}</ul>' if notes else "")
        + f'<p class="fix"><b>Fix:</b> {escape(cause.advice)}</p>'
        f'<p class="label">Reproduce — {escape(cause.example.title)}</p>'
        f"{_repro(cause.example)}{folded}</article>"
    )


def _note(note: str) -> str:
    """A note, with the message and signature it quotes set as code."""
    for prefix in ("we signed the message ", "with the signature "):
        if note.startswith(prefix):
            quoted = note[len(prefix) :]
            tail = ""
            if prefix.startswith("with"):
                quoted, _, rest = quoted.partition(" ")
                tail = f" {rest}"
            return f"{escape(prefix)}<code>{escape(quoted)}</code>{escape(tail)}"
    return escape(note)


def _request(failure: Failure) -> str:
    return (
        f'<div class="request"><p><b>{escape(failure.title)}</b> '
        f"<small>[{escape(failure.origin)}, {escape(failure.type)}]</small></p>"
        f"<p>expected: {escape(failure.expected)}</p><p>got: {escape(failure.got)}</p>"
        f"{_repro(failure)}</div>"
    )


def _repro(failure: Failure) -> str:
    if len(failure.curl) > CURL_SHOWN:
        text = f"(a curl command of {len(failure.curl) // 1024} KiB: see --report-json)"
    else:
        text = failure.curl
    return f'<pre class="curl">{escape(text)}</pre>'


def _advisories(result: Result) -> str:
    if not result.advisories:
        return ""
    items = "".join(
        f'<li class="{"notable" if a.notable else "plain"}"><b>{escape(a.rule)}</b> '
        f"{escape(a.message)}</li>"
        for a in result.advisories
    )
    return (
        '<section id="advisories"><h2>Advisories</h2>'
        '<p class="hint">They describe the receiver and never fail it.</p>'
        f"<ul>{items}</ul></section>"
    )


def _provenance(result: Result, url: str) -> str:
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(result.started or time.time()))
    rows = [
        ("sms-hook", __version__),
        ("contract sha256", contract_digest()),
        ("receiver", url),
        ("date", started),
        ("seed", str(result.seed)),
        ("max examples", f"{result.max_examples} per type and stream"),
        ("requests sent", str(result.requests)),
        ("duration", f"{result.seconds:.1f} s"),
        (
            "run it again",
            f"sms-hook verify {url} --seed {result.seed} --max-examples {result.max_examples}",
        ),
    ]
    cells = "".join(
        f"<div><dt>{escape(k)}</dt><dd><code>{escape(v)}</code></dd></div>" for k, v in rows
    )
    return f'<section id="provenance"><h2>Provenance</h2><dl>{cells}</dl></section>'
