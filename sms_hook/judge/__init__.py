"""The one judge of the contract: what a receiver must answer to a request.

Both the mock server (to answer) and the verifier (to decide whether a receiver's answer is a
failure) ask `Judge.judge`. A request is judged from its raw bytes and headers into findings;
each finding names the field, the reason, the status a strict receiver answers, and whether the
contract *requires* a rejection (binding) or leaves it to the receiver's policy (open). See
`verdict` for how findings and allowances make the expectation.

The judge is split by concern: `body` (JSON, shape, fields; `values` for one field's schema),
`signature` (signature, timestamp, replays) and `framing` (how the request is put on the wire).
"""

from __future__ import annotations

from collections.abc import Mapping

from sms_hook.contract import Contract
from sms_hook.judge.body import SAFE_INTEGER, check_body, check_schemas
from sms_hook.judge.framing import check_framing
from sms_hook.judge.signature import check_signature, check_timestamp, note_repeat
from sms_hook.judge.verdict import Expect, Finding, Judgement, show

__all__ = ["SAFE_INTEGER", "Expect", "Finding", "Judge", "Judgement", "show"]


class Judge:
    """Judges requests to the notification endpoint against one contract and one secret.

    `tolerance` is the receiver's timestamp window in seconds (0: none; the document's
    recommendation unless given), beyond which a strict receiver rejects; `required` turns on
    strict replay mode: a timestamp further than that many seconds from the receiver's clock
    must be rejected (by default that is open).
    """

    def __init__(
        self,
        contract: Contract,
        secret: str,
        *,
        tolerance: int | None = None,
        max_body: int | None = None,
        required: int | None = None,
    ) -> None:
        self.contract = contract
        self.secret = secret
        self.tolerance = contract.tolerance if tolerance is None else tolerance
        self.max_body = max_body
        self.required = required
        check_schemas(contract)

    def judge(
        self,
        headers: Mapping[str, str],
        body: bytes,
        *,
        now: float | None = None,
        repeated: bool = False,
    ) -> Judgement:
        """Judge one request; `headers` maps lower-case names to values.

        `repeated` says the exact same request (bytes, timestamp, signature) was sent before.
        """
        j = Judgement()
        if self.max_body is not None and len(body) > self.max_body:
            j.add(
                "body",
                f"{len(body)} bytes is more than the limit of {self.max_body} bytes",
                413,
                "body-too-large",
                binding=False,
            )
            return j
        self._media_type(j, headers)
        timestamp = check_signature(j, headers, body, self.secret, self.contract.signature)
        if timestamp is not None:
            check_timestamp(
                j,
                timestamp,
                now,
                self.tolerance,
                self.required,
                header=self.contract.signature.timestamp_header,
            )
        operator = headers.get("operator-name")
        if not operator:
            j.add(
                "header operator-name",
                "empty" if operator == "" else "missing",
                400,
                "operator-name-missing",
                binding=False,
            )
        check_body(j, body, self.contract)
        check_framing(j, headers)
        if repeated:
            note_repeat(j, self.contract.signature)
        return j

    def _media_type(self, j: Judgement, headers: Mapping[str, str]) -> None:
        raw = headers.get("content-type")
        if raw is None:
            j.add(
                "header content-type",
                f"missing; expected {self.contract.media_type}",
                415,
                "media-type",
                binding=False,
            )
            return
        media = raw.split(";", 1)[0].strip().lower()
        if media != self.contract.media_type:
            j.add(
                "header content-type",
                f"{raw!r} is not {self.contract.media_type}",
                415,
                "media-type",
                binding=False,
            )
