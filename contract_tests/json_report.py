"""The machine-readable report of a run (`--report-json`): every failure, every count."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Final

from contract_tests.result import Result
from contract_tests.rules import BY_ID
from sms_hook import __version__

FORMAT: Final = 1
"""Bumped when a key changes meaning or goes away."""


def as_dict(result: Result) -> dict[str, Any]:
    """Return the report as JSON-ready data (the secret is never part of it)."""
    rules: dict[str, dict[str, dict[str, int]]] = {}
    for (rule, type_name), checked in sorted(result.checked.items()):
        rules.setdefault(rule, {})[type_name] = {
            "checked": checked,
            "failures": len(result.failures_in(rule, type_name)),
        }
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
        "rules": {
            rule: {"summary": BY_ID[rule].summary, "advisory": BY_ID[rule].advisory, "types": types}
            for rule, types in rules.items()
        },
        "failures": [dataclasses.asdict(f) for f in result.failures],
        "advisories": [dataclasses.asdict(a) for a in result.advisories],
    }


def write(result: Result, path: Path) -> None:
    """Write the report of a run to `path` as JSON."""
    path.write_text(
        json.dumps(as_dict(result), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
