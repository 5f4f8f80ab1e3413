"""The terminal report of a run: the verdict and its causes first, then the counts.

    verdict line, then each cause (most important first): what it is, how many failing
    requests it explains, the values involved, what to do, the smallest curl that reproduces it;
    then the table of rules by type (`ok N` or `FAIL f/N`, every request counted), advisories,
    and the verdict again. `--verbose` adds every failing request kept (all are in the JSON).

The report is returned as styled lines; the command line decides how to print them (colour on a
terminal, plain text in CI). The secret is never part of a result, so it cannot appear here;
values given with --header are masked in every reproduced curl.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from contract_tests import fieldmap, timing
from contract_tests.diagnosis import Cause, diagnose
from contract_tests.result import Failure, Result
from contract_tests.rules import FAILING
from sms_hook import contract as contract_module
from sms_hook.contract import Contract
from sms_hook.wire import mask as mask_url

Style = Literal["ok", "fail", "warn", "dim", "bold", "plain"]
CURL_SHOWN: Final = 4096
"""Longer curl commands (deep-nesting probes) are left to --report-json."""
VALUES_SHOWN: Final = 8
AGES: Final = (
    "The curls carry the timestamp each request was signed with; a receiver that checks "
    "timestamps refuses them once they are older than its tolerance: "
    "`sms-hook verify URL --rerun REPORT.json#CAUSE` sends them again, freshly signed."
)


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the report and how to style it."""

    text: str
    style: Style = "plain"


def summary(
    result: Result,
    *,
    details: int = 1,
    verbose: bool = False,
    contract: Contract | None = None,
) -> list[Line]:
    """Return the whole report: header, verdict, causes, table, advisories and verdict again.

    `details` 0 leaves the causes' repro out (the pytest gate shows them in its failing tests);
    `verbose` adds every failing request kept, in full.
    """
    contract = contract or contract_module.load()
    found = diagnose(result, contract)
    lines = [
        Line(f"sms-hook verify {mask_url(result.url)}", "bold"),
        Line(
            f"seed {result.seed} · {result.requests} requests · {result.seconds:.1f} s · "
            f"max-examples {result.max_examples} (per type and stream)",
            "dim",
        ),
    ]
    if result.rate_limited:
        lines.append(
            Line(
                f"rate limited: {result.rate_limited} answers 429 were waited out "
                "and the request sent again",
                "warn",
            )
        )
    if result.left_out:
        lines.insert(2, Line(f"note: {result.left_out}", "warn"))
    lines += [Line(""), verdict(result, found)]
    for number, cause in enumerate(found, 1):
        lines += cause_lines(number, cause, details=details)
    whole = len(found) == 1 and found[0].id in ("path", "redirect")
    if whole:
        lines += [Line(""), Line("Nothing else was judged: fix the URL and run again.", "warn")]
        return lines
    # A broken run keeps to one screen: the causes lead, so the table shows the failing rules,
    # and the advisories and the field map what stands out; --verbose shows them whole.
    compact = bool(found) and not verbose
    lines += [Line("")]
    lines += table(result, failing_only=compact)
    # Compact: the probes' own advisories (window, duplicates, framing, byte forms, timing)
    # only when notable; the others always (they say what was not assessed, too).
    shown = [a for a in result.advisories if a.notable or not compact or a.rule not in PROFILE]
    if shown:
        more = len(result.advisories) - len(shown)
        plural = "ies" if more > 1 else "y"
        hidden = f"; {more} more advisor{plural} with --verbose" if more else ""
        lines += [Line(""), Line(f"Advisories (never failures{hidden})", "bold")]
        for advisory in shown:
            mark = "!" if advisory.notable else "·"
            lines.append(
                Line(
                    f"  {mark} {advisory.rule}: {advisory.message}",
                    "warn" if advisory.notable else "plain",
                )
            )
    elif result.advisories:  # every one hidden: still say they are there
        count = len(result.advisories)
        plural = "ies" if count > 1 else "y"
        lines += [
            Line(""),
            Line(f"{count} advisor{plural}, none notable: --verbose shows them", "dim"),
        ]
    lines += _profile(result, compact=compact)
    if verbose and found:
        lines += [Line(""), Line("Every failing request kept, by cause", "bold"), Line(AGES, "dim")]
        for number, cause in enumerate(found, 1):
            lines += [Line(""), Line(f"{number}. {cause.title} ({cause.id})", "fail")]
            for failure in cause.failures:
                lines += failure_lines(failure)
    if found:
        lines += [Line(""), verdict(result, found)]
        if not verbose:
            lines.append(
                Line("--verbose shows every failing request; --report-json holds them all", "dim")
            )
    return lines


