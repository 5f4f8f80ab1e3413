r"""Signing and verifying notifications: pure, stdlib only.

The signed message is the `timestamp` header's value followed, with no separator, by the body
"with all spaces removed":

    signature = hex(HMAC-SHA256(secret, f"{timestamp}{compact_body}"))

e.g. secret `12345ABCDE`, timestamp `1706191612` and the otp sample sign the message
`1706191612{"type":"otp","data":{"code":"1234","msisdn":"+260977223120"}}` to
`46b1ec8d2a05129bb57c8256f2cdd3029b2cf72dbed57f0d3eedd6b156573433`.

"All spaces removed" has two readings, and a receiver may implement either:

* ``tokens`` — whitespace *between JSON tokens* is removed, string contents are untouched. This is
  what sms-hook sends: the canonical body is compact JSON, `type` then `data`, data fields in the
  document's order, non-ASCII characters written as themselves in UTF-8.
* ``all-whitespace`` — every whitespace character is removed, inside string values too.

They agree unless a string value contains whitespace. Verification accepts either and says which
one matched.

The scheme itself (header names, hash, message template, tolerance) is data, a `Scheme`: the
OpenAPI document's `x-sms-hook-signature` extension, which `sms_hook.contract` reads into
`contract.signature`. Every sms-hook code path passes that; `DEFAULT_SCHEME` only serves callers
of this module that have no contract at hand, and a test holds it equal to the document's.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from sms_hook.errors import (
    MissingHeader,
    SignatureMismatch,
    TimestampNotNumeric,
    TimestampOutOfTolerance,
)

Reading = Literal["compact", "tokens", "all-whitespace"]
"""Which reading of "all spaces removed" a signature matched ("compact": the body has no
whitespace outside or inside strings, so both readings give the same message)."""

_PLACEHOLDER: Final = re.compile(r"(\{timestamp\}|\{body\})")


@dataclass(frozen=True, slots=True)
class Scheme:
    """How a notification is signed: the document's `x-sms-hook-signature`, as data.

    The signature is the lower-case hex HMAC, with hash `algorithm` (a `hashlib` name), of
    `template` with `{timestamp}` replaced by the timestamp header's value as sent and `{body}` by
    the compact body. Header names are lower case.
    """

    signature_header: str
    timestamp_header: str
    algorithm: str
    template: str
    tolerance: int
    """Recommended seconds a timestamp may differ from now (0: no check)."""

    def __post_init__(self) -> None:
        parts = _PLACEHOLDER.findall(self.template)
        if sorted(parts) != ["{body}", "{timestamp}"]:
            raise ValueError(
                f"template: {self.template!r} must hold {{timestamp}} and {{body}} once each"
            )
        if self.algorithm not in hashlib.algorithms_guaranteed:
            raise ValueError(f"algorithm: {self.algorithm!r} is not a hash that hashlib provides")

    @property
    def hash_name(self) -> str:
        """The hash as people write it: `sha256` is SHA-256."""
        return re.sub(r"^SHA(?=\d)", "SHA-", self.algorithm.upper())

    @property
    def hmac_name(self) -> str:
        """The MAC as HTTP challenges and reports name it: `HMAC-SHA256`."""
        return f"HMAC-{self.algorithm.upper()}"

    def spelled(self) -> str:
        """The signed message in words: `timestamp + compact body` for the documentation's."""
        words = {"{timestamp}": self.timestamp_header, "{body}": "compact body"}
        return " + ".join(words.get(piece, json.dumps(piece)) for piece in _pieces(self.template))

    def fill(self, timestamp: str, compact_body: bytes) -> bytes:
        """Return the signed message: the template with the timestamp and the body put in."""
        pieces = _pieces(self.template)
        if pieces == _DOCUMENTED:  # every request the mock judges: no join needed
            return timestamp.encode() + compact_body
        values = {"{timestamp}": timestamp.encode(), "{body}": compact_body}
        return b"".join(values.get(piece, piece.encode()) for piece in pieces)


_DOCUMENTED: Final = ("{timestamp}", "{body}")


@functools.lru_cache(maxsize=16)
def _pieces(template: str) -> tuple[str, ...]:
    """A template cut into placeholders and literal text, in order (cut once per template)."""
    return tuple(piece for piece in _PLACEHOLDER.split(template) if piece)


DEFAULT_SCHEME: Final = Scheme(
    signature_header="signature",
    timestamp_header="timestamp",
    algorithm="sha256",
    template="{timestamp}{body}",
    tolerance=300,
)
"""The Betstack documentation's scheme, for callers without a contract (see the module's text)."""

DEFAULT_TOLERANCE: Final = DEFAULT_SCHEME.tolerance
"""Seconds a timestamp may differ from now, as Stripe and Standard Webhooks allow."""

_JSON_WHITESPACE: Final = re.compile(rb"[ \t\n\r]")
# A JSON string token (with its escapes) or a run of whitespace outside strings.
_STRING_OR_SPACE: Final = re.compile(rb'("(?:[^"\\]|\\.)*")|[ \t\n\r]+', re.DOTALL)
# Unix seconds: ASCII digits only, and few enough that int() is cheap and never refuses them.
_TIMESTAMP: Final = re.compile(r"[0-9]{1,18}")


