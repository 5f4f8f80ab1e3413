"""Prism's request validation (`prism mock`, on the document) agrees with the contract."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sms_hook.contract import Contract, document_path
from tests.support.server import free_port
from tests.tools import corpus
from tests.tools.conftest import NODE_DIR, node_bin, node_env

START_TIMEOUT = 60.0


@pytest.fixture(scope="module")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`prism mock` serving the document on 127.0.0.1 and a free port; its base URL."""
    binary = node_bin("prism")
    port = free_port()
    log = tmp_path_factory.mktemp("prism") / "prism.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(binary), "mock", "-h", "127.0.0.1", "-p", str(port), str(document_path())],
            cwd=NODE_DIR,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=node_env(),
            start_new_session=True,  # its own process group: stopped with all its children
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_listening(base, process, log)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_until_listening(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            httpx.get(base + "/", timeout=1)
            return
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"prism did not start: {log.read_text()[-2000:]}") from None
            time.sleep(0.1)


def _answers(base: str, contract: Contract, bodies: list[corpus.Body]) -> dict[str, httpx.Response]:
    with httpx.Client(timeout=10) as client:
        return {
            b.name: client.post(base + contract.path, content=b.text.encode(), headers=b.headers)
            for b in bodies
        }


def test_every_example_and_vector_body_is_accepted(
    prism: str, contract: Contract, valid_bodies: list[corpus.Body]
) -> None:
    answers = _answers(prism, contract, valid_bodies)
    refused = {
        name: (r.status_code, r.headers.get("sl-violations"))
        for name, r in answers.items()
        if r.status_code != 200
    }
    assert not refused, f"prism refused valid bodies: {refused}"


def test_every_body_that_breaks_a_schema_rule_is_rejected_with_its_violations(
    prism: str, contract: Contract, invalid_bodies: list[corpus.Body]
) -> None:
    answers = _answers(prism, contract, invalid_bodies)
    # Prism answers the document's 400 and lists what it found in `sl-violations`.
    wrong = {
        name: r.status_code
        for name, r in answers.items()
        if r.status_code != 400 or "sl-violations" not in r.headers
    }
    assert not wrong, f"prism did not reject with violations: {wrong}"
