"""Faulty receivers that answer 5xx, or nothing in time, to some request (`no-server-error`).

Several of these crash on input the contract requires a 4xx for, so a second rule is broken too;
`verify` reports a 5xx, a dropped connection or a timeout as `no-server-error` first, and that is
the label.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Final

from tests.receivers.asgi import Response, reject, until_sender_hangs_up
from tests.receivers.defective import Defective
from tests.receivers.raw_bytes import FIELDS, Field

_log = logging.getLogger(__name__)

HANG_SECONDS: Final = 30.0
"""Longer than verify's default request timeout (10 s)."""


class MalformedJson500(Defective):
    """500 on malformed JSON: `json.loads` is not in a try block (also reject-malformed-body)."""

    name = "malformed_json_500"
    rule = "no-server-error"
    parse_errors = ()


class NonUtf8500(Defective):
    """500 on non-UTF-8 bytes: `body.decode()` is unguarded (also reject-malformed-body)."""

    name = "non_utf8_500"
    rule = "no-server-error"

    def decode(self, body: bytes) -> str:
        return body.decode("utf-8")


class MissingData500(Defective):
    """500 when `data` is missing: `value["data"]` raises KeyError (also reject-malformed-body)."""

    name = "missing_data_500"
    rule = "no-server-error"

    def data_of(self, value: dict[str, Any]) -> dict[str, Any]:
        data = value["data"]  # the partner assumed the platform always sends it
        if not isinstance(data, dict):
            raise reject(400, "data: not an object")
        return data


class DeepNesting500(Defective):
    """500 on deeply nested JSON: `json.loads` is guarded for ValueError, not RecursionError."""

    name = "deep_nesting_500"
    rule = "no-server-error"
    parse_errors = (ValueError,)


class UnknownType500(Defective):
    """500 on an unknown type: `FIELDS[type]` raises KeyError (an open case must still not 5xx)."""

    name = "unknown_type_500"
    rule = "no-server-error"

    def fields_of(self, type_name: str) -> tuple[Field, ...]:
        return FIELDS[type_name]


class OperatorName500(Defective):
    """500 when `operator-name` is missing: it is read with `headers["operator-name"]` to log."""

    name = "missing_operator_name_500"
    rule = "no-server-error"

    async def acknowledge(
        self, notification: dict[str, Any], headers: Mapping[str, str]
    ) -> Response:
        _log.info("notification from %s", headers["operator-name"])
        return await super().acknowledge(notification, headers)


class HangsOnVoid(Defective):
    """Hangs 30 s on a bet_result with result "void" (a slow refund call): the sender times out."""

    name = "bet_result_void_hangs"
    rule = "no-server-error"
    # A resettlement to void hangs as well: the row for resettlements names that timeout.
    also = frozenset({"retry-resettlement"})

    async def acknowledge(
        self, notification: dict[str, Any], headers: Mapping[str, str]
    ) -> Response:
        if notification["type"] == "bet_result" and notification["data"]["result"] == "void":
            await until_sender_hangs_up(HANG_SECONDS)
        return await super().acknowledge(notification, headers)


RECEIVERS: tuple[type[Defective], ...] = (
    MalformedJson500,
    NonUtf8500,
    MissingData500,
    DeepNesting500,
    UnknownType500,
    OperatorName500,
    HangsOnVoid,
)
