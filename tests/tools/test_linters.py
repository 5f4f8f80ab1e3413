"""Spectral (`spectral:oas`) and Redocly (`recommended`) find no error in the document, and every
warning kept is one that spectral.yaml and the document's description explain."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from sms_hook.contract import document_path
from tests.tools.conftest import NODE_DIR, node_bin, node_env

HERE = Path(__file__).resolve().parent
EXPLAINED_WARNINGS = {"info-contact"}
"""Each one has its reason in spectral.yaml and in the document's description."""


def _lint(*command: str) -> Any:
    done = subprocess.run(
        list(command),
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        env=node_env(),
        check=False,
    )
    assert done.stdout.strip(), done.stderr
    return json.loads(done.stdout)


def test_spectral_oas_finds_no_error_and_only_the_explained_warning() -> None:
    ruleset = HERE / "spectral.yaml"
    results = _lint(
        str(node_bin("spectral")), "lint", "-r", str(ruleset), "-f", "json", str(document_path())
    )
    errors = [r for r in results if r["severity"] == 0]
    assert not errors, errors
    warnings = {r["code"] for r in results if r["severity"] == 1}
    assert warnings == EXPLAINED_WARNINGS, results
    explained = ruleset.read_text("utf-8")
    assert all(code in explained for code in warnings)
    assert all(code in document_path().read_text("utf-8") for code in warnings)


def test_redocly_recommended_finds_no_error_and_no_warning() -> None:
    report = _lint(
        str(node_bin("redocly")),
        "lint",
        "--config",
        str(HERE / "redocly.yaml"),
        "--format",
        "json",
        str(document_path()),
    )
    assert report["totals"]["errors"] == 0, report["problems"]
    assert report["totals"]["warnings"] == 0, report["problems"]
