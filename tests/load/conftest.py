"""Running `sms-hook load` as a user does: a real process, its exit code, output and reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

COMMAND = [sys.executable, "-c", "from sms_hook.cli import main; main()", "load"]
RUN_TIMEOUT = 90


@dataclass
class Run:
    """One finished `sms-hook load`: exit code, stdout, stderr and the JSON report."""

    code: int
    out: str
    err: str
    report: dict[str, Any]

    @property
    def breaks(self) -> dict[str, dict[str, Any]]:
        return {b["kind"]: b for b in self.report.get("breaks", [])}


def load(
    url: str, *args: str, tmp_path: Path, env: dict[str, str] | None = None, report: bool = True
) -> Run:
    """Run `sms-hook load URL ARGS` (with --report-json into tmp_path) and wait for it."""
    path = tmp_path / "load.json"
    extra = ["--report-json", str(path)] if report else []
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("SMS_HOOK_")}
    finished = subprocess.run(
        [*COMMAND, url, *args, *extra],
        env={**base_env, **(env or {})},
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    data = json.loads(path.read_text(encoding="utf-8")) if report and path.exists() else {}
    return Run(finished.returncode, finished.stdout, finished.stderr, data)


@pytest.fixture(autouse=True)
def _needs_locust() -> None:
    """The load extra is part of the test environment (tox installs it); say so if it is not."""
    import importlib.util

    if importlib.util.find_spec("locust") is None:
        if os.environ.get("CI"):
            pytest.fail("Locust is missing: tox's tests env installs the load extra")
        pytest.skip("Locust is not installed: pip install -e '.[load]'")
