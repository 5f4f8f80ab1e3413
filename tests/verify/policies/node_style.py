"""A receiver written as an Express (Node.js) service would be, with JavaScript's semantics.

    app.post(path, express.json({ verify: (req, res, buf) => { req.rawBody = buf } }), handler)

* `express.json()` parses only `application/json` bodies (utf-8 charset only: 415 otherwise);
  any other content type leaves `req.body = {}`; an empty body is `{}`; a body that does not
  start with `{` or `[`, or is not JSON, is 400; bytes that are not UTF-8 are 400
  (`TextDecoder(..., { fatal: true })`, which also drops a leading BOM).
* `JSON.parse`: every number is a float64 (2^53+1 silently becomes 2^53; 100001.0 is the
  integer 100001), a duplicate key keeps its first place and its last value.
* The signature is checked first, with a lenient timestamp check (`Number(ts)`; NaN passes, as in
  many real services) and one of two signed bodies: the raw body with `/\\s/g` removed, or
  `JSON.stringify(req.body)` (re-serialisation; keys stay in the order sent).
* Validation: `typeof`, `Number.isInteger`, own properties only; extra fields are ignored; an
  unknown type is 422.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final, Literal

from tests.verify.policies.asgi import Answer, Endpoint, Refuse, Route, Transport
from tests.verify.policies.readings import javascript

TYPES: Final[Mapping[str, Mapping[str, tuple[str, ...] | str]]] = {
    # field → "string" | "integer" | the enum's values, in the documentation's order
    "otp": {"code": "string", "msisdn": "string"},
    "ticket_status": {
        "ticket_id": "string",
        "status": ("open", "resulted"),
        "result": ("pending", "won", "lost", "void"),
    },
    "bet_result": {
        "ticket_id": "string",
        "result": ("won", "lost", "void"),
        "event_id": "integer",
        "bet_id": "integer",
    },
}

_HEX64: Final = re.compile(r"[0-9a-fA-F]{64}")
_ARRAY_INDEX: Final = re.compile(r"0|[1-9][0-9]*")


class NodeStyleReceiver:
    """The Express receiver; `signed` picks what the HMAC covers."""

    def __init__(
        self,
        secret: str,
        route: Route,
        *,
        signed: Literal["raw", "stringify"],
        transport: Transport | None = None,
    ) -> None:
        self.key = secret.encode()
        self.signed = signed
        self.app = Endpoint(route, self.handle, transport=transport)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)

    async def handle(self, headers: Mapping[str, str], raw: bytes) -> Answer:
        parsed = express_json(headers.get("content-type", ""), raw)
        body = {} if parsed is None else parsed
        self.verify(headers, raw if parsed is not None else None, body)
        kind = body.get("type") if isinstance(body, dict) else None
        if not isinstance(body, dict) or not isinstance(kind, str):
            raise Refuse(400, "body.type must be a string")
        if kind not in TYPES:  # Object.hasOwn(TYPES, kind)
            raise Refuse(422, f"unsupported notification type {kind}")
        data = body.get("data")
        if not isinstance(data, dict):
            raise Refuse(400, "body.data must be an object")
        for name, rule in TYPES[kind].items():
            if name not in data:
                raise Refuse(400, f"data.{name} is required")
            v = data[name]
            if rule == "integer":
                ok = isinstance(v, float) and math.isfinite(v) and v.is_integer()
            elif rule == "string":
                ok = isinstance(v, str)
            else:
                ok = isinstance(v, str) and v in rule
            if not ok:
                raise Refuse(400, f"data.{name} is invalid")
        return Answer(200, {"message": "ok"})

    def verify(self, headers: Mapping[str, str], raw: bytes | None, body: Any) -> None:
        """`raw` is `req.rawBody`: None when express.json() did not parse the body."""
        signature = headers.get("signature")
        timestamp = headers.get("timestamp")
        if not signature or not timestamp:
            raise Refuse(401, "missing signature headers")
        if abs(time.time() - js_number(timestamp)) > 300:  # False for NaN: it passes
            raise Refuse(401, "stale timestamp")
        if self.signed == "raw":
            text = None if raw is None else javascript(raw)
            if text is None:  # no raw body: not sent as JSON
                raise Refuse(401, "cannot verify a body that was not sent as JSON")
            signed = text
        else:
            signed = stringify(body).encode("utf-8")
        expected = hmac.new(self.key, timestamp.encode() + signed, hashlib.sha256).digest()
        if not _HEX64.fullmatch(signature) or not hmac.compare_digest(
            bytes.fromhex(signature), expected
        ):
            raise Refuse(401, "invalid signature")


def express_json(content_type: str, raw: bytes) -> Any:
    """What `express.json()` parses into `req.body` (None: not JSON, left alone), or the error
    answer it sends."""
    media, _, params = content_type.partition(";")
    if media.strip().lower() != "application/json":
        return None
    charset = re.search(r"charset=\"?([^\";]+)", params, re.IGNORECASE)
    if charset and charset.group(1).strip().lower() != "utf-8":
        raise Refuse(415, "unsupported charset")
    if not raw:
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refuse(400, "invalid utf-8") from None
    text = text.removeprefix("\ufeff")
    if text.lstrip(" \t\n\r")[:1] not in ("{", "["):
        raise Refuse(400, "strict mode: only objects and arrays")

    def constant(name: str) -> Any:
        raise ValueError(f"Unexpected token {name[0]}")

    try:
        return json.loads(text, parse_int=float, parse_float=float, parse_constant=constant)
    except (ValueError, RecursionError) as exc:
        raise Refuse(400, f"SyntaxError: {exc}") from None


def js_number(text: str) -> float:
    """JavaScript's `Number(text)` for a header value (NaN when it is not a number)."""
    s = text.strip(" \t\n\r\u000b\u000c\u00a0\ufeff")
    if not s:
        return 0.0
    if re.fullmatch(r"0[xX][0-9a-fA-F]+", s):
        return float(int(s, 16))
    if re.fullmatch(r"[+-]?(Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)", s):
        return float(s.replace("Infinity", "inf"))
    return math.nan


def stringify(value: Any) -> str:
    """`JSON.stringify(value)` for what `JSON.parse` returns."""
    if value is None or value is True or value is False:
        return json.dumps(value)
    if isinstance(value, float):
        return js_number_text(value)
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, list):
        return "[" + ",".join(stringify(v) for v in value) + "]"
    # Integer-like keys come first, in numeric order; the rest keep their order (ES2015).
    keys = list(value)
    index = sorted((k for k in keys if _ARRAY_INDEX.fullmatch(k) and int(k) < 2**32 - 1), key=int)
    ordered = index + [k for k in keys if k not in set(index)]
    return "{" + ",".join(f"{_quote(k)}:{stringify(value[k])}" for k in ordered) + "}"


def js_number_text(x: float) -> str:
    """`Number.prototype.toString()`: shortest digits, exponent past 1e21 and below 1e-6."""
    if not math.isfinite(x):
        return "null"
    if x == 0:
        return "0"
    if x < 0:
        return "-" + js_number_text(-x)
    _, digits_tuple, exponent = Decimal(repr(x)).normalize().as_tuple()
    digits = "".join(map(str, digits_tuple))
    k = len(digits)
    n = int(exponent) + k
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"


_ESCAPES: Final = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r"}


def _quote(s: str) -> str:
    out = ['"']
    for c in s:
        code = ord(c)
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif c == "\t":
            out.append("\\t")
        elif code < 0x20 or 0xD800 <= code <= 0xDFFF:  # lone surrogates too (ES2019)
            out.append(f"\\u{code:04x}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)
