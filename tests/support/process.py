"""Running the installed `sms-hook` as a real process, with its wall time and peak memory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

SCRIPT: Final = Path(sys.executable).parent / "sms-hook"


@dataclass(frozen=True, slots=True)
class Finished:
    """How a process ended: exit code, output, wall seconds and peak resident memory."""

    code: int
    stdout: bytes
    stderr: bytes
    seconds: float
    peak_rss_mb: float
    killed: bool
    """True: it was still running at the time limit and was killed."""

    @property
    def err(self) -> str:
        return self.stderr.decode("utf-8", errors="backslashreplace")


def run(
    *args: str | bytes, limit: float, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Finished:
    """Run `sms-hook ARGS`; kill it after `limit` s; measure its peak RSS (VmHWM after exec).

    Arguments may be bytes, so that a test can pass what a shell passes (bytes that are not
    UTF-8). The peak is the kernel's high-water mark of the process's own memory since it
    exec'd, sampled until it exits: `ru_maxrss` from `wait4` would also count the pages the
    child shared with this (large) test process between fork and exec.
    """
    started = time.monotonic()
    process = subprocess.Popen(
        [os.fsencode(SCRIPT), *(a if isinstance(a, bytes) else a.encode() for a in args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )
    out: list[bytes] = []
    err: list[bytes] = []
    readers = [
        threading.Thread(target=lambda: out.append(process.stdout.read()), daemon=True),  # type: ignore[union-attr]
        threading.Thread(target=lambda: err.append(process.stderr.read()), daemon=True),  # type: ignore[union-attr]
    ]
    for reader in readers:
        reader.start()
    killed = threading.Event()

    def kill() -> None:
        killed.set()
        process.send_signal(signal.SIGKILL)

    timer = threading.Timer(limit, kill)
    timer.start()
    peak = _HighWater(process.pid)
    peak.start()
    try:
        _, status, _ = os.wait4(process.pid, 0)
    finally:
        timer.cancel()
        peak.stop()
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    for reader in readers:
        reader.join(timeout=10)
    for pipe in (process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()
    return Finished(
        process.returncode,
        b"".join(out),
        b"".join(err),
        seconds,
        peak.kib / 1024,
        killed.is_set(),
    )


class _HighWater(threading.Thread):
    """Samples a process's VmHWM (peak resident set since its exec) until it is stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.status = Path(f"/proc/{pid}/status")
        self.kib = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self._sample()
            self._done.wait(0.01)

    def stop(self) -> None:
        self._done.set()
        self.join(timeout=5)

    def _sample(self) -> None:
        try:
            text = self.status.read_text()
        except OSError:  # gone (a zombie keeps /proc/PID but drops its memory lines)
            return
        for line in text.splitlines():
            if line.startswith("VmHWM:"):
                self.kib = max(self.kib, int(line.split()[1]))
