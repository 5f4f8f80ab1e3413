"""`sms-hook mock` as a separate process, the way a reader or a CI job starts it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import httpx

from tests.support.server import free_port

SMS_HOOK: Final = str(Path(sys.executable).parent / "sms-hook")
"""The console script installed beside the interpreter that runs the tests."""


@contextmanager
def running_mock(args: list[str], *, cwd: Path, env: dict[str, str]) -> Iterator[str]:
    """Run `sms-hook ARGS` (a mock command) on a free port until healthy; yield its base URL.

    The value of `--port` is replaced by a free port, or `--port` is added.
    """
    args = list(args)
    port = str(free_port())
    if "--port" in args:
        args[args.index("--port") + 1] = port
    else:
        args += ["--port", port]
    log = cwd / f"mock-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [SMS_HOOK, *args], cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, f"sms-hook {' '.join(args)}: {log.read_text()}"
            assert time.monotonic() < deadline, f"sms-hook {' '.join(args)} never got healthy"
            try:
                if httpx.get(f"{base}/__admin/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
