"""The version has one home, pyproject.toml, and every place that shows it agrees."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from pathlib import Path
from typing import Final

from click.testing import CliRunner

from sms_hook import __version__
from sms_hook.cli import cli

ROOT: Final = Path(__file__).resolve().parents[2]
PROJECT_VERSION: Final = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"][
    "version"
]


def test_sms_hook_version_prints_the_version_in_pyproject() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"sms-hook, version {PROJECT_VERSION}\n"


def test_the_package_reads_its_version_from_the_installed_metadata() -> None:
    assert __version__ == version("sms-hook") == PROJECT_VERSION


def test_the_changelog_has_an_unreleased_section_and_ends_at_the_current_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text("utf-8")
    headings = re.findall(r"^## \[([^\]]+)\]", text, flags=re.MULTILINE)
    assert headings[0] == "Unreleased"
    assert headings[1] == PROJECT_VERSION, "the newest released section is the package's version"
    for heading in headings:
        assert f"[{heading}]: " in text, f"no link for [{heading}]"
