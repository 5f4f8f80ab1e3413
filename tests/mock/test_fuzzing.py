"""schemathesis, fed the contract document, against the mock over real HTTP.

The claims: no input gets a 5xx, every rejection is a problem document, and nothing the mock
accepts is invalid — each accepted request is judged again, independently of the mock.

Signing follows the case (stack notes: a signer that blindly adds headers turns schemathesis's
"missing signature" cases into valid requests): a `timestamp` or `signature` the case meant to
send well-formed is replaced by a fresh timestamp and the signature of the exact bytes sent; one
it meant to send missing or malformed is sent as the case has it.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from sms_hook import contract as contract_module
from sms_hook import signing
from sms_hook.judge import Judge
from sms_hook.response import acceptance_problems
from tests.mock.conftest import TEST_SECRET, Running, problem

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")


@pytest.fixture(scope="module")
def operation() -> Any:
    schema = schemathesis.openapi.from_path(contract_module.document_path())
    return schema["/notifications"]["POST"]


@pytest.fixture
def outcomes() -> dict[str, int]:
    return {"accepted": 0, "rejected": 0}


def _request(case: Any) -> tuple[dict[str, str], bytes] | None:
    """The headers and exact body bytes to send for a case, signed as the case intends."""
    headers = {str(k).lower(): str(v) for k, v in (case.headers or {}).items()}
    if any(not v.isascii() or v != v.strip() for v in headers.values()):
        return None  # HTTP cannot carry it as generated; nothing to learn about the mock
    body = _encode(case.body)
    headers["content-type"] = case.media_type or "application/json"
    if _TIMESTAMP.fullmatch(headers.get("timestamp", "")):
        headers["timestamp"] = str(int(time.time()))
    if "timestamp" in headers and _SIGNATURE.fullmatch(headers.get("signature", "")):
        headers["signature"] = signing.sign(TEST_SECRET, headers["timestamp"], body)
    return headers, body


def _encode(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    if type(value).__name__ == "NotSet":
        return b""
    try:
        if isinstance(value, dict):
            return signing.canonical_body(value, contract_module.load().field_order)
        return json.dumps(
            value, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode()
    except ValueError:  # NaN or Infinity: send it as written, the mock must reject it
        return json.dumps(value, separators=(",", ":")).encode()


def _check(running: Running, case: Any, outcomes: dict[str, int]) -> None:
    prepared = _request(case)
    if prepared is None:
        return
    headers, body = prepared
    response = running.client.post(running.endpoint, content=body, headers=headers)
    shown = f"{headers} {body[:300]!r} -> {response.status_code} {response.text[:300]}"
    assert response.status_code < 500, shown
    if response.status_code == 200:
        outcomes["accepted"] += 1
        judgement = Judge(running.contract, TEST_SECRET).judge(headers, body)
        assert judgement.findings == [], f"accepted invalid: {judgement.findings} {shown}"
        assert acceptance_problems(running.contract, 200, response.headers, response.content) == []
    else:
        outcomes["rejected"] += 1
        assert 400 <= response.status_code < 500, shown
        problem(response)


def test_coverage_cases_get_no_5xx_and_nothing_invalid_is_accepted(
    receiver: Running, operation: Any, outcomes: dict[str, int]
) -> None:
    schema = operation.schema
    cases = list(
        schema.iter_coverage_cases(
            operation,
            generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
            generation_config=schema.config.generation_for(operation=operation),
        )
    )
    assert len(cases) > 50
    for case in cases:
        _check(receiver, case, outcomes)
    assert outcomes["accepted"] > 0  # the harness does send valid notifications
    assert outcomes["rejected"] > outcomes["accepted"]


def test_generated_cases_get_no_5xx_and_nothing_invalid_is_accepted(
    receiver: Running, operation: Any, outcomes: dict[str, int]
) -> None:
    strategy = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=strategy)
    @settings(
        max_examples=150,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: Any) -> None:
        _check(receiver, case, outcomes)

    fuzz()
    assert outcomes["accepted"] > 0  # positive cases do get through
