"""The pytest side of the CI gate: options, the run, one-line errors, and leaving nothing behind.

The tests themselves are in `contract_tests.gate`, which loads this plugin itself; `-p` is only
needed for the command-line options:

    SMS_HOOK_SECRET=... pytest -p contract_tests.pytest_plugin --pyargs contract_tests.gate \\
        --receiver-url https://staging.example.com/hooks/sms --junitxml verify.xml

Without `-p`, the gate reads the same settings from the environment (SMS_HOOK_RECEIVER_URL,
SMS_HOOK_SECRET, SMS_HOOK_SEED, SMS_HOOK_MAX_EXAMPLES, SMS_HOOK_REQUEST_TIMEOUT,
SMS_HOOK_CONCURRENCY, SMS_HOOK_MAX_TIME).

When the gate's tests are collected, the settings are checked, and the verification runs once
before the first test. A missing or bad setting, or a receiver that cannot be reached, ends the
session with ONE line (`ERROR: sms-hook gate: ...`) and pytest's usage-error exit code 4. The
session leaves no `.pytest_cache/` or `.hypothesis/` folder behind in the working directory
(ones that were there before are left alone), and test ids carry their module
(`contract_tests/gate.py::test_receiver_keeps_rule[...]`) even when run with `--pyargs`.

PYTEST_DONT_REWRITE: the gate imports this module before pytest registers it as a plugin (it
has no assert to rewrite).
"""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path
from typing import Any, Final

import pytest

from contract_tests.report import summary
from contract_tests.result import Result
from contract_tests.runner import (
    DEFAULT_CONCURRENCY,
    DEFAULT_MAX_EXAMPLES,
    MAX_CONCURRENCY,
    Settings,
    verify,
)
from sms_hook.delivery import DEFAULT_OPERATOR, DEFAULT_TIMEOUT
from sms_hook.errors import ReceiverUnreachable, SmsHookError

