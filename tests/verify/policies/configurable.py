"""A plain-ASGI receiver whose every choice the contract leaves open is a setting of `Policy`.

Written from contract.md, independently of `sms_hook`: hand-written HMAC, a field table
transcribed from the documentation, Python's json module. What it must do, it always does
(reject bad signatures, invalid data, malformed bodies with a 4xx; accept valid notifications
with 200 `{"message": ...}`); what is open, `Policy` decides.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from tests.verify.policies.asgi import Answer, Endpoint, Refuse, Route, Transport
from tests.verify.policies.readings import READINGS

SAFE: Final = 2**53 - 1

# Transcribed from the partner documentation, in signing order: (name, JSON type, enum).
FIELDS: Final[Mapping[str, tuple[tuple[str, str, tuple[str, ...]], ...]]] = {
    "otp": (("code", "string", ()), ("msisdn", "string", ())),
    "ticket_status": (
        ("ticket_id", "string", ()),
        ("status", "string", ("open", "resulted")),
        ("result", "string", ("pending", "won", "lost", "void")),
    ),
    "bet_result": (
        ("ticket_id", "string", ()),
        ("result", "string", ("won", "lost", "void")),
        ("event_id", "integer", ()),
        ("bet_id", "integer", ()),
    ),
}

Open = Literal["accept", "reject"]


@dataclass(frozen=True, slots=True)
class Policy:
    """Every choice a receiver may make under contract.md section 2 (defaults: lenient)."""

    order: tuple[str, ...] = ("media", "signature", "body")
    """The order of the checks: "media", "signature", "body" (each runs once)."""
    signature_status: int = 401
    invalid_status: int = 400
    media_status: int = 415
    reading: str = "tokens"
    """A key of readings.READINGS, or "canonical": the parsed body re-serialised in the
    documented key order (keys sent in another order then do not verify)."""
    upper_hex: Open = "accept"
    timestamps: Literal["any", "numeric"] = "numeric"
    tolerance: int | None = 300
    """Seconds; None: the timestamp's age is not checked."""
    nonce: bool = False
    """Refuse a (timestamp, signature) pair seen before (401)."""
    content_type: Open = "accept"
    """"reject": anything but application/json (parameters aside) gets `media_status`."""
    operator_name: str | None = None
    """Required, and equal to this, when set; missing or another name gets 400."""
    unknown_type: Open = "accept"
    extra_fields: Open = "accept"
    duplicates: Literal["last-wins", "first-wins", "reject"] = "last-wins"
    big_integers: Open = "accept"
    decimal_integers: Open = "accept"
    """"accept": 100001.0 is the integer 100001 (as in JavaScript)."""
    max_body: int | None = None
    """Bytes; a larger Content-Length gets 413 before the body is read."""
    message: Any = field(default_factory=lambda: {"message": "Notification received"})
    answer_type: str = "application/json"


