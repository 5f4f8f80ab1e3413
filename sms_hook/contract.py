"""The contract: the OpenAPI document, loaded once, and the facts code reads from it.

Everything the code knows about notifications — types, fields and their order, enums, examples,
headers, the notification path, the signature scheme (`x-sms-hook-signature`) — comes from
`openapi/sms-notifications.yaml`. Nothing here restates it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final

import yaml

from sms_hook import signing
from sms_hook.errors import ContractError

CONTRACT_FILE: Final = "sms-notifications.yaml"
ADMIN_FILE: Final = "admin.yaml"
VECTORS_FILE: Final = "signing-vectors.json"
SIGNATURE_EXTENSION: Final = "x-sms-hook-signature"


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
    schema_ref: str
    """The `$ref` of the type's schema in the request body's `oneOf` ("" if written inline)."""

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


@dataclass(frozen=True, slots=True)
class Header:
    """One request header of the notification operation."""

    name: str
    required: bool
    schema: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Vector:
    """The published signing vector of `x-sms-hook-signature.test-vector`."""

    secret: str
    timestamp: str
    body: str
    message: str
    signature: str


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
    signature: signing.Scheme
    """The signature scheme, from the document's `x-sms-hook-signature`."""
    test_key: str
    """The documentation's published test secret."""
    vector: Vector

    @property
    def field_order(self) -> dict[str, tuple[str, ...]]:
        """Map each type to its `data` field names in signing order."""
        return {name: t.field_names for name, t in self.types.items()}

    @property
    def tolerance(self) -> int:
        """The recommended timestamp tolerance in seconds (the scheme's)."""
        return self.signature.tolerance

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
            type_name,
            fields,
            examples[type_name],
            variant.get("description", ""),
            str(variant_ref.get("$ref", "")),
        )
    headers = tuple(
        Header(p["name"].lower(), bool(p.get("required")), p.get("schema", {}))
        for p in (_resolve(document, x) for x in operation.get("parameters", ()))
        if p["in"] == "header"
    )
    success = min(int(code) for code in operation["responses"] if str(code).startswith("2"))
    extension = document[SIGNATURE_EXTENSION]
    scheme = _scheme(extension, {h.name for h in headers})
    vector = Vector(**{k: str(v) for k, v in extension["test-vector"].items()})
    _check_vector(scheme, vector)
    return Contract(
        document=document,
        path=path,
        method=method.upper(),
        operation_id=operation["operationId"],
        types=types,
        headers=headers,
        success_status=success,
        media_type=media_type,
        signature=scheme,
        test_key=str(extension["test-key"]),
        vector=vector,
    )


# What sms-hook implements of the extension's vocabulary; anything else is refused at load,
# rather than signed some other way than the document says.
_SUPPORTED: Final = {
    "type": {"hmac"},
    "encoding": {"hex"},
    "case": {"lower"},
    "timestamp.format": {"unix-seconds"},
    "payload-format.body": {"compact-json"},
}


def _scheme(extension: Mapping[str, Any], header_names: set[str]) -> signing.Scheme:
    timestamp = extension["timestamp"]
    payload = extension["payload-format"]
    given = {
        "type": extension["type"],
        "encoding": extension["encoding"],
        "case": extension["case"],
        "timestamp.format": timestamp["format"],
        "payload-format.body": payload["body"],
    }
    for key, value in given.items():
        if value not in _SUPPORTED[key]:
            raise ContractError(
                f"{SIGNATURE_EXTENSION}.{key}: {value!r} is not supported "
                f"(sms-hook implements {', '.join(sorted(_SUPPORTED[key]))})"
            )
    try:
        scheme = signing.Scheme(
            signature_header=str(extension["header"]).lower(),
            timestamp_header=str(timestamp["header"]).lower(),
            algorithm=str(extension["algorithm"]),
            template=str(payload["template"]),
            tolerance=int(timestamp["tolerance-seconds"]),
        )
    except ValueError as exc:
        raise ContractError(f"{SIGNATURE_EXTENSION}: {exc}") from None
    for name in (scheme.signature_header, scheme.timestamp_header):
        if name not in header_names:
            raise ContractError(
                f"{SIGNATURE_EXTENSION}: header {name!r} is not a header parameter of the "
                f"operation ({', '.join(sorted(header_names))})"
            )
    return scheme


def _check_vector(scheme: signing.Scheme, vector: Vector) -> None:
    """Refuse a document whose scheme does not reproduce its own published vector."""
    body = vector.body.encode()
    message = signing.message(vector.timestamp, body, scheme).decode()
    if message != vector.message:
        raise ContractError(
            f"{SIGNATURE_EXTENSION}.test-vector.message: {vector.message!r}, "
            f"but the scheme gives {message!r}"
        )
    signature = signing.sign(vector.secret, vector.timestamp, body, scheme)
    if signature != vector.signature:
        raise ContractError(
            f"{SIGNATURE_EXTENSION}.test-vector.signature: {vector.signature!r}, "
            f"but the scheme gives {signature!r}"
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