RESULT: Final = pytest.StashKey[Result]()
"""Where the run's result is kept for the gate's tests and the terminal summary."""
_SETTINGS: Final = pytest.StashKey[Settings]()
_LEFT_BEHIND: Final = pytest.StashKey[list[Path]]()
GATE_MODULE: Final = "contract_tests.gate"
MODULE_ID: Final = "contract_tests/gate.py"


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
        metavar="N",
        help="Same seed, same generated requests (default: $SMS_HOOK_SEED or random).",
    )
    group.addoption(
        "--sms-hook-max-examples",
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
        metavar="SECONDS",
        help=f"Seconds for each whole exchange (default {DEFAULT_TIMEOUT:g}).",
    )
    group.addoption(
        "--sms-hook-concurrency",
        metavar="N",
        help=f"Requests in flight at once (default {DEFAULT_CONCURRENCY}).",
    )
    group.addoption(
        "--sms-hook-max-time",
        metavar="SECONDS",
        help="A budget for the run; the generated cases stop when it is spent.",
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


def pytest_configure(config: pytest.Config) -> None:
    """Note which of the folders pytest and hypothesis create were not there before."""
    places = [config.rootpath / str(config.getini("cache_dir")), Path.cwd() / ".hypothesis"]
    config.stash[_LEFT_BEHIND] = [p for p in places if not p.exists()]


def pytest_unconfigure(config: pytest.Config) -> None:
    for folder in config.stash.get(_LEFT_BEHIND, []):
        shutil.rmtree(folder, ignore_errors=True)


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """For the gate's tests: ids with their module, and settings checked before anything runs."""
    gate = [item for item in items if _in_gate(item)]
    if not gate:
        return
    for item in gate:
        if item.nodeid.startswith("::"):  # --pyargs from outside the package: no path part
            _rename(item, f"{MODULE_ID}{item.nodeid}")
    config.stash[_SETTINGS] = settings(config)


def _rename(item: pytest.Item, nodeid: str) -> None:
    """Give an item the id pytest would give it from inside the package.

    pytest has no public way to do this: its private attribute is `_id` (a NodeId, pytest 9)
    or `_nodeid` (a str, before). If neither is there, the id stays as it is.
    """
    if hasattr(item, "_id"):
        try:
            # private and new in pytest 9: imported only when that pytest is there
            from _pytest.nodeid import coerce_node_id  # noqa: PLC0415
        except ImportError:  # pragma: no cover - a pytest without it
            return
        item._id = coerce_node_id(nodeid)
    elif hasattr(item, "_nodeid"):  # pragma: no cover - pytest 8
        item._nodeid = nodeid


def _in_gate(item: pytest.Item) -> bool:
    module = getattr(item, "module", None)
    return module is not None and module.__name__ == GATE_MODULE


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    """Run the verification once, before the first test, if the gate's tests are to run."""
    config = session.config
    chosen = config.stash.get(_SETTINGS, None)
    if chosen is None or config.option.collectonly or not session.items:
        return
    try:
        config.stash[RESULT] = verify(chosen)
    except ReceiverUnreachable as exc:
        raise pytest.UsageError(f"sms-hook gate: receiver unreachable: {exc}") from None
    except SmsHookError as exc:  # settings no request can carry, an unusable CA bundle
        raise pytest.UsageError(f"sms-hook gate: {exc}") from None


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    result = terminalreporter.config.stash.get(RESULT, None)
    if result is None:
        return
    terminalreporter.section("sms-hook verify")
    for line in summary(result, details=0):
        terminalreporter.write_line(line.text)


def _stop(message: str) -> pytest.UsageError:
    return pytest.UsageError(f"sms-hook gate: {message}")


def _option(config: pytest.Config, name: str, env: str | None = None) -> Any:
    value = config.getoption(name, None)
    if value in (None, [], False) and env is not None:
        return os.environ.get(env) or None
    return value


def _number(config: pytest.Config, name: str, env: str | None, kind: type[Any]) -> Any:
    raw = _option(config, name, env)
    if raw is None:
        return None
    flag = "--" + name.replace("_", "-")
    try:
        value = kind(str(raw).strip())
    except ValueError:
        kind_name = "a whole number" if kind is int else "a number"
        raise _stop(f"{flag} {raw!r} is not {kind_name}") from None
    if kind is float and not (math.isfinite(value) and 0 < value <= 86_400):
        raise _stop(f"{flag} {raw!r}: give a number of seconds above 0, at most 86400")
    return value


def settings(config: pytest.Config) -> Settings:
    """The gate's settings from options and the environment; raise `pytest.UsageError` if bad."""
    url = _option(config, "receiver_url", "SMS_HOOK_RECEIVER_URL")
    if not url:
        raise _stop(
            "give the receiver with --receiver-url URL (with -p contract_tests.pytest_plugin) "
            "or SMS_HOOK_RECEIVER_URL"
        )
    secret = _option(config, "sms_hook_secret", "SMS_HOOK_SECRET")
    if not secret:
        raise _stop("give the partner's secret in SMS_HOOK_SECRET (or --sms-hook-secret)")
    try:
        secret.encode("utf-8")
    except UnicodeEncodeError:
        raise _stop("the secret is not valid UTF-8 text") from None
    seed = _number(config, "sms_hook_seed", "SMS_HOOK_SEED", int)
    max_examples = _number(config, "sms_hook_max_examples", "SMS_HOOK_MAX_EXAMPLES", int)
    if max_examples is not None and max_examples < 0:
        raise _stop(f"--sms-hook-max-examples {max_examples}: give 0 or more")
    timeout = _number(config, "sms_hook_request_timeout", "SMS_HOOK_REQUEST_TIMEOUT", float)
    concurrency = _number(config, "sms_hook_concurrency", "SMS_HOOK_CONCURRENCY", int)
    if concurrency is not None and not 1 <= concurrency <= MAX_CONCURRENCY:
        raise _stop(f"--sms-hook-concurrency {concurrency}: give 1 to {MAX_CONCURRENCY}")
    max_time = _number(config, "sms_hook_max_time", "SMS_HOOK_MAX_TIME", float)
    ca_bundle = _option(config, "sms_hook_ca_bundle")
    headers = {}
    for item in _option(config, "sms_hook_header") or []:
        name, sep, value = item.partition(":")
        if not sep:
            raise _stop(f"--sms-hook-header {item!r} is not 'NAME: VALUE'")
        headers[name.strip()] = value.strip()
    return Settings(
        url=url,
        secret=secret,
        operator_name=_option(config, "sms_hook_operator_name") or DEFAULT_OPERATOR,
        seed=seed,
        max_examples=DEFAULT_MAX_EXAMPLES if max_examples is None else max_examples,
        request_timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
        headers=headers,
        tls_verify=False if _option(config, "sms_hook_insecure") else (ca_bundle or True),
        concurrency=DEFAULT_CONCURRENCY if concurrency is None else concurrency,
        max_time=max_time,
    )
