"""Signing a generated case: the exact request that goes out for what the case means to test.

* The body is compact JSON in the canonical key order (bytes stay bytes), and whitespace inside
  string values is replaced, so the two readings of "all spaces removed" agree.
* A header the case leaves out stays out; a header whose generated value breaks its schema (an
  empty or non-hex signature, a non-numeric timestamp) is kept, as the mutation meant it.
* A header that fits its schema gets the real value: a fresh timestamp, the signature over that
  timestamp and the exact bytes sent, the operator name of the run.
* Headers the contract does not define are not sent (they test none of its rules); those given
  with --header are added to every request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import schemathesis
from schemathesis.core import NotSet

from sms_hook import signing
from sms_hook.contract import Contract
from sms_hook.delivery import SignedRequest

_TOKEN: Final = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


Sent = tuple[tuple[tuple[str, str], ...], bytes]
"""A request as sent, less what changes every second (its timestamp and signature values)."""


@dataclass(frozen=True, slots=True)
class Signer:
    """Turns a generated case into the exact request that goes out (see the module docstring)."""

    contract: Contract
    secret: str
    operator_name: str
    extra: Mapping[str, str] = field(default_factory=dict)

    def request(self, case: schemathesis.Case[Any], now: int) -> SignedRequest | None:
        """Return the request for a case, or None if HTTP cannot carry it."""
        signed = self.signed(case, now)
        return None if signed is None else signed[0]

    def signed(self, case: schemathesis.Case[Any], now: int) -> tuple[SignedRequest, Sent] | None:
        """Return the request for a case and what it is whenever it is sent (its timestamp and
        signature as placeholders when they were made here), or None if HTTP cannot carry it."""
        body = self._body(case.body)
        if body is None:
            return None
        given_headers = {str(k).lower(): str(v) for k, v in case.headers.items()}
        schemas = {h.name: h.schema for h in self.contract.headers}
        headers = {"content-type": case.media_type or self.contract.media_type}
        made: dict[str, str] = {}
        scheme = self.contract.signature
        timestamp = given_headers.get(scheme.timestamp_header)
        if timestamp is not None and _fits(timestamp, schemas.get(scheme.timestamp_header, {})):
            timestamp = str(now)
            made[scheme.timestamp_header] = "<now>"
        for name, value in given_headers.items():
            if name == scheme.timestamp_header:
                headers[name] = timestamp or ""
            elif name == "operator-name":
                fits = _fits(value, schemas.get(name, {}))
                headers[name] = self.operator_name if fits else value
            elif name == scheme.signature_header:
                if _fits(value, schemas.get(name, {})):
                    headers[name] = signing.sign(self.secret, timestamp or "", body, scheme)
                    made[name] = "<signed>"
                else:
                    headers[name] = value
            # Any other header a case adds (negative mode invents names like `*mj!lrVE`) tests
            # no rule of the contract, and a gateway may refuse odd names: it is not sent.
        headers.update(self.extra)
        if not all(token(n) and sendable(v) for n, v in headers.items()):
            return None
        return SignedRequest(headers, body), (tuple(sorted({**headers, **made}.items())), body)

    def _body(self, body: Any) -> bytes | None:
        if isinstance(body, NotSet):
            return b""
        if isinstance(body, bytes):
            return body
        value = despaced(body)
        try:
            if isinstance(value, dict):
                return signing.canonical_body(value, self.contract.field_order)
            return json.dumps(
                value, separators=(",", ":"), ensure_ascii=False, allow_nan=False
            ).encode()
        except (ValueError, UnicodeEncodeError):  # NaN, or a lone surrogate: not JSON in UTF-8
            return None


# Whitespace to some language though not to Python's str.isspace(): U+FEFF is in ECMAScript's
# `\s` (and `trim()`); U+180E was a space separator before Unicode 6.3, so Java 8's
# Character.isWhitespace() and older JavaScript engines still remove it.
_ALSO_WHITESPACE: Final = frozenset("\u180e\ufeff")


def whitespace(c: str) -> bool:
    """True if a receiver that removes "every whitespace character" may remove `c`."""
    return c.isspace() or c in _ALSO_WHITESPACE


def despaced(value: Any) -> Any:
    """Return a JSON value with every whitespace character in its strings (keys too) made `_`."""
    if isinstance(value, str):
        return "".join("_" if whitespace(c) else c for c in value)
    if isinstance(value, dict):
        return {despaced(k): despaced(v) for k, v in value.items()}
    if isinstance(value, list):
        return [despaced(v) for v in value]
    return value


def header_examples(contract: Contract) -> dict[str, str]:
    """Return the document's example value of each header parameter (each fits its schema)."""
    operation = contract.document["paths"][contract.path][contract.method.lower()]
    examples: dict[str, str] = {}
    for listed in operation.get("parameters", ()):
        ref = listed.get("$ref", "")
        parameter = listed
        if ref.startswith("#/components/parameters/"):
            parameter = contract.document["components"]["parameters"][ref.rsplit("/", 1)[1]]
        if parameter.get("in") != "header":
            continue
        example = parameter.get("example", parameter.get("schema", {}).get("example"))
        if not isinstance(example, str) or not _fits(example, parameter.get("schema", {})):
            raise ValueError(f"header {parameter.get('name')}: no example that fits its schema")
        examples[parameter["name"]] = example
    return examples


def _fits(value: str, schema: Mapping[str, Any]) -> bool:
    if len(value) < int(schema.get("minLength", 0)):
        return False
    pattern = schema.get("pattern")
    return pattern is None or re.search(pattern, value) is not None


def token(name: str) -> bool:
    """True if `name` can be an HTTP header name."""
    return _TOKEN.fullmatch(name) is not None


def sendable(value: str) -> bool:
    """True if `value` goes into an HTTP header as it is (printable ASCII, no edge spaces)."""
    return value == value.strip() and value.isascii() and value.isprintable()