class PolicyReceiver:
    """The receiver for one secret and one policy, as an ASGI app at `route`."""

    def __init__(
        self,
        secret: str,
        policy: Policy,
        route: Route,
        transport: Transport | None = None,
    ) -> None:
        self.key = secret.encode()
        self.policy = policy
        self.seen: set[tuple[str, str]] = set()
        self.app = Endpoint(route, self.handle, transport=transport, precheck=self.precheck)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)

    def precheck(self, headers: Mapping[str, str]) -> Answer | None:
        limit = self.policy.max_body
        length = headers.get("content-length", "")
        if limit is not None and length.isdigit() and int(length) > limit:
            return Answer(413, {"error": f"body larger than {limit} bytes"})
        return None

    async def handle(self, headers: Mapping[str, str], body: bytes) -> Answer:
        p = self.policy
        parsed: list[Any] = []

        def value() -> Any:
            if not parsed:
                parsed.append(self.parse(body))
            return parsed[0]

        known: str | None = None
        for step in p.order:
            if step == "media":
                self.check_media(headers)
            elif step == "signature":
                self.check_signature(headers, body, value)
            else:
                known = self.validate(value())
        if known is None:  # an unknown type is ignored, once every check has passed
            return Answer(200, {"message": "ignored: unknown type"}, p.answer_type)
        return Answer(200, p.message, p.answer_type)

    # --- headers ----------------------------------------------------------------------------

    def check_media(self, headers: Mapping[str, str]) -> None:
        p = self.policy
        if p.operator_name is not None and headers.get("operator-name") != p.operator_name:
            raise Refuse(400, "operator-name: missing or not ours")
        if p.content_type == "reject":
            media = headers.get("content-type", "").split(";")[0].strip().lower()
            if media != "application/json":
                raise Refuse(p.media_status, "content-type must be application/json")

    def check_signature(self, headers: Mapping[str, str], body: bytes, value: Any) -> None:
        p = self.policy
        given = headers.get("signature", "")
        stamp = headers.get("timestamp", "")
        if not given or not stamp:
            raise Refuse(p.signature_status, "signature and timestamp are required")
        if p.timestamps == "numeric":
            if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
                raise Refuse(p.signature_status, "timestamp is not unix seconds")
            if p.tolerance is not None and abs(int(stamp) - time.time()) > p.tolerance:
                raise Refuse(p.signature_status, "timestamp too far from now")
        if p.upper_hex == "accept":
            given = given.lower()
        if p.reading == "canonical":
            signed: bytes | None = self.canonical(value())
        else:
            signed = READINGS[p.reading](body)
        if signed is None:
            raise Refuse(p.signature_status, "cannot compute the signature of this body")
        expected = hmac.new(self.key, stamp.encode() + signed, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode(), given.encode("latin-1")):
            raise Refuse(p.signature_status, "signature does not match")
        if p.nonce:
            if (stamp, given) in self.seen:
                raise Refuse(401, "replayed: this timestamp and signature were seen before")
            self.seen.add((stamp, given))

    def canonical(self, value: Any) -> bytes:
        """The notification re-serialised compactly: type, data in documented order, the rest."""
        if not isinstance(value, dict):
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
        out: dict[str, Any] = {k: value[k] for k in ("type", "data") if k in value}
        out.update((k, v) for k, v in value.items() if k not in out)
        data, kind = out.get("data"), out.get("type")
        if isinstance(data, dict) and isinstance(kind, str) and kind in FIELDS:
            names = [name for name, _, _ in FIELDS[kind]]
            ordered = {k: data[k] for k in names if k in data}
            ordered.update((k, v) for k, v in data.items() if k not in ordered)
            out["data"] = ordered
        return json.dumps(out, separators=(",", ":"), ensure_ascii=False).encode(
            "utf-8", "surrogatepass"
        )

    # --- body -------------------------------------------------------------------------------

    def parse(self, body: bytes) -> Any:
        p = self.policy
        if not body:
            raise Refuse(p.invalid_status, "empty body")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Refuse(p.invalid_status, "body is not UTF-8") from None

        def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
            if p.duplicates == "last-wins":
                return dict(items)
            out: dict[str, Any] = {}
            for k, v in items:
                if k in out:
                    if p.duplicates == "reject":
                        raise ValueError(f"duplicate key {k!r}")
                    continue
                out[k] = v
            return out

        def constant(name: str) -> Any:
            raise ValueError(f"{name} is not JSON")

        try:
            return json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
        except (ValueError, RecursionError) as exc:
            raise Refuse(p.invalid_status, f"body is not JSON: {exc}") from None

    def validate(self, value: Any) -> str | None:
        """Return the notification's type (None: unknown and ignored), or refuse it."""
        p = self.policy
        bad = p.invalid_status
        if not isinstance(value, dict):
            raise Refuse(bad, "body must be a JSON object")
        kind = value.get("type")
        if not isinstance(kind, str):
            raise Refuse(bad, "type must be a string")
        if kind not in FIELDS:
            if p.unknown_type == "accept":
                return None
            raise Refuse(bad, f"unknown type {kind!r}")
        data = value.get("data")
        if not isinstance(data, dict):
            raise Refuse(bad, "data must be an object")
        names = [name for name, _, _ in FIELDS[kind]]
        if p.extra_fields == "reject":
            extra = [k for k in value if k not in ("type", "data")]
            extra += [f"data.{k}" for k in data if k not in names]
            if extra:
                raise Refuse(bad, f"unexpected fields {extra}")
        for name, kind_of, allowed in FIELDS[kind]:
            if name not in data:
                raise Refuse(bad, f"data.{name} is required")
            problem = self.check(data[name], kind_of, allowed)
            if problem:
                raise Refuse(bad, f"data.{name}: {problem}")
        return kind

    def check(self, v: Any, kind_of: str, allowed: tuple[str, ...]) -> str | None:
        p = self.policy
        if kind_of == "string":
            if not isinstance(v, str):
                return "must be a string"
            return f"must be one of {allowed}" if allowed and v not in allowed else None
        if isinstance(v, bool) or not isinstance(v, int | float):
            return "must be an integer"
        if isinstance(v, float) and (not v.is_integer() or p.decimal_integers == "reject"):
            return "must be an integer (written without a decimal point)"
        if abs(v) > SAFE and p.big_integers == "reject":
            return "outside ±(2^53−1)"
        return None
