"""How long `sms-hook mock --workers 2`'s workers outlive a supervisor killed with kill -9.

    python bench/orphan_exit.py [--runs 5] [--connections 8]

Each run starts the mock with two workers and a file journal, waits until it answers, puts it
in one state, kills the supervisor with SIGKILL, and times (polling /proc every 5 ms) until
every worker is gone and until the port stops answering. The states:

    idle      nothing connected
    loaded    `--connections` keep-alive senders posting signed notifications without pause
    streams   the same, plus two admin-page event streams open (they stay open by design)

The same run also times the ordinary stop (SIGTERM to the supervisor, which stops its workers
itself) in the `loaded` state, as the baseline an orphaned worker's exit is compared with, and
in the `streams` state.
Linux only (it reads /proc).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import httpx
import servers
import targets

from sms_hook import contract as contract_module
from sms_hook import delivery

SECRET: Final = "bench-secret-not-the-test-key"
POLL: Final = 0.005
GIVE_UP: Final = 30.0
STATES: Final = ("idle", "loaded", "streams")


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][:1]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; it waits for its new parent to reap it


def _answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2) as s:
        s.sendall(b"GET /__admin/health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        s.settimeout(0.2)
        return s.recv(12).startswith(b"HTTP/1.1")
    return False


class _Senders:
    """Keep-alive clients posting signed notifications until stopped; errors are expected
    once the server goes away."""

    def __init__(self, url: str, connections: int) -> None:
        contract = contract_module.load()
        self.body = delivery.encode(contract, contract.example("bet_result"))
        self.scheme = contract.signature
        self.url = url
        self.stop = threading.Event()
        self.sent = 0
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(connections)]

    def _run(self) -> None:
        with httpx.Client(timeout=2.0) as client:
            while not self.stop.is_set():
                request = delivery.signed_request(self.body, SECRET, scheme=self.scheme)
                try:
                    client.post(self.url, content=request.body, headers=dict(request.headers))
                    self.sent += 1
                except httpx.HTTPError:
                    time.sleep(0.01)

    def __enter__(self) -> _Senders:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=5)


@contextlib.contextmanager
def _streams(base: str, count: int) -> Iterator[None]:
    """Open `count` event streams (what an open admin page holds) and keep reading them."""
    stop = threading.Event()

    def read() -> None:
        url = base + "/__admin/notifications/stream"
        with (
            contextlib.suppress(httpx.HTTPError),
            httpx.Client(timeout=None) as client,
            client.stream("GET", url) as response,
        ):
            for _ in response.iter_bytes():
                if stop.is_set():
                    return

    threads = [threading.Thread(target=read, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)  # let the streams be accepted before the kill
    try:
        yield
    finally:
        stop.set()


def _start(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = servers.free_port()
    command = [
        *targets.sms_hook_command(), "mock", "--port", str(port), "--workers", "2",
        "--journal", str(folder / "journal.db"), "--secret", SECRET,
    ]  # fmt: skip
    with (folder / "mock.log").open("ab") as log:  # the child keeps its own descriptor
        process = subprocess.Popen(command, stdout=log, stderr=log, cwd=folder)
    deadline = time.monotonic() + servers.START_TIMEOUT
    while not (_answers(port) and len(_children(process.pid)) >= 2):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            sys.exit(f"the mock did not start; see {folder / 'mock.log'}")
        time.sleep(0.05)
    return process, port


def _one(state: str, connections: int, *, graceful: bool = False) -> tuple[float, float, int]:
    """Return (seconds until every worker is gone, until the port is silent, requests sent)."""
    with tempfile.TemporaryDirectory(prefix="orphan-") as tmp:
        process, port = _start(Path(tmp))
        base = f"http://127.0.0.1:{port}"
        workers = _children(process.pid)
        load = _Senders(base + contract_module.load().path, connections if state != "idle" else 0)
        with load, _streams(base, 2 if state == "streams" else 0):
            time.sleep(1.0)
            started = time.monotonic()
            process.send_signal(signal.SIGTERM if graceful else signal.SIGKILL)
            silent = gone = None
            while time.monotonic() - started < GIVE_UP:
                now = time.monotonic() - started
                if silent is None and not _answers(port):
                    silent = now
                if gone is None and not any(_alive(w) for w in workers):
                    gone = now
                if gone is not None and silent is not None:
                    break
                time.sleep(POLL)
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait(timeout=10)
        return (gone or GIVE_UP), (silent or GIVE_UP), load.sent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if not Path("/proc/self/task").is_dir():
        print("orphan_exit: needs Linux's /proc; skipped")
        return 0
    rows = [(f"kill -9, {s}", s, False) for s in STATES]
    rows += [("SIGTERM (baseline), loaded", "loaded", True), ("SIGTERM, streams", "streams", True)]
    measured: dict[str, list[tuple[float, float, int]]] = {name: [] for name, _, _ in rows}
    for _ in range(args.runs):
        for name, state, graceful in rows:  # interleaved, so drift hits every row alike
            measured[name].append(_one(state, args.connections, graceful=graceful))
    baseline = statistics.median(g for g, _, _ in measured["SIGTERM (baseline), loaded"])
    print(f"workers 2, {args.runs} runs each, {args.connections} senders when loaded")
    print(
        "| supervisor stopped by | workers gone, median s | max s | port silent, median s ", end=""
    )
    print("| vs baseline |")
    print("|---|---:|---:|---:|---:|")
    for name, _, _ in rows:
        gone = [g for g, _, _ in measured[name]]
        silent = [s for _, s, _ in measured[name]]
        ratio = statistics.median(gone) / baseline if baseline else float("nan")
        print(
            f"| {name} | {statistics.median(gone):.2f} | {max(gone):.2f} | "
            f"{statistics.median(silent):.2f} | {ratio:.2f}× |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
