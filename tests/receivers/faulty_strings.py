"""Faulty receivers that break on hostile but valid values, or let NaN through.

Each is `raw_bytes` with one step replaced, the way real partner code breaks: SQL built by
string concatenation, a store that refuses NUL (PostgreSQL), a UTF-8 log of the raw text, and
Python's default `json.loads` (which reads `NaN`) with unknown fields ignored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from tests.receivers.asgi import Response, reject
from tests.receivers.defective import Defective


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


class Quote500(Defective):
    """500 on a string value with a quote: the insert is built by string concatenation."""

    name = "quote_500"
    rule = "accept-hostile-text"

    async def acknowledge(
        self, notification: dict[str, Any], headers: Mapping[str, str]
    ) -> Response:
        statement = f"INSERT INTO notes VALUES ('{notification['data'].get('ticket_id', '')}')"
        if statement.count("'") != 2:  # what the database makes of the broken statement
            raise RuntimeError(f"syntax error in {statement!r}")
        return await super().acknowledge(notification, headers)


class Nul500(Defective):
    """500 on an escaped NUL in a string: the database (PostgreSQL) refuses the character."""

    name = "nul_500"
    rule = "open-control-strings"

    async def acknowledge(
        self, notification: dict[str, Any], headers: Mapping[str, str]
    ) -> Response:
        if any("\x00" in s for s in _strings(notification)):
            raise ValueError("A string literal cannot contain NUL (0x00) characters.")
        return await super().acknowledge(notification, headers)


class Surrogate500(Defective):
    """500 on an escaped lone surrogate: the notification is logged as UTF-8, which has none."""

    name = "escaped_surrogate_500"
    rule = "open-control-strings"

    async def acknowledge(
        self, notification: dict[str, Any], headers: Mapping[str, str]
    ) -> Response:
        json.dumps(notification, ensure_ascii=False).encode("utf-8")  # the log line
        return await super().acknowledge(notification, headers)


class NanInExtraField(Defective):
    """200 to NaN in an extra field: Python's default json.loads reads NaN, extras are ignored."""

    name = "nan_in_extra_field_accepted"
    rule = "reject-nan-anywhere"

    def parse(self, text: str) -> Any:
        try:
            return json.loads(text)  # reads NaN, Infinity and -Infinity
        except self.parse_errors as exc:
            raise reject(400, f"body: not JSON ({exc})") from None

    def validate(self, value: Any) -> dict[str, Any]:
        if isinstance(value, dict) and isinstance(value.get("data"), dict):
            fields = {f.name for f in self.fields_of(str(value.get("type")))}
            data = {k: v for k, v in value["data"].items() if k in fields}
            return super().validate({"type": value["type"], "data": data})
        return super().validate(value)


RECEIVERS: tuple[type[Defective], ...] = (Quote500, Nul500, Surrogate500, NanInExtraField)
