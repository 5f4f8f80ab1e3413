"""`--workers N`: Locust's master and N local worker processes; every answer counted once."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from sms_hook import signing
from tests.load.conftest import load
from tests.receivers.asgi import RECEIVER_PATH, PlainApp, Response
from tests.support.server import serve

pytestmark = pytest.mark.slow


class _Counting:
    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.accepted = 0

    async def __call__(self, headers: Mapping[str, str], body: bytes) -> Response:
        signing.verify(self.secret, headers, body)
        self.accepted += 1
        return Response.json(200, {"message": "ok"})


def test_two_workers_share_the_load_and_the_master_counts_every_answer_once(
    tmp_path: Path, secret: str
) -> None:
    receiver = _Counting(secret)
    with serve(PlainApp(receiver)) as base:
        run = load(
            base + RECEIVER_PATH,
            "--rate=60",
            "--duration=2",
            "--workers=2",
            "--max-requests=100",
            tmp_path=tmp_path,
        )

    assert run.code == 0, run.err + run.out
    report = run.report
    assert report["processes"] == 2
    assert report["requests"]["answered"] == receiver.accepted > 0
    assert report["requests"]["answered"] <= 100
    assert "Traceback" not in run.err


def test_a_worker_started_elsewhere_joins_the_master_as_the_docs_show(
    tmp_path: Path, secret: str
) -> None:
    import os
    import subprocess
    import sys

    from tests.support.server import free_port

    receiver = _Counting(secret)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMS_HOOK_")}
    # `python -m sms_hook_load worker` on "another machine": its own process and its own secret.
    worker = subprocess.Popen(
        [sys.executable, "-m", "sms_hook_load", "worker", "--master-port", str(port)],
        env={**env, "SMS_HOOK_SECRET": secret},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with serve(PlainApp(receiver)) as base:
            run = load(
                base + RECEIVER_PATH,
                "--rate=30",
                "--duration=1",
                "--remote-workers=1",
                f"--master-port={port}",
                tmp_path=tmp_path,
                env={"SMS_HOOK_SECRET": secret},
            )
        _, worker_err = worker.communicate(timeout=30)
    finally:
        worker.kill()
    assert run.code == 0, run.err + run.out
    assert run.report["requests"]["answered"] == receiver.accepted > 0
    assert worker.returncode == 0, worker_err
    assert "Traceback" not in worker_err
