"""The rule for a receiver's answer: what an acceptance and a rejection must look like."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final

from sms_hook.contract import Contract

_JSON_MEDIA: Final = "application/json"
NOT_HERE: Final = frozenset({404, 405})
"""Statuses that say nothing at the URL takes POSTs (a wrong path), not a receiver's rejection;
to a notification the contract requires rejected they are a 4xx all the same."""


def not_a_receiver(status: int) -> bool:
    """True if an answer cannot come from a receiver of the contract: a redirect, 404 or 405."""
    return 300 <= status < 400 or status in NOT_HERE


def acceptance_problems(
    contract: Contract, status: int, headers: Mapping[str, str], body: bytes
) -> list[str]:
    """Return what is wrong with a receiver's answer to a valid notification (empty: all good).

    The contract: exactly the document's success status (200, not another 2xx), a JSON content
    type (a `charset` parameter is fine), and a body that is a JSON object with a string `message`
    (other keys allowed). `headers` maps lower-case names to values.
    """
    problems: list[str] = []
    if status != contract.success_status:
        problems.append(f"status {status}; a valid notification must get {contract.success_status}")
        return problems
    content_type = headers.get("content-type", "")
    media = content_type.split(";", 1)[0].strip().lower()
    if media != _JSON_MEDIA:
        shown = repr(content_type) if content_type else "missing"
        problems.append(f"content-type {shown}; expected {_JSON_MEDIA}")
    try:
        answer = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        problems.append(f"body {_preview(body)} is not JSON")
        return problems
    if not isinstance(answer, dict):
        problems.append(f"body {_preview(body)} is not a JSON object")
    elif "message" not in answer:
        problems.append('body has no "message"')
    elif not isinstance(answer["message"], str):
        problems.append(f'body "message" is {json.dumps(answer["message"])}, not a string')
    return problems


def rejection_problems(status: int) -> list[str]:
    """Return what is wrong with a receiver's answer to a request it must reject."""
    if 400 <= status < 500:
        return []
    return [f"status {status}; an invalid or badly signed notification must get a 4xx"]


def open_problems(
    contract: Contract, status: int, headers: Mapping[str, str], body: bytes
) -> list[str]:
    """Return what is wrong with an answer where the contract allows acceptance or a 4xx."""
    if 400 <= status < 500:
        return []
    if status == contract.success_status:
        return acceptance_problems(contract, status, headers, body)
    return [f"status {status}; the contract allows {contract.success_status} or a 4xx here"]


def _preview(body: bytes, limit: int = 80) -> str:
    text = body.decode("utf-8", errors="backslashreplace")
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(text) if text else "(empty)"
