"""The shell commands that README.md and docs/ show, run as a reader would run them.

One fenced block at a time, its commands in order, in a fresh directory. What a reader runs
against `http://127.0.0.1:8080` runs against a real `sms-hook mock` on a free port instead (the
block's own mock when the block starts one, a shared one otherwise). A command that needs the
reader's own things (an install, their receiver, their secret, their file, a container daemon)
is illustrative: it is named and checked against the CLI by test_ci_kit.py, not run here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Final

import pytest

from tests.kit.commands import Command, guide_commands
from tests.kit.mock_process import SMS_HOOK, running_mock

LOCAL: Final = re.compile(r"(?:127\.0\.0\.1|localhost):8080\b")
URL: Final = re.compile(r"^[a-z]+://", re.IGNORECASE)


SHELL_SYNTAX: Final = frozenset(
    {"until", "while", "for", "do", "done", "if", "then", "else", "fi", "sleep", "true", "echo"}
)
OWN_PROGRAM: Final = "runs the reader's own program"
STREAMS: Final = "streams until the reader stops it"
PYTHON: Final = "runs Python (a script, a module, a worker)"


def illustrative(command: Command) -> str | None:
    """Why a command is not run here, or None when it runs."""
    words = command.tokens[len(command.env) :]
    program = Path(words[0]).name if words else ""
    if program in SHELL_SYNTAX:
        return "shell syntax around the commands"
    if command.piped:
        return "reads the output of the command before it (which runs alone)"
    if program == "docker":
        return "needs a container daemon (the Dockerfile test plays the image's steps)"
    if program.startswith(("pip", "tox")) or (
        program.startswith("python") and list(words[1:3]) in (["-m", "venv"], ["-m", "pip"])
    ):
        return "installs or builds (the packaging and Dockerfile tests do that)"
    if program.startswith("python"):
        return PYTHON
    if any("$" in word for word in words):
        return "uses the reader's own variables"
    if "..." in words:
        return "elides part of the command"
    args = command.sms_hook
    if args is not None and args[:1] == ["sign"] and any(w.endswith(".json") for w in args):
        return "signs the reader's own file"
    # Never resolve or reach a host of the guide's: this test talks to loopback only.
    if any(URL.match(word) and not LOCAL.search(word) for word in words):
        return "targets the reader's receiver or server"
    if args is not None and args[:1] == ["load"]:
        return "a load run (tests/load runs sms-hook load against a mock)"
    if args is None and program != "curl":
        return OWN_PROGRAM
    if program == "curl" and ("-N" in words or "-sN" in words or "/stream" in command.text):
        return STREAMS
    return None


def plan(commands: list[Command]) -> list[tuple[Command, str | None]]:
    """Each command of a block with why it is not run (None: it runs). Once the block runs the
    reader's own program, what follows depends on it and is not run either."""
    planned: list[tuple[Command, str | None]] = []
    after_own = False
    for command in commands:
        reason = illustrative(command)
        if after_own and reason is None:
            reason = "depends on the reader's own program above"
        after_own = after_own or reason == OWN_PROGRAM
        planned.append((command, reason))
    return planned


def _blocks() -> dict[str, list[Command]]:
    blocks: dict[str, list[Command]] = {}
    for command in guide_commands():
        blocks.setdefault(command.source, []).append(command)
    return blocks


BLOCKS: Final = _blocks()
RUNNABLE: Final = {
    source: [command for command, reason in plan(commands) if reason is None]
    for source, commands in BLOCKS.items()
    if any(reason is None for _, reason in plan(commands))
}


# Belt and braces for "loopback only": any request to another host goes to a closed local port.
_NOWHERE: Final = "http://127.0.0.1:9"
_PROXIES: Final = ("http_proxy", "https_proxy", "all_proxy")
_NO_NETWORK: Final = {
    **dict.fromkeys(_PROXIES, _NOWHERE),
    **dict.fromkeys((name.upper() for name in _PROXIES), _NOWHERE),
    "no_proxy": "127.0.0.1,localhost",
    "NO_PROXY": "127.0.0.1,localhost",
}


