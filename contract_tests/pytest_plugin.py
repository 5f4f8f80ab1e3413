"""The pytest side of the CI gate: command-line options and the end-of-run summary.

The tests themselves are in `contract_tests.gate`; load this plugin with `-p` to get its options:

    SMS_HOOK_SECRET=... pytest -p contract_tests.pytest_plugin --pyargs contract_tests.gate \\
        --receiver-url https://staging.example.com/hooks/sms --junitxml verify.xml

Without the plugin, the gate reads the same settings from the environment (SMS_HOOK_RECEIVER_URL,
SMS_HOOK_SECRET, SMS_HOOK_SEED, SMS_HOOK_MAX_EXAMPLES).
"""

from __future__ import annotations

from typing import Final

import pytest

from contract_tests.report import summary
from contract_tests.result import Result
from contract_tests.runner import DEFAULT_MAX_EXAMPLES

RESULT: Final = pytest.StashKey[Result]()
"""Where the gate leaves the run's result for the terminal summary."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sms-hook", "sms-hook contract gate (contract_tests.gate)")
    group.addoption(
        "--receiver-url",
        metavar="URL",
        help="The receiver to verify (default: $SMS_HOOK_RECEIVER_URL).",
    )
    group.addoption(
        "--sms-hook-secret",
        metavar="SECRET",
        help="The partner's secret (prefer $SMS_HOOK_SECRET: options show in `ps`).",
    )
    group.addoption(
        "--sms-hook-seed",
        type=int,
        metavar="N",
        help="Same seed, same generated requests (default: $SMS_HOOK_SEED or random).",
    )
    group.addoption(
        "--sms-hook-max-examples",
        type=int,
        metavar="N",
        help=f"Generated cases per type and stream (default {DEFAULT_MAX_EXAMPLES}).",
    )
    group.addoption(
        "--sms-hook-operator-name",
        metavar="NAME",
        help="The operator-name header of valid requests.",
    )
    group.addoption(
        "--sms-hook-request-timeout",
        type=float,
        metavar="SECONDS",
        help="Seconds to wait for each answer (default 10).",
    )
    group.addoption(
        "--sms-hook-header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="A header added to every request (repeatable).",
    )
    group.addoption(
        "--sms-hook-insecure",
        action="store_true",
        help="Do not verify the receiver's TLS certificate.",
    )
    group.addoption(
        "--sms-hook-ca-bundle",
        metavar="PATH",
        help="Verify the receiver's TLS certificate against this CA bundle.",
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    result = terminalreporter.config.stash.get(RESULT, None)
    if result is None:
        return
    terminalreporter.section("sms-hook verify")
    for line in summary(result, details=0):
        terminalreporter.write_line(line.text)
