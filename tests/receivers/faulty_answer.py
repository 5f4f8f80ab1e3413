"""Faulty receivers that answer in the wrong shape, or refuse valid input they should take."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from tests.receivers.asgi import Halt, Response, reject
from tests.receivers.defective import Defective
from tests.receivers.raw_bytes import FIELDS, Field

_INT32_MAX = 2**31 - 1


class _WrongAnswer(Defective):
    """Answers every valid notification with `answer`."""

    answer: ClassVar[Response]
    # Every request it accepts gets the wrong answer, so each rule that requires an acceptance,
    # and the open cases it accepts, break with it.
    also = frozenset(
        {
            "accept-whitespace",
            "accept-non-ascii",
            "accept-safe-integers",
            "accept-header-case",
            "open-policy",
        }
    )

    async def acknowledge(
        self, notification: dict[str, Any], headers: Mapping[str, str]
    ) -> Response:
        return self.answer


class Created(_WrongAnswer):
    """Answers 201 Created to a valid notification (the contract says 200)."""

    name = "answer_201"
    rule = "accept-valid"
    answer = Response.json(201, {"message": "Notification received"})


class PlainTextOk(_WrongAnswer):
    """Answers text/plain "OK" to a valid notification."""

    name = "answer_plain_text"
    rule = "accept-valid"
    answer = Response(200, b"OK", "text/plain; charset=utf-8")


class NoMessage(_WrongAnswer):
    """Answers `{"status": "ok"}`: JSON without a `message`."""

    name = "answer_without_message"
    rule = "accept-valid"
    answer = Response.json(200, {"status": "ok"})


class NumericMessage(_WrongAnswer):
    """Answers `{"message": 1}`: a message that is not a string."""

    name = "answer_numeric_message"
    rule = "accept-valid"
    answer = Response.json(200, {"message": 1})


class AsciiOnly(Defective):
    """Decodes the body as ASCII, so non-ASCII text (sent as UTF-8) is rejected with 400."""

    name = "rejects_non_ascii"
    rule = "accept-non-ascii"

    def decode(self, body: bytes) -> str:
        try:
            return body.decode("ascii")
        except UnicodeDecodeError:
            raise reject(400, "body: only ASCII is supported") from None


class Int32Ids(Defective):
    """Stores ids as int32: integers above 2^31−1 (but within ±(2^53−1)) are rejected with 400."""

    name = "rejects_ids_above_int32"
    rule = "accept-safe-integers"

    def check_field(self, type_name: str, field: Field, value: Any) -> str | None:
        problem = super().check_field(type_name, field, value)
        if problem is None and field.kind == "integer" and abs(value) > _INT32_MAX:
            return "does not fit in a 32-bit integer"
        return problem


class UnknownTypeAccepted(Defective):
    """Answers 202 Accepted (no body) to an unknown type; the contract allows only 200 or a 4xx."""

    name = "unknown_type_202"
    rule = "open-policy"

    def fields_of(self, type_name: str) -> tuple[Field, ...]:
        if type_name not in FIELDS:
            raise Halt(Response(202, b"", "text/plain"))
        return super().fields_of(type_name)


RECEIVERS: tuple[type[Defective], ...] = (
    Created,
    PlainTextOk,
    NoMessage,
    NumericMessage,
    AsciiOnly,
    Int32Ids,
    UnknownTypeAccepted,
)
