"""Running the senders with Locust: in this process, or as a master with worker processes.

`run` is the whole of `sms-hook load`: without workers, Locust's `LocalRunner` runs every
simulated sender here; with `--workers N` this process is Locust's master, starts N local worker
processes (`python -m sms_hook_load worker`), waits for them and for any `--remote-workers` that
connect from other machines, and spreads the senders over them. Workers ship their tallies to the
master piggy-backed on Locust's own stats reports, and a last one when they stop, so the master's
tally counts every answer exactly once.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any, Final
from urllib.parse import unquote, urlsplit, urlunsplit

import gevent
import locust.runners
from locust.env import Environment
from locust.rpc import Message

from sms_hook import contract as contract_module
from sms_hook import delivery, judge
from sms_hook.errors import SmsHookError
from sms_hook_load import summary
from sms_hook_load.progress import Progress
from sms_hook_load.settings import SECRET_ENV, LoadSettings
from sms_hook_load.tally import Tally, from_data
from sms_hook_load.traffic import Traffic
from sms_hook_load.user import NotificationSender, Shared

SETTINGS_MESSAGE: Final = "sms_hook_settings"
FINAL_MESSAGE: Final = "sms_hook_final"
REPORT_KEY: Final = "sms_hook_tally"
LOCAL_WORKER_WAIT: Final = 30.0
REMOTE_WORKER_WAIT: Final = 120.0
FINAL_WAIT: Final = 10.0
SELF_CHECK: Final = 12
FILES_RESERVE: Final = 64
"""Open files a sending process needs besides one connection per sender (Locust, logs, pipes)."""
# Workers report every second (Locust's default is 3 s) so the master's progress line is live.
locust.runners.WORKER_REPORT_INTERVAL = 1.0


class LoadError(SmsHookError):
    """Raised when the run cannot start or finish: no workers, a worker that died."""


def split_url(url: str) -> tuple[str, str, dict[str, str]]:
    """Return (scheme://host:port, path?query, headers): URL credentials become Basic auth."""
    parts = urlsplit(url)
    headers: dict[str, str] = {}
    netloc = parts.hostname or ""
    if ":" in netloc:  # an IPv6 literal
        netloc = f"[{netloc}]"
    if parts.port is not None:
        netloc += f":{parts.port}"
    if parts.username is not None:
        token = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        headers["authorization"] = "Basic " + base64.b64encode(token).decode()
    base = urlunsplit((parts.scheme, netloc, "", "", ""))
    path = urlunsplit(("", "", parts.path or "/", parts.query, ""))
    return base, path, headers


def ensure_open_files(users: int) -> None:
    """Raise the open-file limit for `users` connections, or refuse: a sender that runs out of
    file descriptors would report its own failures as the receiver's dropped connections."""
    needed = users + FILES_RESERVE
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        raised = needed if hard == resource.RLIM_INFINITY else min(hard, needed)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft != resource.RLIM_INFINITY and soft < needed:
        raise LoadError(
            f"--users: {users} senders in one process need {needed} open files, the limit is "
            f"{soft} (ulimit -n); use fewer --users or more --workers"
        )


def prepare(settings: LoadSettings, secret: str, *, budget: int) -> Shared:
    """Everything one sending process needs, after checking that what it sends is valid."""
    ensure_open_files(settings.users_per_process)
    contract = contract_module.load()
    _, path, extra_headers = split_url(settings.url)
    shared = Shared(settings, contract, secret, path, budget, extra_headers)
    # The judge of the contract must accept what we send, or every "break" would be our own.
    referee = judge.Judge(contract, secret)
    stream = Traffic(contract, settings.types)
    for _ in range(SELF_CHECK):
        outgoing = next(stream)
        signed = delivery.signed_request(
            outgoing.body, secret, operator_name=settings.operator_name, scheme=contract.signature
        )
        verdict = referee.judge(signed.headers, outgoing.body)
        if verdict.expect is not judge.Expect.ACCEPT:
            reasons = "; ".join(str(f) for f in verdict.findings)
            raise LoadError(f"internal error: a generated {outgoing.type} is not valid ({reasons})")
    return shared


def _environment(settings: LoadSettings) -> Environment:
    base, _, _ = split_url(settings.url)
    NotificationSender.host = base
    return Environment(
        user_classes=[NotificationSender], host=base, stop_timeout=settings.timeout + 1
    )


def run(settings: LoadSettings, secret: str) -> dict[str, Any]:
    """Run the load as asked and return the report (`summary.summarise`)."""
    per_user = settings.rate / settings.user_count
    env = _environment(settings)
    notes: list[str] = []
    if not settings.workers and not settings.remote_workers:
        shared = prepare(settings, secret, budget=settings.budget)
        NotificationSender.configure(shared, per_user)
        runner: locust.runners.Runner = env.create_local_runner()
        elapsed = _drive(runner, settings, lambda: shared.tally, shared)
        tally = shared.tally
    else:
        prepare(settings, secret, budget=0)  # the self-check, before any worker starts
        NotificationSender.configure(Shared(settings, contract_module.load(), "", "/", 0), per_user)
        tally = Tally()
        with _master(env, settings, secret, tally) as master:
            elapsed = _drive(master, settings, lambda: tally, None)
    return summary.summarise(settings, tally, elapsed, notes)


def cpu_seconds() -> float:
    """CPU time (user + system) this process has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _drive(
    runner: locust.runners.Runner,
    settings: LoadSettings,
    live: Any,
    shared: Shared | None,
) -> float:
    progress = Progress(settings.duration, settings.rate)
    started = time.time()
    if shared is not None:
        shared.started_at = started
        shared.cpu_at_start = cpu_seconds()
    users = settings.user_count
    runner.start(users, spawn_rate=users)
    deadline = started + settings.duration
    while (now := time.time()) < deadline:
        gevent.sleep(min(1.0, deadline - now))
        progress.update(time.time() - started, live())
    elapsed = time.time() - started
    runner.stop()
    if shared is not None:
        shared.tally.cpu_seconds += cpu_seconds() - shared.cpu_at_start
    progress.finish()
    if not isinstance(runner, locust.runners.MasterRunner):
        runner.quit()
    return elapsed


@contextlib.contextmanager
def _master(
    env: Environment, settings: LoadSettings, secret: str, tally: Tally
) -> Iterator[locust.runners.MasterRunner]:
    port = settings.master_port
    master = env.create_master_runner(settings.master_bind, port)
    finals: set[str] = set()

    def on_report(client_id: str, data: dict[str, Any]) -> None:
        if REPORT_KEY in data:
            tally.merge(from_data(data[REPORT_KEY]))

    def on_final(environment: Environment, msg: Message, **_: Any) -> None:
        tally.merge(from_data(msg.data))
        finals.add(msg.node_id)

    _listen(env.events.worker_report, on_report)
    master.register_message(FINAL_MESSAGE, on_final)
    workers = [_spawn_worker(port, secret) for _ in range(settings.workers)]
    try:
        expected = settings.workers + settings.remote_workers
        wait = REMOTE_WORKER_WAIT if settings.remote_workers else LOCAL_WORKER_WAIT
        deadline = time.monotonic() + wait
        while len(master.clients.ready) < expected:
            dead = [w for w in workers if w.poll() is not None]
            if dead:
                raise LoadError(f"a worker process exited with code {dead[0].returncode}")
            if time.monotonic() > deadline:
                raise LoadError(
                    f"{len(master.clients.ready)} of {expected} workers connected to "
                    f"{settings.master_bind}:{port} within {wait:g} s"
                )
            gevent.sleep(0.05)
        ready = list(master.clients.ready)
        budget = settings.budget
        for index, client in enumerate(ready):
            share = budget // len(ready) + (1 if index < budget % len(ready) else 0)
            master.send_message(
                SETTINGS_MESSAGE,
                {"settings": settings.to_json(), "budget": share},
                client_id=client.id,
            )
        yield master
        deadline = time.monotonic() + settings.timeout + FINAL_WAIT
        while len(finals) < len(ready) and time.monotonic() < deadline:
            gevent.sleep(0.05)
        if len(finals) < len(ready):
            raise LoadError(
                f"{len(ready) - len(finals)} of {len(ready)} workers "
                "did not report their last answers"
            )
    finally:
        master.quit()
        for worker in workers:
            try:
                worker.wait(10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


def _spawn_worker(port: int, secret: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-m", "sms_hook_load", "worker", "--master-port", str(port)],
        stdin=subprocess.DEVNULL,
        env={**os.environ, SECRET_ENV: secret},
    )


def run_worker(master_host: str, master_port: int, secret: str) -> None:
    """Be one of a master's workers until it says quit (the secret is this machine's own)."""
    env = Environment(user_classes=[NotificationSender], stop_timeout=1.0)
    worker = env.create_worker_runner(master_host, master_port)
    state: dict[str, Shared] = {}

    def on_settings(environment: Environment, msg: Message, **_: Any) -> None:
        settings = LoadSettings.from_json(msg.data["settings"])
        shared = prepare(settings, secret, budget=int(msg.data["budget"]))
        base = split_url(settings.url)[0]
        NotificationSender.host = base
        environment.host = base
        environment.stop_timeout = settings.timeout + 1
        NotificationSender.configure(shared, settings.rate / settings.user_count)
        state["shared"] = shared
        shared.cpu_at_start = cpu_seconds()

    def on_report(client_id: str, data: dict[str, Any]) -> None:
        if "shared" in state:
            data[REPORT_KEY] = state["shared"].tally.drain()

    def on_stop(environment: Environment, **_: Any) -> None:
        if "shared" in state:
            shared = state["shared"]
            shared.tally.cpu_seconds += cpu_seconds() - shared.cpu_at_start
            worker.send_message(FINAL_MESSAGE, shared.tally.drain())
        # Every user has stopped; Locust would now idle for stop_timeout before saying "ready".
        environment.stop_timeout = 0

    worker.register_message(SETTINGS_MESSAGE, on_settings)
    _listen(env.events.report_to_master, on_report)
    _listen(env.events.test_stop, on_stop)
    assert worker.greenlet is not None
    worker.greenlet.join()


def _listen(hook: Any, listener: Any) -> None:
    # Locust's EventHook.add_listener is not annotated; this keeps mypy strict everywhere else.
    hook.add_listener(listener)


class _OneLine(logging.Formatter):
    """Locust's log records as one line each, never with a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        first = record.getMessage().strip().splitlines()[0] if record.getMessage().strip() else ""
        return f"sms-hook load: locust: {first}"


def _wanted(record: logging.LogRecord) -> bool:
    # All senders start within a second on purpose (a short run has no time for a ramp).
    return "spawn rate is very high" not in record.getMessage()


def quiet_logging() -> None:
    """Show Locust's warnings (a saturated CPU, lost workers) as single lines on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine())
    handler.addFilter(_wanted)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
