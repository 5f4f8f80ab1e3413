"""The HTML report of a run: one self-contained page, readable without JavaScript or network.

Inline CSS, inline SVG charts (answers per second, split into successes and breaks, against the
target rate; p99 latency per second), the breaks by kind with examples, and the per-second series
as a table. Everything shown comes from the JSON report (`summary.summarise`), escaped.

Hooks for tests: `body[data-verdict]`, `#verdict`, `#rate-target`, `#rate-achieved`,
`#latency-p50|p95|p99|max`, `tr.break[data-kind]`, `svg#answers rect[data-t]`,
`svg#latency`, `#series tbody tr[data-t]`.
"""

from __future__ import annotations

from html import escape
from typing import Any, Final

_CSS: Final = """
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;
background:#f5f6f8}
main{max-width:1100px;margin:0 auto;padding:16px}
h1{font-size:1.35rem;margin:0 0 4px}h2{font-size:1.1rem;margin:24px 0 8px}
.meta{color:#4a5162;margin:0;overflow-wrap:anywhere}
.verdict{display:inline-block;padding:2px 10px;border-radius:4px;font-weight:700;color:#fff}
.pass{background:#1c7c3c}.fail{background:#b3261e}
ul.reasons{margin:8px 0;padding-left:20px}ul.reasons li{overflow-wrap:anywhere}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:8px}
.card{background:#fff;border:1px solid #d9dce3;border-radius:6px;padding:8px 12px}
.card .label{color:#4a5162;font-size:.8rem;text-transform:uppercase;letter-spacing:.03em}
.card .value{font-size:1.3rem;font-weight:600;font-variant-numeric:tabular-nums}
.card .value.bad{color:#b3261e}
figure{margin:0;background:#fff;border:1px solid #d9dce3;border-radius:6px;padding:8px}
figcaption{color:#4a5162;font-size:.85rem;margin-bottom:4px}
svg{display:block;width:100%;height:auto}
svg.narrow{display:none}
@media (max-width:640px){svg.wide{display:none}svg.narrow{display:block}}
.legend span{display:inline-block;margin-right:12px;font-size:.85rem}
.swatch{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
.table-wrap{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.9rem}
th,td{border:1px solid #d9dce3;padding:4px 8px;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.kind{white-space:nowrap}
td.detail{overflow-wrap:anywhere;word-break:break-word}
code{font-size:.85em;overflow-wrap:anywhere}
details summary{cursor:pointer;margin:8px 0}
@media (max-width:600px){main{padding:10px}th,td{padding:3px 5px}table{font-size:.8rem}}
"""
_OK_COLOUR: Final = "#2f8f4e"
_BREAK_COLOUR: Final = "#c62828"
_TARGET_COLOUR: Final = "#1f4fa3"
_W: Final = 1000
_NARROW_W: Final = 420
"""Phones get their own drawing of each chart, so its labels stay legible (CSS picks one)."""
_H: Final = 260
_PAD_L: Final = 64
_PAD_B: Final = 28
_PAD_T: Final = 10


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def _cards(report: dict[str, Any]) -> str:
    rate, lat, req = report["rate"], report["latency_ms"], report["requests"]
    breaks = req["answered"] - req["ok"]
    expect = lat["expect_p99"]
    over = expect is not None and lat["p99"] > expect
    items = [
        ("rate-target", "target rate", f"{_num(rate['target'])}/s", False),
        ("rate-achieved", "achieved rate", f"{_num(rate['achieved'])}/s", False),
        ("answered", "answered", f"{req['answered']:,}", False),
        ("breaks-total", "breaks", f"{breaks:,}", breaks > 0),
        ("latency-p50", "p50", f"{lat['p50']:g} ms", False),
        ("latency-p95", "p95", f"{lat['p95']:g} ms", False),
        (
            "latency-p99",
            "p99" + (f" (limit {expect:g} ms)" if expect is not None else ""),
            f"{lat['p99']:g} ms",
            over,
        ),
        ("latency-max", "max", f"{lat['max']:g} ms", False),
    ]
    return "".join(
        f'<div class="card"><div class="label">{escape(label)}</div>'
        f'<div class="value{" bad" if bad else ""}" id="{key}">{escape(value)}</div></div>'
        for key, label, value, bad in items
    )


