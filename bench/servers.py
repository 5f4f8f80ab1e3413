"""Servers under test, each in its own process group on 127.0.0.1 and a free port.

A server is started, polled until it answers (never slept for), and always stopped: SIGTERM to
its whole process group (uvicorn's workers included), SIGKILL if it is still there after a grace
period. Its CPU time is summed over the group (`cpu.group_seconds`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import cpu
import httpx

START_TIMEOUT: Final = 30.0
STOP_GRACE: Final = 10.0
_POLL: Final = 0.02


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True, slots=True)
class Server:
    """A running server: its name, base URL, command line, process and log file."""

    name: str
    port: int
    command: tuple[str, ...]
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system) used so far by every process of the server's group."""
        return cpu.group_seconds(self.process.pid)

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


@contextlib.contextmanager
def started(
    name: str,
    command: list[str],
    *,
    port: int,
    ready_path: str,
    log: Path,
    env: dict[str, str] | None = None,
) -> Iterator[Server]:
    """Start `command` in a new process group, wait until GET `ready_path` answers, then yield."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
    server = Server(name, port, tuple(command), process, log)
    try:
        _wait_ready(server, ready_path)
        yield server
    finally:
        stop(process)


def _wait_ready(server: Server, ready_path: str) -> None:
    url = server.base_url + ready_path
    attempts = int(START_TIMEOUT / _POLL)
    with httpx.Client(timeout=2.0) as client:
        for _ in range(attempts):
            try:
                answer = client.get(url)
            except httpx.TransportError:
                pass
            else:
                if answer.status_code < 500:
                    return
            # Waiting on the process doubles as the pause between polls and the liveness check.
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = server.process.wait(_POLL)
                raise RuntimeError(
                    f"{server.name} exited with code {code} before it answered:\n"
                    f"{server.log_tail()}"
                )
    raise RuntimeError(
        f"{server.name} did not answer GET {url} within {START_TIMEOUT:g} s:\n{server.log_tail()}"
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process started with `start_new_session`, and everything in its group."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            continue
        # The leader is gone; kill any worker it left behind.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        return