def cause_lines(number: int, cause: Cause, *, details: int = 1) -> list[Line]:
    """One cause: title, reach, values, notes, what to do and (with details) the repro."""
    plural = "s" if cause.requests != 1 else ""
    lines = [
        Line(""),
        Line(f"{number}. {cause.title}", "fail"),
        Line(
            f"   {cause.requests} failing request{plural} · {', '.join(cause.types)} · "
            f"{', '.join(cause.rules)} · id {cause.id}",
            "dim",
        ),
    ]
    label = cause.values_label
    if label is not None:
        shown = ", ".join(cause.values[:VALUES_SHOWN])
        more = len(cause.values) - VALUES_SHOWN
        lines.append(Line(f"   {label}: {shown}{f' and {more} more' if more > 0 else ''}"))
    lines += [Line(f"   {note}", "warn") for note in cause.notes]
    lines.append(Line(f"   fix: {cause.advice}"))
    if details > 0:
        lines.append(Line(f"   reproduce ({cause.example.title}):", "dim"))
        lines.append(Line(f"   {_curl(cause.example)}", "dim"))
    return lines


PROFILE: Final = frozenset(
    {
        "advisory-replay-window",
        "advisory-duplicates",
        "advisory-framing",
        "advisory-byte-forms",
        "advisory-timing",
    }
)
"""Advisories of the receiver's profile, left to --verbose in a broken run unless notable."""


def _profile(result: Result, *, compact: bool = False) -> list[Line]:
    """The receiver's profile: field map and answer times (facts, never failures).

    `compact`: the field map as its differences from the contract, the times as one line.
    """
    lines: list[Line] = []
    if result.field_map and not compact:
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
    elif result.field_map:
        lines += [Line("")]
        lines += [Line(text, "warn") for text in fieldmap.summary_lines(result.field_map)]
    if result.timing and not compact:
        lines += [Line(""), Line("Answer times", "bold")]
        lines += [Line(text) for text in timing.render(result.timing)]
    elif result.timing:
        lines.append(Line(timing.one_line(result.timing), "dim"))
    return lines


def table(result: Result, *, failing_only: bool = False) -> list[Line]:
    """Rules down, types across: `ok N` (N requests checked) or `FAIL f/N` (f of them failed).

    Rules nothing was checked under (strict replay mode not asked for) are left out;
    `failing_only` leaves out the rules that passed too, counted in one line.
    """
    columns = [t for t in result.columns if any(result.checked[(r, t)] for r in FAILING)]
    width = max(len(r) for r in FAILING) + 2
    cell = max(14, *(len(c) + 2 for c in columns))
    header = "rule".ljust(width) + "".join(c.ljust(cell) for c in columns)
    lines = [Line(header.rstrip(), "dim")]
    passed = 0
    for rule in FAILING:
        row = rule.ljust(width)
        broken = False
        for column in columns:
            checked = result.checked[(rule, column)]
            failed = result.failing(rule, column)
            if failed:
                broken = True
                text = f"FAIL {failed}/{max(checked, failed)}"
            elif checked:
                text = f"ok {checked}"
            else:
                text = "-"
            row += text.ljust(cell)
        if not any(result.checked[(rule, c)] for c in columns) and not broken:
            continue
        if failing_only and not broken:
            passed += 1
            continue
        lines.append(Line(row.rstrip(), "fail" if broken else "plain"))
    if passed:
        lines.append(Line(f"ok: {passed} more rules (--verbose shows the whole table)", "dim"))
    return lines


def failure_lines(failure: Failure) -> list[Line]:
    """One failing request in full: what was sent, expected, received, and its curl."""
    lines = [
        Line(f"  - {failure.title} [{failure.origin}, {failure.type}, {failure.rule}]"),
        Line(f"    expected: {failure.expected}"),
        Line(f"    got:      {failure.got}"),
    ]
    got = failure.got
    lines += [
        Line(f"    problem:  {p}", "fail")
        for p in failure.problems
        if not _restates(p, got, failure.status)
    ]
    lines.append(Line(f"    {_curl(failure)}", "dim"))
    return lines


def _restates(problem: str, got: str, status: int | None) -> bool:
    """True if a problem only repeats what `got:` says (the status, or the error itself)."""
    if problem in got:
        return True
    return status is not None and problem.startswith(f"status {status}")


def _curl(failure: Failure) -> str:
    if len(failure.curl) <= CURL_SHOWN:
        return failure.curl
    return (
        f"(a curl command of {len(failure.curl) // 1024} KiB; --report-json writes its body "
        "to a file beside the report)"
    )


def verdict(result: Result, found: list[Cause] | None = None) -> Line:
    """The verdict: conforms, or how many causes broke the contract (the first named)."""
    if result.stopped is not None and not result.failures:
        return Line(f"STOPPED: {result.stopped}", "fail")
    if result.conforms:
        return Line(f"CONFORMS: no failures in {result.requests} requests", "ok")
    causes = diagnose(result, contract_module.load()) if found is None else found
    failing = sum(c.requests for c in causes)
    of = f"{failing} failing request{'s' if failing > 1 else ''} of {result.requests}"
    if len(causes) == 1:
        text = f"BROKEN: {causes[0].title} ({of})"
    else:
        text = f"BROKEN: {len(causes)} causes ({of}): " + "; ".join(c.title for c in causes)
    if result.stopped is not None:
        text += f" (stopped early: {result.stopped})"
    return Line(text, "fail")
