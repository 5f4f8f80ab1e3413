"""A probe: one deterministic request of the contract battery, signed at the moment it is sent.

A probe holds the body bytes and a `Send` recipe that says how its headers are made: which
timestamp, which key, which message is signed, which headers are left out or emptied. The
recipe is applied when the probe goes out, so every timestamp is fresh however long a run takes.

Recipes name the signed headers by their role (`"timestamp"`, `"signature"`); the document's
`x-sms-hook-signature` gives their names on the wire, the hash and the signed message's template,
so a document that renames a header or changes the template changes every probe with it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from sms_hook import signing
from sms_hook.delivery import SignedRequest

JSON: Final = "application/json"
SIGNED_HEADERS: Final = ("timestamp", "signature")
"""The roles of the signed headers, as recipes name them in `Send.omit` and `Send.empty`."""

Reading = Literal["tokens", "all-whitespace", "raw"]
HeaderCase = Literal["lower", "title", "upper"]


@dataclass(frozen=True, slots=True)
class Send:
    """How a probe's headers are made from its body when it is sent (defaults: as the platform)."""

    timestamp: int | str = 0
    """An int is an offset in seconds from now; a str is sent as it is."""
    signed_timestamp: int | str | None = None
    """The timestamp put in the signed message: None for the one sent; "" signs the body alone."""
    key: str | None = None
    """The HMAC key: None for the partner's secret."""
    signed_body: bytes | None = None
    """The body put in the signed message: None for the one sent."""
    reading: Reading = "tokens"
    """How the signed body is reduced: compact JSON, every whitespace removed, or left raw."""
    signature: Callable[[str], str] | None = None
    """Changes the correct hex digest into the one sent (truncated, upper-case, ...)."""
    omit: tuple[str, ...] = ()
    """Headers left out: a role of `SIGNED_HEADERS` or a header's own name."""
    empty: tuple[str, ...] = ()
    """Headers sent empty, named as in `omit`."""
    content_type: str | None = JSON
    case: HeaderCase = "lower"


PLATFORM: Final = Send()


@dataclass(frozen=True, slots=True)
class Probe:
    """One request of the battery, meant to exercise one rule for one notification type."""

    rule: str
    type: str
    title: str
    body: bytes
    send: Send = field(default=PLATFORM)
    advisory: str | None = None
    """For advisory probes, what the answer tells (e.g. "replay", "reading:tokens")."""
    case: tuple[str, str] | None = None
    """(field, kind of case) the probe puts in one field, for the field map (see `fieldmap`)."""

    def request(
        self,
        now: int,
        secret: str,
        operator_name: str,
        extra: Mapping[str, str] | None = None,
        *,
        scheme: signing.Scheme,
    ) -> SignedRequest:
        """Return the exact request to send at unix time `now`, signed under `scheme`."""
        s = self.send
        timestamp = str(now + s.timestamp) if isinstance(s.timestamp, int) else s.timestamp
        if s.signed_timestamp is None:
            signed_ts = timestamp
        elif isinstance(s.signed_timestamp, int):
            signed_ts = str(now + s.signed_timestamp)
        else:
            signed_ts = s.signed_timestamp
        body = self.body if s.signed_body is None else s.signed_body
        reduced = {
            "tokens": signing.compact,
            "all-whitespace": signing.strip_all_whitespace,
            "raw": _raw,
        }[s.reading](body)
        key = secret if s.key is None else s.key
        digest = signing.hmac_hex(key, scheme.fill(signed_ts, reduced), scheme)
        roles = {"timestamp": scheme.timestamp_header, "signature": scheme.signature_header}
        omit = {roles.get(name, name) for name in s.omit}
        empty = {roles.get(name, name) for name in s.empty}
        values: dict[str, str | None] = {
            "content-type": s.content_type,
            scheme.timestamp_header: timestamp,
            "operator-name": operator_name,
            scheme.signature_header: digest if s.signature is None else s.signature(digest),
        }
        headers: dict[str, str] = {}
        for name, value in values.items():
            if value is None or name in omit:
                continue
            headers[_cased(name, s.case)] = "" if name in empty else value
        headers.update(extra or {})
        return SignedRequest(headers, self.body)


def _raw(body: bytes) -> bytes:
    return body


def _cased(name: str, case: HeaderCase) -> str:
    if case == "upper":
        return name.upper()
    if case == "title":
        return "-".join(part.capitalize() for part in name.split("-"))
    return name
