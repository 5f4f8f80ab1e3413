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
    """Run `sms-hook ARGS`; kill it after `limit` s; measure its peak RSS (VmHWM, polled).

    Arguments may be bytes, so that a test can pass what a shell passes (bytes that are not
    UTF-8). The peak is the kernel's high-water mark of the process's own memory (VmHWM in
    /proc/PID/status, read every 20 ms until it exits): `ru_maxrss` would count this test
    process too, since Linux carries the forked copy's size across exec.
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
    peak = [0]
    watcher = threading.Thread(target=_watch, args=(process.pid, peak), daemon=True)
    watcher.start()
    try:
        _, status, _usage = os.wait4(process.pid, 0)
    finally:
        timer.cancel()
    watcher.join(timeout=5)
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
        peak[0] / 1024,
        killed.is_set(),
    )


def _watch(pid: int, peak: list[int]) -> None:
    """Keep in `peak[0]` the largest VmHWM (KiB) of `pid` seen until it is gone."""
    status = Path(f"/proc/{pid}/status")
    while True:
        try:
            text = status.read_text()
        except OSError:
            return
        for line in text.splitlines():
            if line.startswith("VmHWM:"):
                peak[0] = max(peak[0], int(line.split()[1]))
        if "State:\tZ" in text:
            return
        time.sleep(0.02)
