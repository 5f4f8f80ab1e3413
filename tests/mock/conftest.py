"""Fixtures for the mock receiver's tests: real uvicorn servers on 127.0.0.1 and a free port."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_server.app import Mock, create_app
from mock_server.connection import server_options
from mock_server.faults import Faults
from mock_server.settings import Settings
from sms_hook import delivery
from sms_hook.contract import Contract
from tests.support.server import free_port, serve

TEST_SECRET = "12345ABCDE"  # the documentation's published test key, the mock's default


@dataclass
class Running:
    """A mock receiver being served, with helpers to send to it and read its journal."""

    base: str
    mock: Mock
    client: httpx.Client

    @property
    def contract(self) -> Contract:
        return self.mock.contract

    @property
    def endpoint(self) -> str:
        return self.base + self.contract.path

    def send(
        self,
        body: bytes,
        *,
        secret: str = TEST_SECRET,
        timestamp: str | None = None,
        headers: Mapping[str, str] | None = None,
        drop: tuple[str, ...] = (),
    ) -> httpx.Response:
        """POST `body` signed as the platform would; `headers` override, `drop` removes."""
        request = delivery.signed_request(body, secret, timestamp=timestamp)
        sent = {k: v for k, v in request.headers.items() if k not in drop}
        sent.update(headers or {})
        return self.client.post(self.endpoint, content=body, headers=sent)

    def notify(self, notification: Mapping[str, Any], **kwargs: Any) -> httpx.Response:
        """Send a notification in the platform's canonical bytes, signed."""
        return self.send(delivery.encode(self.contract, notification), **kwargs)

    def example(self, type_name: str = "bet_result", **data: Any) -> dict[str, Any]:
        notification = self.contract.example(type_name)
        notification["data"].update(data)
        return notification

    def admin(self, path: str, **params: Any) -> Any:
        response = self.client.get(f"{self.base}/__admin{path}", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def last(self) -> dict[str, Any]:
        """The newest journal record."""
        items = self.admin("/notifications", limit=1)["items"]
        assert items, "the journal is empty"
        record: dict[str, Any] = items[0]
        return record


Start = Callable[..., Running]


@contextmanager
def _starter() -> Iterator[Start]:
    with ExitStack() as stack:

        def run(*, faults: Faults | None = None, **fields: Any) -> Running:
            fields.setdefault("journal", ":memory:")
            built = create_app(Settings(**fields), faults=faults)
            base = stack.enter_context(serve(built.app, **server_options()))
            client = stack.enter_context(httpx.Client(timeout=10))
            return Running(base, built, client)

        yield run


@pytest.fixture
def start() -> Iterator[Start]:
    """Start a mock with the given `Settings` fields (journal in memory unless given)."""
    with _starter() as run:
        yield run


@pytest.fixture(scope="module")
def receiver() -> Iterator[Running]:
    """A mock with default settings, shared by a module's tests (its journal too)."""
    with _starter() as run:
        yield run()


def send_concurrently(
    url: str, contract: Contract, *, senders: int = 8, each: int = 50, invalid_every: int = 4
) -> list[int]:
    """Post signed bet_results from parallel threads, every `invalid_every`-th one invalid (a
    boolean event_id); return the statuses received."""
    statuses: list[int] = []
    lock = threading.Lock()

    def sender(worker: int) -> None:
        with httpx.Client(timeout=10) as client:
            for i in range(each):
                notification = contract.example("bet_result")
                notification["data"]["bet_id"] = worker * 1000 + i
                if (worker + i) % invalid_every == 0:
                    notification["data"]["event_id"] = True
                body = delivery.encode(contract, notification)
                signed = delivery.signed_request(body, TEST_SECRET)
                response = client.post(url, content=body, headers=dict(signed.headers))
                with lock:
                    statuses.append(response.status_code)

    threads = [threading.Thread(target=sender, args=(w,)) for w in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def problem(response: httpx.Response) -> dict[str, Any]:
    """The problem document of a rejection, checked against the contract's Problem shape."""
    assert response.headers["content-type"] == "application/problem+json", response.text
    document: dict[str, Any] = json.loads(response.content)
    assert document["status"] == response.status_code
    assert isinstance(document["title"], str)
    assert isinstance(document["detail"], str)
    return document


COMMAND = [sys.executable, "-c", "from sms_hook.cli import main; main()", "mock"]
"""`sms-hook mock` as a user runs it, with the interpreter running the tests."""


def cli_env(**extra: str) -> dict[str, str]:
    """The test's environment without any SMS_HOOK_ variable, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMS_HOOK_")}
    env.update(extra)
    return env


@dataclass
class Process:
    """A running `sms-hook mock` process; everything it prints goes to `log`."""

    base: str
    popen: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text()


@contextmanager
def running(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Iterator[Process]:
    """Start the command, wait until its health endpoint answers, stop it afterwards."""
    port = free_port()
    log = cwd / f"mock-{port}.log"
    with log.open("wb") as sink:
        popen = subprocess.Popen(
            [*COMMAND, "--port", str(port), *args],
            cwd=cwd,
            env=env or cli_env(),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    process = Process(f"http://127.0.0.1:{port}", popen, log)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert popen.poll() is None, f"exited {popen.returncode}: {process.output()}"
            assert time.monotonic() < deadline, process.output()
            try:
                if httpx.get(process.base + "/__admin/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.02)
        yield process
    finally:
        popen.send_signal(signal.SIGTERM)
        popen.wait(timeout=15)
