"""The bodies every tool must agree on: each valid one accepted, each invalid one rejected.

Valid: the document's examples and every body of `openapi/signing-vectors.json`, as sent.
Invalid: one body per rule of the contract's table (contract.md section 2) that a schema can
express: a required field missing, a field of the wrong JSON type (a number for a string; a
boolean, a float and a string of digits for an integer), `null`, a value outside its enum (case
matters), `data` missing or not an object, a body that is not a JSON object. Rules that no schema
states (signature, timestamp window, media type, malformed bytes) are the judge's, not here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sms_hook import delivery, notification
from sms_hook.contract import Contract, document_path


@dataclass(frozen=True)
class Body:
    """One request body, named, with the headers it is sent with (signed, fresh timestamp)."""

    name: str
    text: str
    headers: dict[str, str] = field(default_factory=dict)

    def case(self) -> dict[str, Any]:
        """The body as the Node runners read it."""
        return {"name": self.name, "body": self.text, "headers": self.headers}


def _signed(name: str, text: str, contract: Contract) -> Body:
    request = delivery.signed_request(text.encode(), contract.test_key, scheme=contract.signature)
    return Body(name, text, dict(request.headers))


def valid(contract: Contract) -> list[Body]:
    """The document's examples (compact) and every signing vector's body (as sent)."""
    bodies = [
        _signed(
            f"example {name}", delivery.encode(contract, contract.example(name)).decode(), contract
        )
        for name in contract.types
    ]
    vectors = json.loads(document_path("signing-vectors.json").read_text("utf-8"))["vectors"]
    bodies += [_signed(f"vector {v['name']}", v["body"], contract) for v in vectors]
    return bodies


def invalid(contract: Contract) -> list[Body]:
    """One body per schema-expressible rule; the name says which rule it breaks."""
    otp = contract.example("otp")

    def edit(type_name: str, *sets: str, unset: str | None = None) -> dict[str, Any]:
        # The edits `sms-hook send --set data.F:=JSON --unset data.F` makes.
        return notification.build(contract, type_name, sets=sets, unsets=[unset] if unset else [])

    cases: list[tuple[str, Any]] = [
        ("required field missing: data.event_id", edit("bet_result", unset="data.event_id")),
        ("required field missing: data.msisdn", edit("otp", unset="data.msisdn")),
        ("required field missing: type", {"data": otp["data"]}),
        ("wrong type: a number is not a string (data.code)", edit("otp", "data.code:=1234")),
        ("boolean for integer: data.event_id true", edit("bet_result", "data.event_id:=true")),
        ("float for integer: data.event_id 1.5", edit("bet_result", "data.event_id:=1.5")),
        (
            "string for integer: data.event_id '100001'",
            edit("bet_result", 'data.event_id:="100001"'),
        ),
        ("null: data.ticket_id", edit("ticket_status", "data.ticket_id:=null")),
        (
            "out of enum, case matters: data.result 'Won'",
            edit("bet_result", 'data.result:="Won"'),
        ),
        ("out of enum: data.status 'closed'", edit("ticket_status", 'data.status:="closed"')),
        ("data missing", {"type": "otp"}),
        ("data not an object: a string", {"type": "otp", "data": "1234"}),
        ("data not an object: an array", {"type": "ticket_status", "data": []}),
        ("body not an object: an array", [otp]),
        ("body not an object: a string", "otp"),
        ("body not an object: a number", 1),
    ]
    return [
        _signed(name, json.dumps(value, separators=(",", ":"), ensure_ascii=False), contract)
        for name, value in cases
    ]