def _env(command: Command) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMS_HOOK_")}
    env.update(command.env)
    env.update(_NO_NETWORK)
    return env


@contextmanager
def _mock(command: Command, cwd: Path) -> Iterator[str]:
    """Start a `sms-hook mock` command as written, on a free port; yield its base URL."""
    assert command.sms_hook is not None
    with running_mock(command.sms_hook, cwd=cwd, env=_env(command)) as base:
        yield base


def _expected_output(command: Command) -> list[str]:
    """The `# line` comments right below the command in its block: what it prints."""
    lines = command.block.splitlines()
    first = command.tokens[len(command.env)]
    for index, line in enumerate(lines):
        if first in line and all(word in line for word in command.tokens[-2:]):
            following = []
            for comment in lines[index + 1 :]:
                if not comment.startswith("# "):
                    break
                following.append(comment[2:])
            return following
    return []


def _run(command: Command, base: str, cwd: Path) -> None:
    words = [LOCAL.sub(base.removeprefix("http://"), word) for word in command.tokens]
    words = words[len(command.env) :]
    if command.sms_hook is not None:
        words[0] = SMS_HOOK
    elif words[0] == "curl":
        if shutil.which("curl") is None:
            pytest.skip("curl not installed")
        words += ["-w", "\n%{http_code}"]
    done = subprocess.run(
        words, cwd=cwd, env=_env(command), capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"{command.text}\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
    if words[0] == "curl":
        status = done.stdout.rsplit("\n", 1)[-1]
        assert status.startswith("2"), f"{command.text}: HTTP {status}\n{done.stdout}"
    for line in _expected_output(command):
        assert line in done.stdout.splitlines(), f"{command.text}: no line {line!r}"


@pytest.fixture(scope="module")
def shared_mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A plain mock for blocks that talk to one without starting it, holding what the guides
    look up: record 1, and a bet_result for ticket T-42."""
    plain = Command("fixture", "", "sms-hook mock", ("sms-hook", "mock"), background=True)
    cwd = tmp_path_factory.mktemp("shared-mock")
    with _mock(plain, cwd) as base:
        for extra in ([], ["--set", "data.ticket_id=T-42"]):
            sent = subprocess.run(
                [SMS_HOOK, "send", "bet_result", f"{base}/notifications", *extra],
                env=_env(plain),
                capture_output=True,
                check=False,
            )
            assert sent.returncode == 0, sent.stderr
        yield base


@pytest.mark.parametrize("source", list(RUNNABLE))
def test_every_runnable_command_of_the_block_works_as_written(
    source: str, shared_mock: str, tmp_path: Path
) -> None:
    base = shared_mock
    with ExitStack() as stack:
        for command in RUNNABLE[source]:
            if command.sms_hook is not None and command.sms_hook[:1] == ["mock"]:
                started = stack.enter_context(_mock(command, tmp_path))
                if command.background:  # later commands of the block talk to this one
                    base = started
                else:  # a foreground server: it started and answered; the block goes on
                    stack.close()
                continue
            _run(command, base, tmp_path)


def test_the_guides_run_the_commands_they_show() -> None:
    """Most of what the guides show runs here; each command that does not says why."""
    every = [planned for commands in BLOCKS.values() for planned in plan(commands)]
    ran = [command.text for command, reason in every if reason is None]
    assert len(ran) >= 10, ran
    reasons = {reason for _, reason in every} - {None}
    assert reasons <= {
        "shell syntax around the commands",
        "reads the output of the command before it (which runs alone)",
        OWN_PROGRAM,
        STREAMS,
        "depends on the reader's own program above",
        "installs or builds (the packaging and Dockerfile tests do that)",
        "needs a container daemon (the Dockerfile test plays the image's steps)",
        "uses the reader's own variables",
        "elides part of the command",
        "signs the reader's own file",
        "targets the reader's receiver or server",
        "a load run (tests/load runs sms-hook load against a mock)",
        PYTHON,
    }, reasons