def _axis(top: float, unit: str, w: int) -> str:
    parts = []
    for i in range(5):
        value = top * i / 4
        y = _PAD_T + (_H - _PAD_T - _PAD_B) * (1 - i / 4)
        parts.append(
            f'<line x1="{_PAD_L}" y1="{y:.1f}" x2="{w}" y2="{y:.1f}" stroke="#e3e5ea"/>'
            f'<text x="{_PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="13" '
            f'fill="#4a5162">{escape(_num(value))}{unit}</text>'
        )
    return "".join(parts)


def _x_labels(count: int, w: int) -> str:
    step = max(1, round(count / (10 if w == _W else 4)))
    width = (w - _PAD_L) / max(count, 1)
    return "".join(
        f'<text x="{_PAD_L + width * (t + 0.5):.1f}" y="{_H - 8}" text-anchor="middle" '
        f'font-size="13" fill="#4a5162">{t}s</text>'
        for t in range(0, count, step)
    )


def _svg_id(name: str, w: int) -> str:
    return f'id="{name}" class="wide"' if w == _W else f'id="{name}-narrow" class="narrow"'


def _answers_chart(report: dict[str, Any], w: int) -> str:
    series = report["series"]
    target = float(report["rate"]["target"])
    top = max([target * 1.1, *(s["answered"] for s in series), 1.0])
    plot_h = _H - _PAD_T - _PAD_B
    width = (w - _PAD_L) / max(len(series), 1)
    bars = []
    for s in series:
        x = _PAD_L + width * s["t"]
        broken = s["answered"] - s["ok"]
        ok_h = plot_h * s["ok"] / top
        break_h = plot_h * broken / top
        base = _PAD_T + plot_h
        kinds = ", ".join(f"{k} {n}" for k, n in s["breaks"].items())
        title = f"{s['t']} s: {s['ok']} ok, {broken} breaks" + (f" ({kinds})" if kinds else "")
        bars.append(
            f'<rect data-t="{s["t"]}" data-ok="{s["ok"]}" data-breaks="{broken}" '
            f'x="{x + width * 0.1:.1f}" y="{base - ok_h:.1f}" width="{width * 0.8:.1f}" '
            f'height="{ok_h:.1f}" fill="{_OK_COLOUR}"><title>{escape(title)}</title></rect>'
        )
        if broken:
            bars.append(
                f'<rect class="break" data-t="{s["t"]}" x="{x + width * 0.1:.1f}" '
                f'y="{base - ok_h - break_h:.1f}" width="{width * 0.8:.1f}" '
                f'height="{break_h:.1f}" fill="{_BREAK_COLOUR}">'
                f"<title>{escape(title)}</title></rect>"
            )
    target_y = _PAD_T + plot_h * (1 - target / top)
    return (
        f'<svg {_svg_id("answers", w)} viewBox="0 0 {w} {_H}" role="img" '
        f'aria-label="answers per second: successes and breaks against the target rate">'
        f"{_axis(top, '/s', w)}{''.join(bars)}"
        f'<line x1="{_PAD_L}" y1="{target_y:.1f}" x2="{w}" y2="{target_y:.1f}" '
        f'stroke="{_TARGET_COLOUR}" stroke-width="2" stroke-dasharray="8 5"/>'
        f"{_x_labels(len(series), w)}</svg>"
    )


def _latency_chart(report: dict[str, Any], w: int) -> str:
    series = report["series"]
    expect = report["latency_ms"]["expect_p99"]
    top = max([*(s["p99_ms"] for s in series), float(expect or 0) * 1.1, 1.0]) * 1.05
    plot_h = _H - _PAD_T - _PAD_B
    width = (w - _PAD_L) / max(len(series), 1)
    points = " ".join(
        f"{_PAD_L + width * (s['t'] + 0.5):.1f},{_PAD_T + plot_h * (1 - s['p99_ms'] / top):.1f}"
        for s in series
        if s["answered"]
    )
    limit = ""
    if expect is not None:
        y = _PAD_T + plot_h * (1 - expect / top)
        limit = (
            f'<line x1="{_PAD_L}" y1="{y:.1f}" x2="{w}" y2="{y:.1f}" stroke="{_BREAK_COLOUR}" '
            f'stroke-width="2" stroke-dasharray="8 5"/>'
        )
    return (
        f'<svg {_svg_id("latency", w)} viewBox="0 0 {w} {_H}" role="img" '
        'aria-label="p99 latency per second">'
        f"{_axis(top, ' ms', w)}{limit}"
        f'<polyline points="{points}" fill="none" stroke="{_TARGET_COLOUR}" stroke-width="2.5"/>'
        f"{_x_labels(len(series), w)}</svg>"
    )


