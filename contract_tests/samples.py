"""Notifications to build probes from: the contract's examples, edited and encoded."""

from __future__ import annotations

from typing import Any, Final

from sms_hook import delivery
from sms_hook.contract import Contract, Field, NotificationType

NON_ASCII: Final = ("Ĉiŭ-ñandú-Ωμέγα-ção", "票据-テスト-тест-مرحبا-🎲🏆")
"""Text for string values: Latin, Greek, CJK, Cyrillic, Arabic and astral characters, no spaces."""


def encode(contract: Contract, notification: dict[str, Any]) -> bytes:
    """Return the canonical bytes the platform sends: compact, `type` then `data` in order."""
    return delivery.encode(contract, notification)


def edited(contract: Contract, t: NotificationType, **data: Any) -> dict[str, Any]:
    """Return the type's example notification with some `data` fields set."""
    notification = contract.example(t.name)
    notification["data"].update(data)
    return notification


def free_strings(t: NotificationType) -> list[Field]:
    """Return the string fields of a type that have no enum (free text)."""
    return [f for f in t.fields if f.schema.get("type") == "string" and "enum" not in f.schema]


def integers(t: NotificationType) -> list[Field]:
    """Return the integer fields of a type."""
    return [f for f in t.fields if f.schema.get("type") == "integer"]


def enums(t: NotificationType) -> list[Field]:
    """Return the fields of a type whose values are an enum."""
    return [f for f in t.fields if "enum" in f.schema]
