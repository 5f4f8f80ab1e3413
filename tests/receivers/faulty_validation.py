"""Faulty receivers that accept an invalid notification: one validation mistake each."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from tests.receivers.asgi import Halt, Response
from tests.receivers.defective import Defective
from tests.receivers.raw_bytes import TICKET_RESULTS, Field


class BooleanEventId(Defective):
    """bet_result: accepts `true` as event_id (`isinstance(value, int)`, and bool is an int)."""

    name = "bet_result_boolean_event_id"
    rule = "reject-invalid-data"

    def is_integer(self, value: Any) -> bool:
        return isinstance(value, int)


class CoercedBetId(Defective):
    """bet_result: accepts 1.5 as bet_id (`int(value)` coerces instead of checking)."""

    name = "bet_result_float_bet_id_coerced"
    rule = "reject-invalid-data"

    def is_integer(self, value: Any) -> bool:
        try:
            int(value)
        except (TypeError, ValueError, OverflowError):
            return False
        return True


class NumericStringEventId(Defective):
    """bet_result: accepts "100001" as event_id (ids of digits are taken as strings too)."""

    name = "bet_result_string_event_id"
    rule = "reject-invalid-data"

    def is_integer(self, value: Any) -> bool:
        return super().is_integer(value) or (isinstance(value, str) and value.isdigit())


class _EnumNotChecked(Defective):
    """The enum of one (type, field) is not checked: any string passes."""

    unchecked: ClassVar[tuple[str, str]]
    also = frozenset({"reject-plausible-enum"})  # any other word passes too

    def allowed(self, type_name: str, field: Field) -> tuple[str, ...]:
        if (type_name, field.name) == self.unchecked:
            return ()
        return super().allowed(type_name, field)


class _FieldOptional(Defective):
    """One (type, field) is treated as optional: a notification without it passes."""

    optional: ClassVar[tuple[str, str]]

    def is_required(self, type_name: str, field: Field) -> bool:
        return (type_name, field.name) != self.optional


class NoResultEnum(_EnumNotChecked):
    """bet_result: any string is accepted as result (the enum is not checked)."""

    name = "bet_result_no_result_enum"
    rule = "reject-invalid-data"
    unchecked = ("bet_result", "result")


class CaseInsensitiveResult(Defective):
    """bet_result and ticket_status: enums compared case-insensitively ("WON" is accepted)."""

    name = "bet_result_case_insensitive_enum"
    rule = "reject-invalid-data"

    def in_enum(self, value: str, allowed: tuple[str, ...]) -> bool:
        return value.lower() in allowed


class SharedResultEnum(Defective):
    """bet_result: result checked against ticket_status's enum, so "pending" is accepted."""

    name = "bet_result_accepts_pending"
    rule = "reject-invalid-data"

    def allowed(self, type_name: str, field: Field) -> tuple[str, ...]:
        if field.name == "result":
            return TICKET_RESULTS  # one Result enum for both types: the realistic shortcut
        return super().allowed(type_name, field)


class OptionalBetId(_FieldOptional):
    """bet_result: bet_id is optional (a missing bet_id is accepted)."""

    name = "bet_result_bet_id_optional"
    rule = "reject-invalid-data"
    optional = ("bet_result", "bet_id")


class NullTicketId(Defective):
    """bet_result and ticket_status: `null` accepted as ticket_id (typed `str | None`)."""

    name = "bet_result_null_ticket_id"
    rule = "reject-invalid-data"

    def check_field(self, type_name: str, field: Field, value: Any) -> str | None:
        if field.name == "ticket_id" and value is None:
            return None
        return super().check_field(type_name, field, value)


class NumericTicketId(Defective):
    """bet_result and ticket_status: a number accepted as ticket_id (it is `str()`-ed)."""

    name = "bet_result_numeric_ticket_id"
    rule = "reject-invalid-data"

    def check_field(self, type_name: str, field: Field, value: Any) -> str | None:
        if field.name == "ticket_id" and isinstance(value, int | float):
            value = str(value)
        return super().check_field(type_name, field, value)


class OptionalMsisdn(_FieldOptional):
    """otp: msisdn is optional (a missing msisdn is accepted)."""

    name = "otp_msisdn_optional"
    rule = "reject-invalid-data"
    optional = ("otp", "msisdn")


class AnyTicketStatus(_EnumNotChecked):
    """ticket_status: any string is accepted as status (the enum is not checked)."""

    name = "ticket_status_any_status"
    rule = "reject-invalid-data"
    unchecked = ("ticket_status", "status")


class EmptyBodyPing(Defective):
    """Answers an empty body with 200 `{"message": "pong"}` (taken for a health check)."""

    name = "empty_body_ping"
    rule = "reject-malformed-body"

    async def handle(self, headers: Mapping[str, str], body: bytes) -> Response:
        if not body:
            return Response.json(200, {"message": "pong"})
        return await super().handle(headers, body)


class NonObjectIgnored(Defective):
    """Answers 200 "ignored" to a body that is JSON but not an object (an array, a string, ...)."""

    name = "non_object_body_ignored"
    rule = "reject-malformed-body"

    def validate(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise Halt(Response.json(200, {"message": "ignored"}))
        return super().validate(value)


RECEIVERS: tuple[type[Defective], ...] = (
    BooleanEventId,
    CoercedBetId,
    NumericStringEventId,
    NoResultEnum,
    CaseInsensitiveResult,
    SharedResultEnum,
    OptionalBetId,
    NullTicketId,
    NumericTicketId,
    OptionalMsisdn,
    AnyTicketStatus,
    EmptyBodyPing,
    NonObjectIgnored,
)
