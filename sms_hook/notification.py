"""Building a notification to send: from the contract's example or a file, then edited."""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterable
from typing import Any

from sms_hook.contract import Contract
from sms_hook.errors import NotificationError


def build(
    contract: Contract,
    type_name: str,
    *,
    base: bytes | None = None,
    sets: Iterable[str] = (),
    unsets: Iterable[str] = (),
) -> dict[str, Any]:
    """Return the notification for `type_name`, from `base` (JSON bytes) or the example, edited.

    Each of `sets` is `PATH=VALUE` (VALUE converted to the field's documented type) or
    `PATH:=JSON` (the JSON value as is, to send deliberately wrong types); PATH is `type` or
    `data.FIELD`. Each of `unsets` is a PATH to remove.
    """
    if type_name not in contract.types:
        raise NotificationError(
            f"TYPE: {type_name!r} is not a notification type ({', '.join(contract.types)})"
        )
    if base is None:
        notification = contract.example(type_name)
    else:
        notification = _parse_base(base)
        if notification.get("type") != type_name:
            raise NotificationError(
                f"--body: type is {json.dumps(notification.get('type'))}, but TYPE is {type_name!r}"
            )
    for item in sets:
        path, value = _assignment(contract, notification, item)
        _put(notification, path, value)
    for path in unsets:
        _remove(notification, path)
    _check_encodable(notification, "")
    return notification


def _check_encodable(value: Any, path: str) -> None:
    """Refuse a string UTF-8 cannot carry (a lone surrogate, from a `\\ud800` escape or argv
    bytes that are not UTF-8): no body can hold it, so it cannot be signed or sent."""
    if isinstance(value, dict):
        for key, item in value.items():
            _check_encodable(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_encodable(item, f"{path}[{index}]")
    elif isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise NotificationError(
                f"{path}: {value!a} holds a lone surrogate, which UTF-8 cannot carry"
            ) from None


def unknown_fields(contract: Contract, type_name: str, paths: Iterable[str]) -> list[str]:
    """Say which `--set`/`--unset` paths name a field the type does not have (likely a typo)."""
    if type_name not in contract.types:
        return []
    fields = [f.name for f in contract.types[type_name].fields]
    found = []
    for item in paths:
        path = item.split("=", 1)[0].removesuffix(":")
        name = path.split(".", 1)[1] if path.startswith("data.") else None
        if name and name not in fields:
            close = difflib.get_close_matches(name, fields, n=1)
            maybe = f"; did you mean data.{close[0]}?" if close else ""
            found.append(
                f"{path}: {type_name} has no field {name!r} (fields: {', '.join(fields)}){maybe}"
            )
    return found


def _json(raw: str | bytes) -> Any:
    """Parse a JSON value; NaN, Infinity and numbers beyond a double are not JSON to send."""

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not a JSON value")

    def number(text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(f"{text} is beyond what a JSON number can carry here")
        return value

    return json.loads(raw, parse_constant=constant, parse_float=number)


def _parse_base(base: bytes) -> dict[str, Any]:
    try:
        value = _json(base)  # bytes: json finds UTF-8 (with or without a BOM), -16 or -32
    except (ValueError, UnicodeDecodeError) as exc:
        raise NotificationError(f"--body: not valid JSON ({exc})") from exc
    if not isinstance(value, dict):
        raise NotificationError("--body: the file does not hold a JSON object")
    return value


def _assignment(contract: Contract, notification: dict[str, Any], item: str) -> tuple[str, Any]:
    if ":=" in item and item.index(":=") < item.index("=") + 1:
        path, raw = item.split(":=", 1)
        try:
            return _check_path(path), _json(raw)
        except ValueError as exc:
            raise NotificationError(f"--set {path}: {raw!r} is not JSON ({exc})") from exc
    if "=" not in item:
        raise NotificationError(f"--set: {item!r} is not PATH=VALUE or PATH:=JSON")
    path, raw = item.split("=", 1)
    path = _check_path(path)
    if path == "type":
        return path, raw
    field_name = path.split(".", 1)[1]
    type_name = notification.get("type")
    fields = (
        {f.name: f for f in contract.types[type_name].fields}
        if isinstance(type_name, str) and type_name in contract.types
        else {}
    )
    expected = fields[field_name].schema.get("type") if field_name in fields else "string"
    if expected == "integer":
        try:
            return path, int(raw)
        except ValueError:
            raise NotificationError(
                f"--set {path}: {raw!r} is not an integer (use {path}:=JSON to send any JSON value)"
            ) from None
    if expected in {"number", "boolean", "object", "array"}:
        try:
            return path, _json(raw)
        except ValueError as exc:
            raise NotificationError(f"--set {path}: {raw!r} is not JSON ({exc})") from exc
    return path, raw


def _check_path(path: str) -> str:
    if path == "type" or (path.startswith("data.") and len(path) > len("data.")):
        return path
    raise NotificationError(f"--set/--unset: {path!r} is not 'type' or 'data.FIELD'")


def _put(notification: dict[str, Any], path: str, value: Any) -> None:
    if path == "type":
        notification["type"] = value
        return
    data = notification.setdefault("data", {})
    if not isinstance(data, dict):
        raise NotificationError(f"--set {path}: data is {json.dumps(data)}, not an object")
    data[path.split(".", 1)[1]] = value


def _remove(notification: dict[str, Any], path: str) -> None:
    path = _check_path(path)
    if path == "type":
        notification.pop("type", None)
        return
    data = notification.get("data")
    if isinstance(data, dict):
        data.pop(path.split(".", 1)[1], None)
