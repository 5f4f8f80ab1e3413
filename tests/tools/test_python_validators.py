"""python-jsonschema, openapi-core and datamodel-code-generator's pydantic models agree with the
contract on every example, every vector body and every schema rule."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from sms_hook.contract import Contract, document_path
from tests.tools import corpus
from tests.tools.conftest import python_tool

Judge = Callable[[corpus.Body], "str | None"]
"""Returns None for an accepted body, else the tool's reason."""


def _document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(document_path().read_text("utf-8"))
    return loaded


def _jsonschema(contract: Contract) -> Judge:
    python_tool("jsonschema", "jsonschema")
    import jsonschema

    # The extracted schema: the request body's, with the components it refers to beside it.
    # OpenAPI 3.0's schema object is JSON Schema draft 4/5 plus annotations (`example`).
    document = _document()
    operation = document["paths"][contract.path][contract.method.lower()]
    schema = {
        **operation["requestBody"]["content"][contract.media_type]["schema"],
        "components": document["components"],
    }
    validator = jsonschema.Draft4Validator(schema)

    def judge(body: corpus.Body) -> str | None:
        error = jsonschema.exceptions.best_match(validator.iter_errors(json.loads(body.text)))
        return None if error is None else error.message

    return judge


def _openapi_core(contract: Contract) -> Judge:
    python_tool("openapi_core", "openapi-core")
    from openapi_core import OpenAPI
    from openapi_core.testing import MockRequest

    api = OpenAPI.from_dict(_document())

    def judge(body: corpus.Body) -> str | None:
        request = MockRequest(
            "http://127.0.0.1",
            contract.method.lower(),
            contract.path,
            headers=body.headers,
            data=body.text.encode(),
            content_type=contract.media_type,
        )
        try:
            api.validate_request(request)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        return None

    return judge


def generated_models(tmp: Path, *options: str) -> ModuleType:
    """Run datamodel-code-generator on the document as a partner would; import the models."""
    python_tool("datamodel_code_generator", "datamodel-code-generator")
    output = tmp / f"models{abs(hash(options))}.py"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "datamodel_code_generator",
            "--input",
            str(document_path()),
            "--input-file-type",
            "openapi",
            "--output-model-type",
            "pydantic_v2.BaseModel",
            "--formatters",
            "black",
            *options,
            "--output",
            str(output),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    spec = importlib.util.spec_from_file_location(output.stem, output)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[output.stem] = module  # pydantic resolves the postponed annotations through it
    spec.loader.exec_module(module)
    return module


STRICT = ("--strict-types", "str", "int", "float", "bool")
"""What docs/partners.md recommends: JSON's types, not Python's coercions."""


def _pydantic(tmp: Path) -> Judge:
    models = generated_models(tmp, *STRICT)

    def judge(body: corpus.Body) -> str | None:
        try:
            models.Notification.model_validate_json(body.text)
        except ValueError as exc:  # pydantic.ValidationError is a ValueError
            return str(exc).splitlines()[0]
        return None

    return judge


TOOLS = ("python-jsonschema", "openapi-core", "pydantic (datamodel-code-generator --strict-types)")


@pytest.fixture(scope="module", params=TOOLS)
def judge(
    request: pytest.FixtureRequest, contract: Contract, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Judge]:
    tool = str(request.param)
    if tool == "python-jsonschema":
        return tool, _jsonschema(contract)
    if tool == "openapi-core":
        return tool, _openapi_core(contract)
    return tool, _pydantic(tmp_path_factory.mktemp("models"))


def test_every_example_and_vector_body_is_accepted(
    judge: tuple[str, Judge], valid_bodies: list[corpus.Body]
) -> None:
    tool, decide = judge
    refused = {b.name: reason for b in valid_bodies if (reason := decide(b)) is not None}
    assert not refused, f"{tool} refused valid bodies: {refused}"


def test_every_body_that_breaks_a_schema_rule_is_rejected(
    judge: tuple[str, Judge], invalid_bodies: list[corpus.Body]
) -> None:
    tool, decide = judge
    accepted = [b.name for b in invalid_bodies if decide(b) is None]
    assert not accepted, f"{tool} accepted invalid bodies: {accepted}"


def test_generated_models_without_strict_types_coerce_strings_and_booleans_to_integers(
    contract: Contract, tmp_path: Path
) -> None:
    # Why docs/partners.md says --strict-types: pydantic's lax default turns "100001" and true
    # into integers, so such a receiver answers 200 where the contract requires a 4xx.
    models = generated_models(tmp_path)
    for value, coerced in (("100001", 100001), (True, 1)):
        notification = contract.example("bet_result")
        notification["data"]["event_id"] = value
        parsed = models.Notification.model_validate_json(json.dumps(notification))
        event_id = parsed.root.data.event_id
        assert type(event_id) is int, (value, event_id)  # True == 1, but True is no coercion
        assert event_id == coerced, (value, event_id)
