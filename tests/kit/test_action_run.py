"""action.yml's verify step, run as the runner would run it, against real receivers.

The step's `env:` is evaluated from the inputs (their defaults, overridden as a workflow's
`with:` would), `$RUNNER_TEMP/sms-hook-venv` is the sms-hook under test (the install step is a
plain `pip install`, proved by the Dockerfile test), and `$GITHUB_OUTPUT` is read back.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest
import yaml

from tests.kit import toolchains
from tests.kit.cli_tree import problems
from tests.kit.commands import ROOT, split
from tests.kit.mock_process import SMS_HOOK, running_mock
from tests.support.server import free_port, serve
from tests.verify.receivers import accepting_receiver

ACTION: Final = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))
STEP: Final = next(step for step in ACTION["runs"]["steps"] if step.get("id") == "verify")
_INPUT: Final = re.compile(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}")
TEST_KEY: Final = "12345ABCDE"


def _require_the_options_it_uses() -> None:
    awaited = [
        a for c in split(STEP["run"], "action.yml") if c.sms_hook for a in problems(c.sms_hook)[1]
    ]
    if awaited:
        message = f"the step uses options not merged yet: {awaited}"
        if toolchains.required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def _evaluate(value: str, inputs: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        return inputs[match.group(1)]

    evaluated = _INPUT.sub(replace, value)
    assert "${{" not in evaluated, f"an expression this test cannot evaluate: {value}"
    return evaluated


def run_step(url: str, tmp_path: Path, **given: str) -> tuple[int, dict[str, str], str]:
    """Run the verify step with `with: url, secret, **given`; (exit code, outputs, summary)."""
    _require_the_options_it_uses()
    inputs: dict[str, str] = {
        name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()
    }
    inputs.update(url=url, secret=TEST_KEY)
    inputs.update(given)
    venv_bin = tmp_path / "runner-temp" / "sms-hook-venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "sms-hook").symlink_to(SMS_HOOK)
    output, summary = tmp_path / "github-output", tmp_path / "step-summary"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMS_HOOK_")}
    env.update({name: _evaluate(str(v), inputs) for name, v in STEP["env"].items()})
    env.update(
        RUNNER_TEMP=str(tmp_path / "runner-temp"),
        GITHUB_OUTPUT=str(output),
        GITHUB_STEP_SUMMARY=str(summary),
    )
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    # GitHub runs a `shell: bash` step as `bash --noprofile --norc -eo pipefail {0}`.
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", STEP["run"]],
        cwd=workspace, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    for name in ("junit", "report-json", "report-html"):  # relative to the workspace
        if name in outputs:
            outputs[name] = str(workspace / outputs[name])
    return done.returncode, outputs, summary.read_text() if summary.exists() else ""


@pytest.fixture(scope="module")
def mock_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _require_the_options_it_uses()  # before paying for a mock that no test would use
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMS_HOOK_")}
    cwd = tmp_path_factory.mktemp("mock")
    with running_mock(["mock", "--journal", ":memory:"], cwd=cwd, env=env) as base:
        yield base + "/notifications"


def test_a_conforming_receiver_gives_verdict_conforms_and_all_three_reports(
    mock_url: str, tmp_path: Path
) -> None:
    code, outputs, summary = run_step(mock_url, tmp_path, **{"max-examples": "0"})
    assert code == 0, outputs
    assert outputs["verdict"] == "conforms"
    assert outputs["exit-code"] == "0"
    for report in ("junit", "report-json", "report-html"):
        assert Path(outputs[report]).stat().st_size > 0, report
    assert "**conforms**" in summary


def test_a_broken_receiver_fails_the_step_with_verdict_broken_and_keeps_the_reports(
    tmp_path: Path,
) -> None:
    with serve(accepting_receiver()) as base:
        code, outputs, summary = run_step(base + "/hooks/sms", tmp_path, **{"max-examples": "0"})
    assert code == 1
    assert outputs["verdict"] == "broken"
    assert Path(outputs["junit"]).is_file()
    assert "**broken**" in summary


def test_an_unreachable_receiver_gives_verdict_error(tmp_path: Path) -> None:
    code, outputs, _ = run_step(f"http://127.0.0.1:{free_port()}/x", tmp_path)
    assert code == 2
    assert outputs["verdict"] == "error"


def test_an_empty_secret_stops_with_verdict_error_instead_of_using_the_test_key(
    tmp_path: Path,
) -> None:
    code, outputs, _ = run_step("http://127.0.0.1:9/never-reached", tmp_path, secret="")
    assert code == 2
    assert outputs["verdict"] == "error"
