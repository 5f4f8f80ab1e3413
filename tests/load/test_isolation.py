"""Locust monkey-patches the standard library when imported: it must stay in its own process.

`import sms_hook`, `import sms_hook.cli`, the mock, the verifier and every other command run
without Locust or gevent ever being imported; only `python -m sms_hook_load` imports them.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

_PROBE = """
import sys
{body}
patching = ("locust", "gevent", "geventhttpclient")
leaked = sorted(m for m in sys.modules if m.split(".")[0] in patching)
print("LEAKED", leaked)
"""


def _leaked(body: str) -> str:
    finished = subprocess.run(
        [sys.executable, "-c", _PROBE.format(body=textwrap.dedent(body))],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = [line for line in finished.stdout.splitlines() if line.startswith("LEAKED")]
    assert lines, finished.stdout + finished.stderr
    return lines[-1]


@pytest.mark.parametrize(
    "body",
    [
        "import sms_hook",
        "import sms_hook.cli",
        "import mock_server.app, contract_tests.runner",
        "import sms_hook_load.settings, sms_hook_load.tally, sms_hook_load.html",
    ],
)
def test_importing_sms_hook_never_imports_locust_or_gevent(body: str) -> None:
    assert _leaked(body) == "LEAKED []"


def test_running_the_other_commands_and_load_help_never_imports_locust_or_gevent() -> None:
    body = """
    from click.testing import CliRunner
    from sms_hook.cli import cli
    runner = CliRunner()
    for args in (["sign", "--example", "otp"], ["load", "--help"], ["verify", "--help"],
                 ["mock", "--help"], ["send", "--help"],
                 ["load", "http://127.0.0.1:1/x", "--rate", "1", "--duration", "1"]):
        result = runner.invoke(cli, args)
        assert result.exit_code in (0, 2), (args, result.output)
    """
    assert _leaked(body) == "LEAKED []"


def test_the_load_process_does_import_locust() -> None:
    # The other side of the claim: the probe would see Locust if it were there.
    assert "locust" in _leaked("import sms_hook_load.user")


def test_the_installed_distribution_offers_the_load_extra_and_ships_its_package() -> None:
    import importlib.metadata
    import importlib.util

    metadata = importlib.metadata.metadata("sms-hook")
    assert "load" in (metadata.get_all("Provides-Extra") or [])
    requires = metadata.get_all("Requires-Dist") or []
    load = [r for r in requires if r.startswith("locust")]
    assert load, requires
    assert all(r.replace('"', "'").endswith("extra == 'load'") for r in load), load
    assert importlib.util.find_spec("sms_hook_load.__main__") is not None
