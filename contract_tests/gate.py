"""The CI gate as pytest tests: one test per rule × notification type, against a real receiver.

    SMS_HOOK_SECRET=... pytest -p contract_tests.pytest_plugin --pyargs contract_tests.gate \\
        --receiver-url https://staging.example.com/hooks/sms --junitxml verify.xml

The run (battery and generated cases) happens once per session; each test then asserts that its
rule held for its type, failing with the same details and curl commands as `sms-hook verify`.
"""

from __future__ import annotations

import os
from typing import Any, NoReturn

import pytest

from contract_tests.battery import battery
from contract_tests.pytest_plugin import RESULT
from contract_tests.report import failure_lines
from contract_tests.result import Result
from contract_tests.rules import ANY_TYPE, BY_ID, FAILING, NO_SERVER_ERROR
from contract_tests.runner import DEFAULT_MAX_EXAMPLES, Settings, verify
from sms_hook import contract as contract_module
from sms_hook.delivery import DEFAULT_OPERATOR, DEFAULT_TIMEOUT
from sms_hook.errors import ReceiverUnreachable, SmsHookError


def _cells() -> list[tuple[str, str]]:
    contract = contract_module.load()
    probed = {(p.rule, p.type) for p in battery(contract, secret="")}
    probed |= {(NO_SERVER_ERROR, t) for t in (*contract.types, ANY_TYPE)}
    columns = (*contract.types, ANY_TYPE)
    return [(r, t) for r in FAILING for t in columns if (r, t) in probed]


CELLS = _cells()


def _stop(message: str) -> NoReturn:
    """End the whole session with one line: without settings or a receiver no test can run."""
    pytest.exit(f"sms-hook gate: {message}", returncode=pytest.ExitCode.USAGE_ERROR)


def _option(config: pytest.Config, name: str, env: str | None = None) -> Any:
    value = config.getoption(name, None)
    if value in (None, [], False) and env is not None:
        return os.environ.get(env)
    return value


def _settings(config: pytest.Config) -> Settings:
    url = _option(config, "receiver_url", "SMS_HOOK_RECEIVER_URL")
    if not url:
        _stop(
            "give the receiver with --receiver-url URL (with -p contract_tests."
            "pytest_plugin) or SMS_HOOK_RECEIVER_URL"
        )
    secret = _option(config, "sms_hook_secret", "SMS_HOOK_SECRET")
    if not secret:
        _stop("give the partner's secret in SMS_HOOK_SECRET (or --sms-hook-secret)")
    seed = _option(config, "sms_hook_seed", "SMS_HOOK_SEED")
    max_examples = _option(config, "sms_hook_max_examples", "SMS_HOOK_MAX_EXAMPLES")
    timeout = _option(config, "sms_hook_request_timeout")
    ca_bundle = _option(config, "sms_hook_ca_bundle")
    headers = {}
    for item in _option(config, "sms_hook_header") or []:
        name, sep, value = item.partition(":")
        if not sep:
            _stop(f"--sms-hook-header {item!r} is not 'NAME: VALUE'")
        headers[name.strip()] = value.strip()
    return Settings(
        url=url,
        secret=secret,
        operator_name=_option(config, "sms_hook_operator_name") or DEFAULT_OPERATOR,
        seed=None if seed is None else int(seed),
        max_examples=DEFAULT_MAX_EXAMPLES if max_examples is None else int(max_examples),
        request_timeout=DEFAULT_TIMEOUT if timeout is None else float(timeout),
        headers=headers,
        tls_verify=False if _option(config, "sms_hook_insecure") else (ca_bundle or True),
    )


@pytest.fixture(scope="session")
def verification(pytestconfig: pytest.Config) -> Result:
    """Run the verification once, for every test of the gate."""
    try:
        result = verify(_settings(pytestconfig))
    except ReceiverUnreachable as exc:
        _stop(f"receiver unreachable: {exc}")
    except SmsHookError as exc:  # settings no request can carry, an unusable CA bundle
        _stop(str(exc))
    pytestconfig.stash[RESULT] = result
    return result


@pytest.mark.parametrize(("rule", "type_name"), CELLS, ids=[f"{r}/{t}" for r, t in CELLS])
def test_receiver_keeps_rule(verification: Result, rule: str, type_name: str) -> None:
    """The receiver answered every request of this rule and type as the contract requires."""
    found = verification.failures_in(rule, type_name)
    if found:
        lines = [f"{len(found)} failing request(s) — {BY_ID[rule].summary}"]
        lines += [line.text for f in found for line in failure_lines(f)]
        pytest.fail("\n".join(lines), pytrace=False)


def test_run_was_complete(verification: Result) -> None:
    """Every request was sent: the receiver did not go away or stop answering mid-run."""
    if verification.stopped is not None:
        pytest.fail(f"the run stopped early: {verification.stopped}", pytrace=False)


def test_no_failure_outside_the_table(verification: Result) -> None:
    """A generated case can break a rule for a type the battery has no test for; none did."""
    listed = set(CELLS)
    other = [f for f in verification.failures if (f.rule, f.type) not in listed]
    if other:
        lines = [line.text for f in other for line in failure_lines(f)]
        pytest.fail("\n".join(lines), pytrace=False)