def canonical_body(
    notification: Mapping[str, Any], field_order: Mapping[str, Sequence[str]]
) -> bytes:
    """Return the exact bytes sms-hook sends and signs for a notification.

    Compact JSON, UTF-8, non-ASCII written as itself; `type` first, then `data`, then any other
    top-level keys; inside `data` the fields of `field_order[type]` first, in that order, then
    any others in the order given. `field_order` comes from the OpenAPI document.
    """
    ordered: dict[str, Any] = {}
    for key in ("type", "data"):
        if key in notification:
            ordered[key] = notification[key]
    ordered.update((k, v) for k, v in notification.items() if k not in ordered)
    data = ordered.get("data")
    type_name = ordered.get("type")
    order = field_order.get(type_name, ()) if isinstance(type_name, str) else ()
    if isinstance(data, Mapping) and order:
        fields = {name: data[name] for name in order if name in data}
        fields.update((k, v) for k, v in data.items() if k not in fields)
        ordered["data"] = fields
    return json.dumps(ordered, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def compact(body: bytes) -> bytes:
    """Remove whitespace between JSON tokens; string contents stay untouched (reading "tokens")."""
    if not _JSON_WHITESPACE.search(body):
        return body
    return _STRING_OR_SPACE.sub(lambda m: m.group(1) or b"", body)


def strip_all_whitespace(body: bytes) -> bytes:
    """Remove every whitespace character, inside strings too (reading "all-whitespace")."""
    return _JSON_WHITESPACE.sub(b"", body)


def message(timestamp: str, body: bytes, scheme: Scheme = DEFAULT_SCHEME) -> bytes:
    """Return the signed message for a body as sent: timestamp, then the compact body."""
    return scheme.fill(timestamp, compact(body))


def sign(secret: str, timestamp: str, body: bytes, scheme: Scheme = DEFAULT_SCHEME) -> str:
    """Return the lower-case hex signature of `body` sent at `timestamp` (reading "tokens")."""
    return hmac_hex(secret, message(timestamp, body, scheme), scheme)


def hmac_hex(secret: str, msg: bytes, scheme: Scheme = DEFAULT_SCHEME) -> str:
    """Return the lower-case hex HMAC (SHA-256 unless the scheme says) of a built message."""
    return hmac.digest(secret.encode(), msg, scheme.algorithm).hex()


@dataclass(frozen=True, slots=True)
class Verified:
    """A signature that was accepted, with the reading of the body that matched."""

    timestamp: int
    reading: Reading


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance: int | None = None,
    now: float | None = None,
    scheme: Scheme = DEFAULT_SCHEME,
) -> Verified:
    """Accept a request's signature or raise the `SignatureError` that names the reason.

    `headers` must map lower-case header names to values. `tolerance` is in seconds (the scheme's
    unless given), 0 turns the timestamp check off. The comparison is constant-time.
    """
    names = (scheme.signature_header, scheme.timestamp_header)
    signature, timestamp = (headers.get(name, "") for name in names)
    for name, value in zip(names, (signature, timestamp), strict=True):
        if not value:
            raise MissingHeader(name, empty=name in headers)
    seconds = parse_timestamp(timestamp)
    if seconds is None:
        raise TimestampNotNumeric(timestamp, scheme.timestamp_header)
    tolerance = scheme.tolerance if tolerance is None else tolerance
    if tolerance:
        current = int(time.time() if now is None else now)
        if abs(seconds - current) > tolerance:
            raise TimestampOutOfTolerance(seconds, current, tolerance, scheme.timestamp_header)
    return Verified(seconds, match(secret, timestamp, body, signature, scheme))


def parse_timestamp(value: str) -> int | None:
    """Return the unix seconds of a `timestamp` header, or None if it is not 1-18 ASCII digits."""
    return int(value) if _TIMESTAMP.fullmatch(value) else None


def match(
    secret: str, timestamp: str, body: bytes, signature: str, scheme: Scheme = DEFAULT_SCHEME
) -> Reading:
    """Return the reading under which `signature` matches, or raise `SignatureMismatch`."""
    tokens = compact(body)
    expected = scheme.fill(timestamp, tokens)
    digest = hmac_hex(secret, expected, scheme).encode()
    given = signature.encode("ascii", errors="replace")
    if hmac.compare_digest(digest, given):
        return "compact" if tokens is body else "tokens"
    stripped = strip_all_whitespace(body)
    if stripped != tokens and hmac.compare_digest(
        hmac_hex(secret, scheme.fill(timestamp, stripped), scheme).encode(), given
    ):
        return "all-whitespace"
    hint = ""
    if signature.lower() != signature and hmac.compare_digest(
        digest, signature.lower().encode("ascii", errors="replace")
    ):
        hint = "upper-case hex; the platform sends lower-case"
    elif len(signature) != len(digest):
        hint = f"{len(signature)} characters; a {scheme.hash_name} hex digest has {len(digest)}"
    raise SignatureMismatch(expected, hint, header=scheme.signature_header, mac=scheme.hmac_name)
