"""Copies of the shipped contract document, edited the way a partner's document might differ."""

from __future__ import annotations

import copy
from typing import Any

import yaml

from sms_hook import contract as contract_module


def shipped() -> dict[str, Any]:
    """A fresh copy of `openapi/sms-notifications.yaml`, parsed (edit it freely)."""
    source = contract_module.document_path().read_text("utf-8")
    loaded: dict[str, Any] = yaml.safe_load(source)
    return loaded


def with_scheme(**changes: Any) -> dict[str, Any]:
    """The shipped document with `x-sms-hook-signature` keys changed (`a__b`: b in a)."""
    document = shipped()
    extension = document["x-sms-hook-signature"]
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = extension
        for part in parents:
            node = node[part]
        node[last] = copy.deepcopy(value)
    return document


def with_header_renamed(document: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """`document` with the header parameter named `old` named `new` (edited in place)."""
    for parameter in document["components"]["parameters"].values():
        if parameter["name"] == old:
            parameter["name"] = new
    return document
