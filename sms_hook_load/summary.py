"""The verdict and the figures of a finished run: the JSON report, and its text form.

A run passes when every notification was answered 200 `{"message": …}` and, with
`--expect-p99`, the 99th percentile latency is within it. Missing the target rate is reported,
not failed: the sender itself may be the limit (Locust warns when its CPU is saturated).
"""

from __future__ import annotations

from typing import Any, Final

from sms_hook_load.settings import LoadSettings
from sms_hook_load.tally import Tally, percentile

SCHEMA: Final = "sms-hook-load/1"
RATE_SHORTFALL: Final = 0.95
"""Below this fraction of the target rate the report says the target was missed."""


def per_second(rate: float) -> str:
    """A rate as people read it: 5,000/s, 12.5/s, 0.15/s."""
    return f"{rate:,.0f}/s" if rate >= 100 else f"{rate:.3g}/s"


def summarise(
    settings: LoadSettings, tally: Tally, elapsed: float, notes: list[str]
) -> dict[str, Any]:
    """Return the report of a run as JSON-able data."""
    latency = tally.latency()
    breaks = tally.breaks()
    answered = tally.answered
    achieved = answered / elapsed if elapsed > 0 else 0.0
    p99 = percentile(latency, 0.99)
    reasons: list[str] = []
    if not answered:
        reasons.append("no notification was answered")
    if breaks:
        total = sum(breaks.values())
        kinds = ", ".join(f"{kind} ×{n:,}" for kind, n in breaks.most_common())
        reasons.append(f"{total:,} of {answered:,} answers broke the contract ({kinds})")
    if settings.expect_p99_ms is not None and p99 > settings.expect_p99_ms:
        reasons.append(
            f"p99 latency {p99:g} ms is above --expect-p99 {settings.expect_p99_ms:g} ms"
        )
    if achieved < settings.rate * RATE_SHORTFALL and answered:
        notes.append(
            f"achieved {per_second(achieved)}, {achieved / settings.rate:.0%} of the target "
            f"{per_second(settings.rate)}: the receiver answered too slowly for "
            f"{settings.user_count} senders (add --users), or the sending machine was the "
            "limit (add --workers)"
        )
    last = max(tally.seconds, default=-1)
    series: list[dict[str, Any]] = []
    for second in range(last + 1):
        row = tally.seconds.get(second)
        if row is None:
            series.append({"t": second, "answered": 0, "ok": 0, "breaks": {}, "p99_ms": 0.0})
            continue
        series.append(
            {
                "t": second,
                "answered": row.answered,
                "ok": row.ok,
                "breaks": dict(row.breaks),
                "p99_ms": percentile(row.latency, 0.99),
            }
        )
    first_break = {kind: min(s["t"] for s in series if s["breaks"].get(kind)) for kind in breaks}
    return {
        "schema": SCHEMA,
        "verdict": "fail" if reasons else "pass",
        "reasons": reasons,
        "notes": notes,
        "url": settings.shown_url or settings.url,
        "types": list(settings.types),
        "senders": settings.user_count,
        "processes": settings.processes,
        "duration_s": round(elapsed, 3),
        "rate": {"target": settings.rate, "achieved": round(achieved, 1)},
        "requests": {"answered": answered, "ok": tally.ok, "budget": settings.budget},
        "by_type": dict(tally.by_type),
        "sender_cpu_seconds": round(tally.cpu_seconds, 3),
        "latency_ms": {
            "p50": percentile(latency, 0.50),
            "p95": percentile(latency, 0.95),
            "p99": p99,
            "max": max(latency, default=0.0),
            "expect_p99": settings.expect_p99_ms,
        },
        "breaks": [
            {
                "kind": kind,
                "count": n,
                "first_at_s": first_break[kind],
                "examples": sorted(tally.examples.get(kind, []), key=lambda e: float(e["at"])),
            }
            for kind, n in breaks.most_common()
        ],
        "series": series,
    }


def text(report: dict[str, Any]) -> list[str]:
    """The report as the lines `sms-hook load` prints at the end of a run."""
    rate, lat, req = report["rate"], report["latency_ms"], report["requests"]
    lines = [
        f"sms-hook load: {report['url']}  {', '.join(report['types'])}",
        f"  {req['answered']:,} notifications in {report['duration_s']:g} s from "
        f"{report['senders']} sender{'s' if report['senders'] != 1 else ''} "
        f"in {report['processes']} process"
        f"{'es' if report['processes'] > 1 else ''}; {req['ok']:,} answered 200",
        f"  rate     target {per_second(rate['target'])}, achieved {per_second(rate['achieved'])}",
        f"  latency  p50 {lat['p50']:g} ms  p95 {lat['p95']:g} ms  p99 {lat['p99']:g} ms  "
        f"max {lat['max']:g} ms",
    ]
    for item in report["breaks"]:
        lines.append(
            f"  break    {item['kind']}: {item['count']:,} (first at {item['first_at_s']} s)"
        )
        for example in item["examples"][:1]:
            lines.append(
                f"           e.g. {example['type']} {example['key']} at {example['at']:g} s: "
                f"{example['detail']}"
            )
    lines += [f"  note     {note}" for note in report["notes"]]
    if report["verdict"] == "pass":
        lines.append(
            'ok: every notification was answered 200 {"message": …}'
            + (f", p99 within {lat['expect_p99']:g} ms" if lat["expect_p99"] is not None else "")
        )
    else:
        lines.append("contract broken under load: " + "; ".join(report["reasons"]))
    return lines
