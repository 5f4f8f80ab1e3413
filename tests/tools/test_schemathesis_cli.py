"""schemathesis's own CLI, all its checks, against the mock: no failure; against a defect: found.

Two rows of the contract's table leave the receiver a choice that a JSON schema cannot: extra
fields ("accepted or rejected") and integers beyond ±(2^53−1) ("200 or 4xx"). The document
leaves them open, so schemathesis's `positive_data_acceptance` would demand that a receiver
accept both. The mock takes the strict side, so schemathesis runs on the document with those two
choices closed the way the mock takes them (`additionalProperties: false`, integer bounds); its
negative phase then also proves that the mock rejects extra fields and huge integers.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from mock_server.app import create_app
from mock_server.settings import Settings
from sms_hook.contract import Contract, resolve
from sms_hook.judge import SAFE_INTEGER
from tests.support.server import serve
from tests.tools.conftest import python_tool

HOOK_DIR = Path(__file__).resolve().parent
SEED = "1"


def strict_document(contract: Contract, tmp: Path) -> Path:
    """The document with the receiver's two open choices closed as the mock closes them."""
    document = copy.deepcopy(dict(contract.document))
    for t in contract.types.values():
        variant = resolve(document, {"$ref": t.schema_ref})
        variant["additionalProperties"] = False
        data = resolve(document, variant["properties"]["data"])
        data["additionalProperties"] = False
        for prop in data["properties"].values():
            if prop.get("type") == "integer":
                prop.update(minimum=-SAFE_INTEGER, maximum=SAFE_INTEGER)
    written = tmp / "sms-notifications.strict.yaml"
    written.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), "utf-8")
    return written


def st_run(
    base: str, contract: Contract, tmp: Path, *options: str
) -> subprocess.CompletedProcess[str]:
    """`st run` with every check, signing through the project's hook."""
    python_tool("schemathesis", "schemathesis")
    document = strict_document(contract, tmp)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(HOOK_DIR), os.environ.get("PYTHONPATH", "")]),
        "SCHEMATHESIS_HOOKS": "schemathesis_signing_hook",
        "SMS_HOOK_DOCUMENT": str(document),
        "SMS_HOOK_SECRET": contract.test_key,
        "NO_COLOR": "1",
    }
    return subprocess.run(
        [
            *(sys.executable, "-m", "schemathesis.cli", "run", str(document)),
            *("--url", base, "--checks", "all", "--seed", SEED, "--workers", "1"),
            *("--report", "junit", "--report-dir", str(tmp)),
            *options,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp,
        check=False,
    )


def test_schemathesis_finds_no_failure_in_the_mock_with_every_check(
    mock_base: str, contract: Contract, tmp_path: Path
) -> None:
    done = st_run(mock_base, contract, tmp_path)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "No issues found" in done.stdout
    # The hook's signatures were good: every type arrived and was accepted.
    records = httpx.get(f"{mock_base}/__admin/notifications", params={"limit": 1000}).json()
    accepted = {r.get("type") for r in records["items"] if r.get("status") == 200}
    assert set(contract.types) <= accepted, accepted


class AcceptsBooleanEventId:
    """The mock with exactly one defect: a `bet_result` whose `event_id` is a boolean gets 200."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        try:
            data = json.loads(body).get("data", {})
        except (ValueError, AttributeError):
            data = {}
        if isinstance(data, dict) and isinstance(data.get("event_id"), bool):
            answer = b'{"message":"Notification received"}'
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(answer)),
            ]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": answer})
            return
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


@pytest.fixture
def defective_base() -> Iterator[str]:
    """The mock, but accepting `true` or `false` for `event_id`."""
    built = create_app(Settings(journal=":memory:"))
    with serve(AcceptsBooleanEventId(built.app)) as base:
        yield base


def test_schemathesis_with_the_hook_reports_a_mock_that_accepts_a_boolean_event_id(
    defective_base: str, contract: Contract, tmp_path: Path
) -> None:
    # The no-failure run above means something only if the same run finds a real defect.
    # The coverage phase alone sends the boolean (a type mutation of an integer); it is quick.
    done = st_run(defective_base, contract, tmp_path, "--phases", "examples,coverage")
    assert done.returncode != 0
    assert "Schema-violating request accepted" in done.stdout, done.stdout[-4000:]
    assert re.search(r'"event_id": (true|false)', done.stdout), done.stdout[-4000:]
