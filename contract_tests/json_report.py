"""The machine-readable report of a run (`--report-json`): causes, scores, every failure, counts.

Each failure carries the exact request: its headers in order (an empty value stays empty, an
absent header is absent) and its body, as text when it is UTF-8 and always in base64. A body
that cannot be pasted on a command line is also written to a file beside the report
(`REPORT.bodies/N.bin`), and the failure's curl reads it from there.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, Final

from contract_tests import fieldmap
from contract_tests.diagnosis import Cause, diagnose
from contract_tests.result import Failure, Result
from contract_tests.rules import BY_ID
from contract_tests.scores import categories, overall, scores
from sms_hook import __version__, repro
from sms_hook import contract as contract_module
from sms_hook.contract import Contract

FORMAT: Final = 2
"""Bumped when a key changes meaning or goes away (2: causes, scores, exact requests; rule
counts of failures count every failing request)."""


def bodies_dir(path: Path) -> Path:
    """Where the bodies of a report at `path` are written."""
    return path.with_name(path.name.removesuffix(".json") + ".bodies")


def as_dict(
    result: Result, *, contract: Contract | None = None, bodies: Path | None = None
) -> dict[str, Any]:
    """Return the report as JSON-ready data (the secret is never part of it).

    With `bodies` (a directory), bodies that are not `repro.inline` are written there and the
    curls read them from it.
    """
    contract = contract or contract_module.load()
    found = diagnose(result, contract)
    index = {id(f): n for n, f in enumerate(result.failures)}
    rules: dict[str, dict[str, dict[str, int]]] = {}
    for (rule, type_name), checked in sorted(result.checked.items()):
        rules.setdefault(rule, {})[type_name] = {
            "checked": checked,
            "failures": result.failing(rule, type_name),
        }
    total = overall(result)
    return {
        "format": FORMAT,
        "tool": f"sms-hook {__version__}",
        "url": result.url,
        "seed": result.seed,
        "max_examples": result.max_examples,
        "started": result.started,
        "seconds": round(result.seconds, 3),
        "requests": result.requests,
        "rate_limited": result.rate_limited,
        "conforms": result.conforms,
        "stopped": result.stopped,
        "left_out": result.left_out,
        "broken_rules": result.broken_rules(),
        "causes": [_cause(n, c, index) for n, c in enumerate(found, 1)],
        "scores": {
            "categories": list(categories()),
            "overall": {"checked": total.checked, "failed": total.failed, "percent": total.percent},
            "types": {
                t: {
                    c: {"checked": s.checked, "failed": s.failed, "percent": s.percent}
                    for c, s in row.items()
                }
                for t, row in scores(result).items()
            },
        },
        "rules": {
            rule: {
                "summary": BY_ID[rule].summary,
                "category": BY_ID[rule].category,
                "advisory": BY_ID[rule].advisory,
                "types": types,
            }
            for rule, types in rules.items()
        },
        "failures": [_failure(n, f, result.url, bodies) for n, f in enumerate(result.failures)],
        "advisories": [
            {"rule": a.rule, "message": a.message, "notable": a.notable} for a in result.advisories
        ],
        "profile": {
            "replay_window": result.replay_window,
            "timing": {
                s.type: {"answers": s.count, "p50": s.p50, "p95": s.p95, "max": s.max}
                for s in result.timing
            },
            "field_map": fieldmap.as_json(result.field_map),
        },
    }


def _cause(number: int, cause: Cause, index: dict[int, int]) -> dict[str, Any]:
    return {
        "number": number,
        "id": cause.id,
        "title": cause.title,
        "advice": cause.advice,
        "category": cause.category,
        "requests": cause.requests,
        "rules": list(cause.rules),
        "types": list(cause.types),
        "values": list(cause.values),
        "notes": list(cause.notes),
        "example": index[id(cause.example)],
        "failures": [index[id(f)] for f in cause.failures],
    }


def _failure(number: int, failure: Failure, url: str, bodies: Path | None) -> dict[str, Any]:
    try:
        text: str | None = failure.body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    body_file: Path | None = None
    if bodies is not None and not repro.inline(failure.body):
        try:
            bodies.mkdir(parents=True, exist_ok=True)
            (bodies / f"{number}.bin").write_bytes(failure.body)
            body_file = bodies / f"{number}.bin"
        except OSError:  # no file beside the report: the curl pipes the body from printf
            body_file = None
    return {
        "rule": failure.rule,
        "type": failure.type,
        "title": failure.title,
        "origin": failure.origin,
        "cause": failure.cause,
        "value": failure.value,
        "expect": failure.expect,
        "expected": failure.expected,
        "got": failure.got,
        "problems": list(failure.problems),
        "status": failure.status,
        "timestamp": failure.timestamp,
        "headers": [[name, value] for name, value in failure.headers],
        "body": text,
        "body_base64": base64.b64encode(failure.body).decode("ascii"),
        "body_file": None if body_file is None else str(body_file),
        "answer_headers": [[name, value] for name, value in failure.answer_headers],
        "curl": repro.curl(url, failure.headers, failure.body, body_file=body_file)
        if failure.headers
        else failure.curl,
    }


def write(result: Result, path: Path, *, contract: Contract | None = None) -> None:
    """Write the report of a run to `path` as JSON, and its awkward bodies beside it."""
    data = as_dict(result, contract=contract, bodies=bodies_dir(path))
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
