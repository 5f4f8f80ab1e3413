"""Faulty receivers with one signature-handling mistake each."""

from __future__ import annotations

from collections.abc import Mapping

from tests.receivers.defective import Defective


class NoSignatureCheck(Defective):
    """Never checks the signature ("we are behind a VPN")."""

    name = "signature_not_checked"
    rule = "reject-bad-signature"

    def check_signature(self, headers: Mapping[str, str], body: bytes) -> None:
        return


class SignatureOnlyIfPresent(Defective):
    """Checks the signature only when the header is present and non-empty."""

    name = "signature_optional"
    rule = "reject-bad-signature"

    def check_signature(self, headers: Mapping[str, str], body: bytes) -> None:
        if headers.get("signature"):
            super().check_signature(headers, body)


class TimestampNotBound(Defective):
    """Also accepts an HMAC of the body alone (a leftover of an older scheme): timestamp unbound."""

    name = "signature_without_timestamp_accepted"
    rule = "reject-bad-signature"

    def expected_signatures(self, timestamp: str, body: bytes) -> list[str]:
        return [
            *super().expected_signatures(timestamp, body),
            self.hmac_hex(self.signed_body(body)),
        ]


class PrefixSignature(Defective):
    """Accepts a truncated signature: compares with `expected.startswith(given)`."""

    name = "signature_prefix_accepted"
    rule = "reject-bad-signature"

    def signature_matches(self, expected: str, given: str) -> bool:
        return expected.startswith(given)


class RawBodySignature(Defective):
    """HMACs the body exactly as received, so an indented (documentation-style) body fails."""

    name = "signature_over_raw_bytes"
    rule = "accept-whitespace"
    # The same defect accepts an indented body signed over its raw bytes, which the contract's
    # compact reading forbids.
    also = frozenset({"reject-bad-signature"})

    def signed_body(self, body: bytes) -> bytes:
        return body


class EmptyTimestamp(Defective):
    """Accepts a missing or empty timestamp (then signs the body alone and skips the age check).

    Caught by a request whose timestamp header is empty or absent and whose signature is the
    HMAC of the compact body with an empty timestamp in front (that is, of the body alone).
    """

    name = "timestamp_empty_accepted"
    rule = "reject-bad-signature"

    def signature_headers(self, headers: Mapping[str, str]) -> tuple[str, str]:
        if not headers.get("signature"):
            return super().signature_headers(headers)
        return headers["signature"], headers.get("timestamp", "")

    def check_timestamp(self, timestamp: str) -> None:
        if timestamp:
            super().check_timestamp(timestamp)


RECEIVERS: tuple[type[Defective], ...] = (
    NoSignatureCheck,
    SignatureOnlyIfPresent,
    TimestampNotBound,
    PrefixSignature,
    RawBodySignature,
    EmptyTimestamp,
)
