"""The document's answer examples are what the mock really answers, byte for byte in JSON."""

from __future__ import annotations

import json

import httpx

from sms_hook import delivery
from sms_hook.contract import Contract, resolve


def _operation(contract: Contract) -> dict[str, object]:
    operation: dict[str, object] = contract.document["paths"][contract.path][
        contract.method.lower()
    ]
    return operation


def test_the_400_example_is_the_mocks_answer_to_a_boolean_event_id(
    mock_base: str, contract: Contract
) -> None:
    responses = _operation(contract)["responses"]
    assert isinstance(responses, dict)
    example = resolve(contract.document, responses["400"])["content"]["application/problem+json"][
        "example"
    ]
    notification = contract.example("bet_result")
    notification["data"]["event_id"] = True
    body = delivery.encode(contract, notification)
    request = delivery.signed_request(body, contract.test_key, scheme=contract.signature)
    answer = httpx.post(mock_base + contract.path, content=body, headers=dict(request.headers))
    assert answer.status_code == 400
    assert json.loads(answer.content) == example


def test_the_200_example_is_the_mocks_answer_to_a_valid_notification(
    mock_base: str, contract: Contract
) -> None:
    responses = _operation(contract)["responses"]
    assert isinstance(responses, dict)
    example = responses["200"]["content"][contract.media_type]["example"]
    body = delivery.encode(contract, contract.example("otp"))
    request = delivery.signed_request(body, contract.test_key, scheme=contract.signature)
    answer = httpx.post(mock_base + contract.path, content=body, headers=dict(request.headers))
    assert answer.status_code == 200
    assert json.loads(answer.content) == example