def _breaks(report: dict[str, Any]) -> str:
    if not report["breaks"]:
        return (
            '<p id="no-breaks">No breaks: every notification was answered 200 '
            "with a JSON message.</p>"
        )
    rows = []
    for item in report["breaks"]:
        examples = "".join(
            f"<li>{escape(e['type'])} <code>{escape(str(e['key']))}</code> at {e['at']:.2f} s"
            f" ({e['latency_ms']:g} ms): {escape(str(e['detail']))}</li>"
            for e in item["examples"]
        )
        rows.append(
            f'<tr class="break" data-kind="{escape(item["kind"])}">'
            f'<td class="kind">{escape(item["kind"])}</td>'
            f'<td class="num">{item["count"]:,}</td><td class="num">{item["first_at_s"]} s</td>'
            f'<td class="detail"><ul class="reasons">{examples}</ul></td></tr>'
        )
    return (
        '<div class="table-wrap"><table id="breaks"><thead><tr><th>kind</th>'
        '<th class="num">count</th><th class="num">first</th><th>examples</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _series_table(report: dict[str, Any]) -> str:
    rows = "".join(
        f'<tr data-t="{s["t"]}"><td class="num">{s["t"]}</td><td class="num">{s["answered"]:,}</td>'
        f'<td class="num">{s["ok"]:,}</td><td class="detail">'
        f"{escape(', '.join(f'{k} {n}' for k, n in s['breaks'].items()) or '—')}</td>"
        f'<td class="num">{s["p99_ms"]:g}</td></tr>'
        for s in report["series"]
    )
    return (
        '<details><summary>Per-second series (table)</summary><div class="table-wrap">'
        '<table id="series"><thead><tr><th class="num">s</th><th class="num">answered</th>'
        '<th class="num">200</th><th>breaks</th><th class="num">p99 ms</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div></details>"
    )


def render(report: dict[str, Any]) -> str:
    """Return the whole HTML page for a report."""
    verdict = report["verdict"]
    lines = [*report["reasons"], *report["notes"]]
    reasons = "".join(f"<li>{escape(line)}</li>" for line in lines)
    legend = (
        f'<div class="legend"><span><i class="swatch" style="background:{_OK_COLOUR}"></i>'
        f'200 {{"message"}}</span><span><i class="swatch" style="background:{_BREAK_COLOUR}">'
        f'</i>breaks</span><span><i class="swatch" style="background:{_TARGET_COLOUR}"></i>'
        "target rate (dashed)</span></div>"
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>sms-hook load: {escape(verdict)} — {escape(report["url"])}</title>
<style>{_CSS}</style></head>
<body data-verdict="{escape(verdict)}"><main>
<h1>sms-hook load <span id="verdict" class="verdict {escape(verdict)}">{escape(verdict.upper())}
</span></h1>
<p class="meta" id="target">{escape(report["url"])}</p>
<p class="meta">{escape(", ".join(report["types"]))} · {report["duration_s"]:g} s ·
{report["senders"]} senders in {report["processes"]}
process{"es" if report["processes"] > 1 else ""}
· budget {report["requests"]["budget"]:,} requests</p>
{f'<ul class="reasons" id="reasons">{reasons}</ul>' if reasons else ""}
<h2>Rate and latency</h2>
<div class="cards">{_cards(report)}</div>
<h2>Answers per second</h2>
<figure><figcaption>Each bar is one second of the run (by when requests were sent).</figcaption>
{legend}{_answers_chart(report, _W)}{_answers_chart(report, _NARROW_W)}</figure>
<h2>p99 latency per second</h2>
<figure><figcaption>99th percentile answer time of the requests sent in each second{
        " (dashed: --expect-p99)" if report["latency_ms"]["expect_p99"] is not None else ""
    }.</figcaption>
{_latency_chart(report, _W)}{_latency_chart(report, _NARROW_W)}</figure>
<h2>Breaks by kind</h2>
{_breaks(report)}
{_series_table(report)}
</main></body></html>
"""
