"""The CI gate as pytest tests: one test per rule × notification type, against a real receiver.

    SMS_HOOK_SECRET=... pytest -p contract_tests.pytest_plugin --pyargs contract_tests.gate \\
        --receiver-url https://staging.example.com/hooks/sms --junitxml verify.xml

The run (battery and generated cases) happens once per session; each test then asserts that its
rule held for its type, failing with the same details and curl commands as `sms-hook verify`.
"""

from __future__ import annotations

import pytest

from contract_tests.battery import battery
from contract_tests.probe import Probe
from contract_tests.pytest_plugin import RESULT
from contract_tests.report import failure_lines
from contract_tests.result import Result
from contract_tests.rules import ANY_TYPE, BY_ID, FAILING, NO_SERVER_ERROR
from sms_hook import contract as contract_module


def _cells() -> list[tuple[str, str]]:
    contract = contract_module.load()
    probes: list[Probe] = []
    for item in battery(contract, secret=""):
        # a Sequence of the runner (order-dependent probes) lists its probes, if it has a list
        probes += [item] if isinstance(item, Probe) else list(getattr(item, "probes", ()))
    probed = {(p.rule, p.type) for p in probes}
    probed |= {(NO_SERVER_ERROR, t) for t in (*contract.types, ANY_TYPE)}
    columns = (*contract.types, ANY_TYPE)
    return [(r, t) for r in FAILING for t in columns if (r, t) in probed]


CELLS = _cells()


pytest_plugins = ["contract_tests.pytest_plugin"]
"""The gate's settings, checks and clean-up come with it even without `-p` (see the plugin)."""


@pytest.fixture(scope="session")
def verification(pytestconfig: pytest.Config) -> Result:
    """The run, made once before the first test (by the plugin, so errors are one line)."""
    result = pytestconfig.stash.get(RESULT, None)
    if result is None:  # pragma: no cover - the plugin runs it before any test
        pytest.fail("sms-hook gate: the verification did not run", pytrace=False)
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
