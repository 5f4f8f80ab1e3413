"""The servers the benchmark can measure, each started as a user would start it.

| name       | what                                                                       |
|------------|----------------------------------------------------------------------------|
| baseline   | `bench/baseline.py`: the least a strict receiver does, raw ASGI             |
| mock       | `sms-hook mock` as it ships (httptools with the mock's connection protocol) |
| h11        | `sms-hook mock --http-parser h11` (uvicorn's stock h11, the old default)    |
| granian    | the mock's app under granian (Rust ASGI server), if installed               |
| hypercorn  | the mock's app under hypercorn, if installed                                |
| prism      | Stoplight Prism 5.14.2 mocking the contract: tests/tools/node's if there,   |
|            | else installed by npm into `bench/.prism/`; skipped where npm is absent     |

Every target but the baseline and Prism records to its own journal file in the run's scratch
folder, so the run can check one journal row per 200 (with retention off: `--journal-max-rows 0`).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from mock_server.settings import Settings
from sms_hook import contract as contract_module

HERE: Final = Path(__file__).resolve().parent
PRISM_VERSION: Final = "5.14.2"
PRISM_DIR: Final = HERE / ".prism"
PRISM_OWN: Final = PRISM_DIR / "node_modules" / ".bin" / "prism"
PRISM_TOOLS: Final = HERE.parent / "tests" / "tools" / "node" / "node_modules" / ".bin" / "prism"
"""The same Prism version, when .ci/install-node-tools.sh has installed the document's tools."""


def prism_binary() -> Path:
    return PRISM_TOOLS if PRISM_TOOLS.is_file() else PRISM_OWN


NAMES: Final = ("baseline", "prism", "h11", "mock", "granian", "hypercorn")
DEFAULT: Final = ("baseline", "prism", "h11", "mock")


@dataclass(slots=True)
class Target:
    """How to start one server under test on `port`."""

    name: str
    port: int
    command: list[str]
    ready_path: str
    env: dict[str, str] = field(default_factory=dict)
    journal: Path | None = None


def sms_hook_command() -> list[str]:
    script = Path(sys.executable).with_name("sms-hook")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from sms_hook.cli import main; main()"]


def _tool(name: str) -> str | None:
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.is_file() else shutil.which(name)


def unavailable(name: str) -> str | None:
    """Why `name` cannot be measured here, or None if it can."""
    if name in ("granian", "hypercorn") and _tool(name) is None:
        return f"{name} is not installed (pip install {name})"
    if name == "prism" and not prism_binary().is_file() and shutil.which("npm") is None:
        return "npm is not installed (apt-get install npm), so Prism cannot be installed"
    return None


def install_prism(note: object = print) -> None:
    """Install Prism into bench/.prism/ (once; npm's own cache makes later installs quick)."""
    if prism_binary().is_file():
        return
    if callable(note):
        note(f"prism: installing @stoplight/prism-cli@{PRISM_VERSION} into {PRISM_DIR} (npm)")
    subprocess.run(
        [
            "npm",
            "install",
            "--no-audit",
            "--no-fund",
            "--silent",
            "--prefix",
            str(PRISM_DIR),
            f"@stoplight/prism-cli@{PRISM_VERSION}",
        ],
        check=True,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )


def target(
    name: str, port: int, scratch: Path, *, secret: str, tolerance: int, extra: list[str]
) -> Target:
    """The command that starts `name` on `port`; `extra` goes to `sms-hook mock` (e.g. workers)."""
    journal = scratch / f"{name}.db"
    env = {"SMS_HOOK_SECRET": secret}
    if name == "baseline":
        command = [sys.executable, str(HERE / "baseline.py"), "--port", str(port)]
        command += ["--tolerance", str(tolerance)]
        return Target(name, port, command, "/health", env)
    if name == "prism":
        document = contract_module.document_path(contract_module.CONTRACT_FILE)
        # -v warn: no log line per request, as the mock runs without its access log.
        command = [str(prism_binary()), "mock", "-v", "warn", "-h", "127.0.0.1", "-p", str(port)]
        command.append(str(document))
        return Target(name, port, command, "/", env)
    if name in ("mock", "h11"):
        command = [*sms_hook_command(), "mock", "--host", "127.0.0.1", "--port", str(port)]
        # Every row is kept (retention off): the run checks one row per 200, and the default
        # retention (100,000 rows) would delete the warm-up's rows and then the run's own.
        command += ["--journal", str(journal), "--journal-max-rows", "0", *extra]
        command += ["--tolerance", str(tolerance)]
        if name == "h11":
            command += ["--http-parser", "h11"]
        return Target(name, port, command, "/__admin/health", env, journal)
    # granian and hypercorn serve the same app factory the mock's workers import.
    settings = Settings(
        secret=secret, tolerance=tolerance, journal=str(journal), journal_max_rows=0
    )
    env.update(settings.to_env())
    factory = "mock_server.app:app_from_env"
    if name == "granian":
        command = [str(_tool("granian")), "--interface", "asgi", "--factory", factory]
        command += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
        command += ["--loop", "uvloop", "--no-access-log", "--log-level", "warning"]
    else:
        command = [str(_tool("hypercorn")), "--bind", f"127.0.0.1:{port}", "--workers", "1"]
        command += ["--worker-class", "uvloop", f"{factory}()"]
    return Target(name, port, command, "/__admin/health", env, journal)
