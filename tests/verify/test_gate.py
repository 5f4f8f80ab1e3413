"""The pytest CI gate, run as a partner's CI would: one test per rule × type, --junitxml works."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from contract_tests.gate import CELLS
from tests.support.server import free_port, serve
from tests.verify.conftest import SECRET
from tests.verify.receivers import PATH, accepting_receiver

PLUGIN = Path(__file__).resolve().parents[2] / "contract_tests" / "pytest_plugin.py"
GATE = ["-p", "contract_tests.pytest_plugin", "--pyargs", "contract_tests.gate"]


def pytest_run(
    tmp_path: Path, *args: str, secret: str | None = SECRET
) -> subprocess.CompletedProcess[str]:
    """Run the gate in a fresh pytest, from a folder of its own, as a partner's CI would."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMS_HOOK_", "PYTEST_"))}
    if secret is not None:
        env["SMS_HOOK_SECRET"] = secret
    command = [sys.executable, "-m", "pytest", *GATE, "-q", *args]
    return subprocess.run(
        command, check=False, capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env
    )


def gate(url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return pytest_run(
        tmp_path,
        "--receiver-url",
        url,
        "--sms-hook-max-examples",
        "2",
        "--sms-hook-seed",
        "4",
        *args,
    )


@pytest.fixture(scope="module")
def broken_url() -> Iterator[str]:
    with serve(accepting_receiver()) as base:
        yield base + PATH


def test_the_gate_passes_a_correct_receiver(correct_url: str, tmp_path: Path) -> None:
    finished = gate(correct_url, tmp_path)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert f"{len(CELLS) + 2} passed" in finished.stdout
    assert "CONFORMS" in finished.stdout


def test_the_gate_fails_the_tests_of_the_broken_rules_with_junit_xml(
    broken_url: str, tmp_path: Path
) -> None:
    report = tmp_path / "gate.xml"
    finished = gate(broken_url, tmp_path, f"--junitxml={report}")
    assert finished.returncode == 1
    assert "test_receiver_keeps_rule[reject-bad-signature/otp]" in finished.stdout
    assert "curl -sS -i -X POST" in finished.stdout
    assert SECRET not in finished.stdout
    cases = {c.get("name"): c for c in ET.parse(report).getroot().iter("testcase")}
    assert cases["test_receiver_keeps_rule[reject-bad-signature/otp]"].find("failure") is not None
    assert cases["test_receiver_keeps_rule[accept-valid/otp]"].find("failure") is None


def usage_error(finished: subprocess.CompletedProcess[str]) -> str:
    """The one line a usage error of the gate prints (pytest exit 4, nothing else said)."""
    assert finished.returncode == pytest.ExitCode.USAGE_ERROR, finished.stdout + finished.stderr
    lines = [line for line in finished.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, finished.stderr
    assert "_pytest.outcomes" not in finished.stdout + finished.stderr
    assert "Traceback" not in finished.stdout + finished.stderr
    assert lines[0].startswith("ERROR: sms-hook gate: ")
    return lines[0]


def test_the_gate_without_a_receiver_says_what_to_give(tmp_path: Path) -> None:
    line = usage_error(pytest_run(tmp_path, secret=None))
    assert "give the receiver with --receiver-url URL" in line


def test_the_gate_reads_its_settings_from_the_environment_without_the_plugin(
    correct_url: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMS_HOOK_", "PYTEST_"))}
    env |= {
        "SMS_HOOK_RECEIVER_URL": correct_url,
        "SMS_HOOK_SECRET": SECRET,
        "SMS_HOOK_MAX_EXAMPLES": "1",
        "SMS_HOOK_SEED": "5",
    }
    finished = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "contract_tests.gate", "-q"],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env=env,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert f"{len(CELLS) + 2} passed" in finished.stdout


def test_the_gate_without_a_secret_stops_with_one_line(correct_url: str, tmp_path: Path) -> None:
    line = usage_error(pytest_run(tmp_path, "--receiver-url", correct_url, secret=None))
    assert "give the partner's secret" in line


def test_the_gate_against_a_closed_port_stops_with_one_line(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/hooks/sms"
    line = usage_error(pytest_run(tmp_path, "--receiver-url", url))
    assert line == f"ERROR: sms-hook gate: receiver unreachable: {url}: connection refused"


def test_the_gate_with_an_operator_name_http_cannot_carry_stops_with_one_line(
    correct_url: str, tmp_path: Path
) -> None:
    line = usage_error(gate(correct_url, tmp_path, "--sms-hook-operator-name", "Bet-Ñ"))
    assert "operator name 'Bet-Ñ'" in line


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--sms-hook-request-timeout", "nan", "give a number of seconds above 0"),
        ("--sms-hook-max-time", "inf", "give a number of seconds above 0"),
        ("--sms-hook-seed", "x", "is not a whole number"),
        ("--sms-hook-concurrency", "0", "give 1 to 32"),
        ("--sms-hook-header", "no-colon", "is not 'NAME: VALUE'"),
    ],
)
def test_the_gate_refuses_a_bad_option_in_one_line(
    correct_url: str, tmp_path: Path, option: str, value: str, said: str
) -> None:
    line = usage_error(gate(correct_url, tmp_path, option, value))
    assert said in line


def test_the_gate_leaves_no_folder_behind_and_names_tests_with_their_module(
    correct_url: str, tmp_path: Path
) -> None:
    finished = gate(correct_url, tmp_path, "-rA", "--sms-hook-max-examples", "0")
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no .pytest_cache, .hypothesis
    assert "PASSED contract_tests/gate.py::test_receiver_keeps_rule[accept-valid/otp]" in (
        finished.stdout
    )
    assert "PASSED ::" not in finished.stdout


def test_docs_ci_lists_every_option_of_the_gate() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "ci.md").read_text(encoding="utf-8")
    options = re.findall(r'"(--(?:receiver-url|sms-hook-[a-z-]+))"', PLUGIN.read_text())
    assert len(options) >= 10
    missing = [o for o in options if f"`{o}" not in docs]
    assert missing == []
