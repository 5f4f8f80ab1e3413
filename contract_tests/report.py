"""The terminal summary of a run: a table of rules by type, the failures, advisories, a verdict.

The report is returned as styled lines; the command line decides how to print them (colour on a
terminal, plain text in CI). The secret is never part of a result, so it cannot appear here;
values given with --header are masked in every reproduced curl.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Final, Literal

from contract_tests import fieldmap, timing
from contract_tests.result import Failure, Result
from contract_tests.rules import BY_ID, FAILING

Style = Literal["ok", "fail", "warn", "dim", "bold", "plain"]
CURL_SHOWN: Final = 4096
"""Longer curl commands (deep-nesting probes) are left to --report-json."""
DETAILS_PER_CELL: Final = 2
"""Failures shown in full for each rule × type; the rest are counted (all are in --report-json)."""


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the report and how to style it."""

    text: str
    style: Style = "plain"


def summary(result: Result, *, details: int = DETAILS_PER_CELL) -> list[Line]:
    """Return the whole report: header, table, failures, advisories, hints and verdict.

    `details` failures are shown in full for each failing rule × type; 0 leaves the failures
    out (the pytest gate shows them in its failing tests).
    """
    lines = [
        Line(f"sms-hook verify {result.url}", "bold"),
        Line(
            f"seed {result.seed} · {result.requests} requests · {result.seconds:.1f} s · "
            f"max-examples {result.max_examples} (per type and stream)",
            "dim",
        ),
        Line(""),
    ]
    if result.rate_limited:
        lines.insert(
            2,
            Line(
                f"rate limited: {result.rate_limited} answers 429 were waited out "
                "and the request sent again",
                "warn",
            ),
        )
    lines += table(result)
    if result.failures and details > 0:
        lines += [Line(""), Line("Failures", "bold")]
        lines += failures(result, details=details)
    if result.advisories:
        lines += [Line(""), Line("Advisories (never failures)", "bold")]
        for advisory in result.advisories:
            mark = "!" if advisory.notable else "·"
            lines.append(
                Line(
                    f"  {mark} {advisory.rule}: {advisory.message}",
                    "warn" if advisory.notable else "plain",
                )
            )
    lines += _profile(result)
    for hint in hints(result):
        lines += [Line(""), Line(f"hint: {hint}", "warn")]
    lines += [Line(""), verdict(result)]
    return lines


def _profile(result: Result) -> list[Line]:
    """The receiver's profile: field map and answer times (facts, never failures)."""
    lines: list[Line] = []
    if result.field_map:
        lines += [
            Line(""),
            Line(
                "Field map (acc/rej: accepted/rejected · ✓ as the contract says · "
                "L looser · S stricter)",
                "bold",
            ),
        ]
        lines += [
            Line(text, "warn" if " L" in text or " S" in text else "plain")
            for text in fieldmap.render(result.field_map)
        ]
    if result.timing:
        lines += [Line(""), Line("Answer times", "bold")]
        lines += [Line(text) for text in timing.render(result.timing)]
    return lines


def table(result: Result) -> list[Line]:
    """Rules down, types across: `ok N` (N requests checked) or `FAIL f/N`."""
    columns = [t for t in result.columns if any(result.checked[(r, t)] for r in FAILING)]
    width = max(len(r) for r in FAILING) + 2
    cell = max(14, *(len(c) + 2 for c in columns))
    header = "rule".ljust(width) + "".join(c.ljust(cell) for c in columns)
    lines = [Line(header.rstrip(), "dim")]
    for rule in FAILING:
        row = rule.ljust(width)
        broken = False
        for column in columns:
            checked = result.checked[(rule, column)]
            failed = len(result.failures_in(rule, column))
            if failed:
                broken = True
                text = f"FAIL {failed}/{max(checked, failed)}"
            elif checked:
                text = f"ok {checked}"
            else:
                text = "-"
            row += text.ljust(cell)
        lines.append(Line(row.rstrip(), "fail" if broken else "plain"))
    return lines


def failures(result: Result, *, details: int) -> list[Line]:
    """Each failing rule × type: the first few failures in full, then how many more."""
    lines: list[Line] = []
    for rule, column in result.cells():
        found = result.failures_in(rule, column)
        if not found:
            continue
        lines.append(Line(""))
        lines.append(
            Line(
                f"✗ {rule} · {column}: {len(found)} failing request"
                f"{'s' if len(found) > 1 else ''} — {BY_ID[rule].summary}",
                "fail",
            )
        )
        for failure in found[:details]:
            lines += failure_lines(failure)
        if len(found) > details:
            lines.append(
                Line(
                    f"  … and {len(found) - details} more under {rule} · {column} "
                    "(all are in --report-json)",
                    "dim",
                )
            )
    return lines


def failure_lines(failure: Failure) -> list[Line]:
    """One failure in full: what was sent, expected, received, and how to reproduce it."""
    aged = (
        f"signed with timestamp {failure.timestamp}, which ages: a receiver with replay "
        "protection rejects it once it is older than its tolerance"
        if failure.timestamp
        else "no timestamp header"
    )
    return [
        Line(f"  - {failure.title} [{failure.origin}]"),
        Line(f"    expected: {failure.expected}"),
        Line(f"    got:      {failure.got}"),
        *(Line(f"    problem:  {p}", "fail") for p in failure.problems),
        Line(f"    reproduce ({aged}):", "dim"),
        Line(
            f"      {failure.curl}"
            if len(failure.curl) <= CURL_SHOWN
            else (
                f"      (a curl command of {len(failure.curl) // 1024} KiB; "
                "--report-json holds it in full)"
            ),
            "dim",
        ),
    ]


def hints(result: Result) -> list[str]:
    """Likely causes when every valid notification failed the same way."""
    valid = [f for f in result.failures if f.rule == "accept-valid" and f.origin == "battery"]
    checked = sum(result.checked[("accept-valid", t)] for t in result.types)
    if not valid or len(valid) < checked:
        return []
    statuses = Counter(f.status for f in valid)
    status, _ = statuses.most_common(1)[0]
    if len(statuses) != 1 or status is None:
        return []
    if status in (401, 403):
        return [
            f"every valid notification got {status}: is the secret (--secret or "
            "SMS_HOOK_SECRET) the receiver's, is its clock right (timestamps are checked "
            "against it), and does a gateway need --header?"
        ]
    if status in (404, 405):
        return [f"every valid notification got {status}: is the URL's path the receiver's?"]
    if 300 <= status < 400:
        return [
            f"every valid notification got a redirect ({status}): give the final URL "
            "(verify does not follow redirects, as the platform may not)"
        ]
    return []


def verdict(result: Result) -> Line:
    """The last line: conforms, or which rules are broken."""
    if result.stopped is not None and not result.failures:
        return Line(f"STOPPED: {result.stopped}", "fail")
    if result.conforms:
        return Line(f"CONFORMS: no failures in {result.requests} requests", "ok")
    broken = result.broken_rules()
    text = (
        f"BROKEN: {len(result.failures)} failure{'s' if len(result.failures) > 1 else ''} "
        f"under {len(broken)} rule{'s' if len(broken) > 1 else ''}: {', '.join(broken)}"
    )
    if result.stopped is not None:
        text += f" (stopped early: {result.stopped})"
    return Line(text, "fail")
