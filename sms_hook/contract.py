"""The contract: the OpenAPI document, loaded once, and the facts code reads from it.

Everything the code knows about notifications — types, fields and their order, enums, examples,
headers, the notification path — comes from `openapi/sms-notifications.yaml`. Nothing here
restates it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final

import yaml

from sms_hook.errors import ContractError

CONTRACT_FILE: Final = "sms-notifications.yaml"
ADMIN_FILE: Final = "admin.yaml"
VECTORS_FILE: Final = "signing-vectors.json"


def document_dir() -> Path:
    """Return the folder that holds the OpenAPI documents (inside the installed package)."""
    packaged = Path(str(resources.files("sms_hook"))) / "openapi"
    if packaged.is_dir():
        return packaged
    # An editable install or a bare checkout: the documents live at the top of the repository.
    checkout = Path(__file__).resolve().parent.parent / "openapi"
    if checkout.is_dir():
        return checkout
    raise ContractError(f"the OpenAPI documents were found neither in {packaged} nor in {checkout}")


def document_path(name: str = CONTRACT_FILE) -> Path:
    """Return the path of one of the shipped documents."""
    return document_dir() / name


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a notification type's `data`, with its (resolved) schema."""

    name: str
    schema: Mapping[str, Any]
    required: bool


@dataclass(frozen=True, slots=True)
class NotificationType:
    """One notification type: its `data` fields in signing order and its example."""

    name: str
    fields: tuple[Field, ...]
    example: Mapping[str, Any]
    description: str

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


@dataclass(frozen=True, slots=True)
class Header:
    """One request header of the notification operation."""

    name: str
    required: bool
    schema: Mapping[str, Any]


@dataclass(frozen=True)
class Contract:
    """The facts of the notification endpoint, read from the OpenAPI document."""

    document: Mapping[str, Any]
    path: str
    method: str
    operation_id: str
    types: Mapping[str, NotificationType]
    headers: tuple[Header, ...]
    success_status: int
    media_type: str

    @property
    def field_order(self) -> dict[str, tuple[str, ...]]:
        """Map each type to its `data` field names in signing order."""
        return {name: t.field_names for name, t in self.types.items()}

    @property
    def test_key(self) -> str:
        """The documentation's published test secret."""
        return str(self.document["info"]["x-sms-hook"]["secret-test-key"])

    @property
    def tolerance(self) -> int:
        """The default timestamp tolerance in seconds."""
        return int(self.document["info"]["x-sms-hook"]["signature-tolerance-seconds"])

    def example(self, type_name: str) -> dict[str, Any]:
        """Return a fresh copy of the document's example notification for a type."""
        if type_name not in self.types:
            raise ContractError(
                f"type: {type_name!r} is not a notification type "
                f"(the contract has {', '.join(self.types)})"
            )
        example = self.types[type_name].example
        return {"type": example["type"], "data": dict(example["data"])}


def _resolve(document: Mapping[str, Any], node: Any) -> Any:
    """Follow one local `$ref` (the document only uses `#/...` references)."""
    while isinstance(node, Mapping) and "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/"):
            raise ContractError(f"$ref: {ref!r} is not a local reference")
        target: Any = document
        for part in ref[2:].split("/"):
            try:
                target = target[part]
            except (KeyError, TypeError):
                raise ContractError(f"$ref: {ref!r} points at nothing") from None
        node = target
    return node


def resolve(document: Mapping[str, Any], node: Any) -> Any:
    """Return `node`, or what its local `$ref` (`#/...`) points at, in `document`."""
    return _resolve(document, node)


def parse(document: Mapping[str, Any]) -> Contract:
    """Build a `Contract` from a loaded OpenAPI document, or raise `ContractError`."""
    try:
        return _parse(document)
    except (KeyError, TypeError, IndexError, ValueError) as exc:
        raise ContractError(f"the OpenAPI document lacks what sms-hook needs: {exc!r}") from exc


def _parse(document: Mapping[str, Any]) -> Contract:
    paths = document["paths"]
    if len(paths) != 1:
        raise ContractError(f"paths: expected exactly one notification path, found {list(paths)}")
    ((path, item),) = paths.items()
    ((method, operation),) = ((m, o) for m, o in item.items() if m in {"post", "put"})
    content = operation["requestBody"]["content"]
    ((media_type, body),) = content.items()
    root = _resolve(document, body["schema"])
    examples = {
        e["value"]["type"]: e["value"]
        for e in (_resolve(document, x) for x in body.get("examples", {}).values())
    }
    types: dict[str, NotificationType] = {}
    for variant_ref in root["oneOf"]:
        variant = _resolve(document, variant_ref)
        (type_name,) = _resolve(document, variant["properties"]["type"])["enum"]
        data_schema = _resolve(document, variant["properties"]["data"])
        required = set(data_schema.get("required", ()))
        fields = tuple(
            Field(name, _resolve(document, schema), name in required)
            for name, schema in data_schema["properties"].items()
        )
        if type_name not in examples:
            raise ContractError(f"requestBody.examples: no example for type {type_name!r}")
        types[type_name] = NotificationType(
            type_name, fields, examples[type_name], variant.get("description", "")
        )
    mapping = root.get("discriminator", {}).get("mapping", {})
    if set(mapping) != set(types):
        raise ContractError(
            f"discriminator.mapping: {sorted(mapping)} does not match "
            f"the oneOf types {sorted(types)}"
        )
    headers = tuple(
        Header(p["name"].lower(), bool(p.get("required")), p.get("schema", {}))
        for p in (_resolve(document, x) for x in operation.get("parameters", ()))
        if p["in"] == "header"
    )
    success = min(int(code) for code in operation["responses"] if str(code).startswith("2"))
    return Contract(
        document=document,
        path=path,
        method=method.upper(),
        operation_id=operation["operationId"],
        types=types,
        headers=headers,
        success_status=success,
        media_type=media_type,
    )


@functools.cache
def load(path: Path | None = None) -> Contract:
    """Load and parse the contract document (the shipped one unless `path` is given)."""
    source = path or document_path()
    try:
        document = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ContractError(f"{source}: cannot be read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise ContractError(f"{source}: is not valid YAML ({exc})") from exc
    if not isinstance(document, dict):
        raise ContractError(f"{source}: is not an OpenAPI document (top level is not a mapping)")
    return parse(document)
