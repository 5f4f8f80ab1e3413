"""Fixtures for proving the document in partners' tools: the tools, the bodies, a live mock.

Node tools come from `tests/tools/node` (`npm ci`, run by `.ci/install-node-tools.sh`); Python
tools come from tox's test dependencies. A test whose tool is missing is skipped on a developer
machine and fails in CI (`CI=true`, or `SMS_HOOK_REQUIRE_TOOLS=1`).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import pytest

from mock_server.app import create_app
from mock_server.settings import Settings
from sms_hook.contract import Contract
from tests.support.server import serve
from tests.tools import corpus

NODE_DIR: Final = Path(__file__).resolve().parent / "node"
INSTALL: Final = ".ci/install-node-tools.sh"


def required() -> bool:
    """True where a missing tool is a failure (CI), not a reason to skip."""
    return os.environ.get("CI") == "true" or os.environ.get("SMS_HOOK_REQUIRE_TOOLS") == "1"


def missing(message: str) -> None:
    """Skip the test, or fail it where tools are required."""
    if required():
        pytest.fail(
            f"{message} (required here: CI=true or SMS_HOOK_REQUIRE_TOOLS=1)", pytrace=False
        )
    pytest.skip(message)


def python_tool(module: str, package: str) -> None:
    """Skip (or fail, in CI) unless a Python module is importable."""
    if importlib.util.find_spec(module) is None:
        missing(f"{package} is not installed (it is a test dependency in tox.ini)")


def node_bin(name: str) -> Path:
    """Return a Node tool's executable from tests/tools/node, or skip (fail in CI) without it."""
    if shutil.which("node") is None:
        missing(f"node is not installed; run {INSTALL}")
    path = NODE_DIR / "node_modules" / ".bin" / name
    if not path.exists():
        missing(f"{path} is missing; run {INSTALL}")
    return path


def node_env() -> dict[str, str]:
    """The environment for Node tools: no telemetry, no update checks (no network here)."""
    return {
        **os.environ,
        "REDOCLY_TELEMETRY": "off",
        "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
        "SCARF_ANALYTICS": "false",
        "NO_UPDATE_NOTIFIER": "1",
        "NO_COLOR": "1",
        "FORCE_COLOR": "0",
    }


def run_node_validator(tool: str, document: Path, bodies: list[corpus.Body], tmp: Path) -> Any:
    """Judge every body with one Node validator in one process; return its verdicts by name."""
    node_bin("prism")  # any binary of the install: proves `npm ci` ran
    cases = tmp / f"{tool}-cases.json"
    cases.write_text(json.dumps([b.case() for b in bodies]), "utf-8")
    done = subprocess.run(
        ["node", str(NODE_DIR / "validate.mjs"), tool, str(document), str(cases)],
        capture_output=True,
        text=True,
        timeout=120,
        env=node_env(),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return {v["name"]: v for v in json.loads(done.stdout)}


@pytest.fixture(scope="session")
def valid_bodies(contract: Contract) -> list[corpus.Body]:
    return corpus.valid(contract)


@pytest.fixture(scope="session")
def invalid_bodies(contract: Contract) -> list[corpus.Body]:
    return corpus.invalid(contract)


@pytest.fixture(scope="module")
def mock_base() -> Iterator[str]:
    """The mock receiver with default settings on 127.0.0.1 and a free port; its base URL."""
    built = create_app(Settings(journal=":memory:"))
    with serve(built.app) as base:
        yield base
