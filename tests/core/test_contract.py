"""The OpenAPI document: valid, loadable by connexion, and the single source of the facts."""

from __future__ import annotations

import re

import connexion
import yaml
from openapi_spec_validator import validate

from sms_hook import contract as contract_module
from sms_hook.contract import Contract


def test_the_document_is_valid_openapi_3_0() -> None:
    document = yaml.safe_load(contract_module.document_path().read_text("utf-8"))
    assert re.fullmatch(r"3\.0\.\d", document["openapi"])
    validate(document)


def test_the_document_loads_in_connexion() -> None:
    app = connexion.AsyncApp(__name__)
    app.add_api(contract_module.document_path(), resolver=lambda _op: lambda: None)


def test_the_document_names_no_python_paths() -> None:
    text = contract_module.document_path().read_text("utf-8")
    assert "x-openapi-router-controller" not in text
    assert "operationId: receiveNotification" in text
    assert not re.search(r"operationId: \w+\.\w+", text)


def test_data_fields_come_in_the_documented_signing_order(contract: Contract) -> None:
    assert contract.field_order == {
        "otp": ("code", "msisdn"),
        "ticket_status": ("ticket_id", "status", "result"),
        "bet_result": ("ticket_id", "result", "event_id", "bet_id"),
    }


def test_every_documented_field_is_required(contract: Contract) -> None:
    assert all(f.required for t in contract.types.values() for f in t.fields)


def test_enums_are_the_documented_ones(contract: Contract) -> None:
    enums = {
        (t.name, f.name): f.schema.get("enum")
        for t in contract.types.values()
        for f in t.fields
        if "enum" in f.schema
    }
    assert enums == {
        ("ticket_status", "status"): ["open", "resulted"],
        ("ticket_status", "result"): ["pending", "won", "lost", "void"],
        ("bet_result", "result"): ["won", "lost", "void"],
    }


def test_examples_are_the_documentation_samples(contract: Contract) -> None:
    assert contract.example("otp") == {
        "type": "otp",
        "data": {"code": "1234", "msisdn": "+260977223120"},
    }
    assert contract.example("bet_result") == {
        "type": "bet_result",
        "data": {
            "ticket_id": "6549197db70d9c7f28c2a57e",
            "result": "lost",
            "event_id": 100001,
            "bet_id": 11,
        },
    }


def test_bet_result_is_marked_as_not_sent_today(contract: Contract) -> None:
    assert "not supported" in contract.types["bet_result"].description.lower()


def test_headers_and_response_come_from_the_document(contract: Contract) -> None:
    assert [h.name for h in contract.headers] == ["timestamp", "operator-name", "signature"]
    assert all(h.required for h in contract.headers)
    assert contract.success_status == 200
    assert contract.media_type == "application/json"
    assert contract.test_key == "12345ABCDE"


def test_the_document_explains_the_signature_with_the_published_vector() -> None:
    text = contract_module.document_path().read_text("utf-8")
    assert "46b1ec8d2a05129bb57c8256f2cdd3029b2cf72dbed57f0d3eedd6b156573433" in text
    assert '1706191612{"type":"otp","data":{"code":"1234","msisdn":"+260977223120"}}' in text


def test_a_document_without_an_example_per_type_is_refused() -> None:
    import copy

    import pytest

    from sms_hook.errors import ContractError

    document = copy.deepcopy(dict(contract_module.load().document))
    del document["paths"]["/notifications"]["post"]["requestBody"]["content"]["application/json"][
        "examples"
    ]["otp"]
    with pytest.raises(ContractError, match="no example for type 'otp'"):
        contract_module.parse(document)
