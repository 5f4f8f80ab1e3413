"""The rule catalogue: every rule `verify` checks, one per row of contract.md section 2.

A probe is sent for one rule; the judge decides what the receiver must answer to the request as
it went out, and the rule names the failure when the answer does not meet that. A 5xx, a dropped
connection or a timeout on any probe is reported under `no-server-error`. Advisory rules describe
the receiver and are never failures.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from sms_hook.judge import Expect, Judgement

ANY_TYPE: Final = "any"
"""The notification type of a probe that carries none (an empty body, a JSON array, ...)."""

INT32_MAX: Final = 2**31 - 1
"""Integers beyond this catch receivers that store ids in 32 bits."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of the contract: what a receiver must answer to one kind of request."""

    id: str
    summary: str
    expect: Expect | None
    """What the judge says of the rule's probes (None for `no-server-error`: every probe)."""
    advisory: bool = False
    category: str = "robustness"
    """The certificate's column the rule is scored under (signature, schema validation, ...)."""
    server_errors: bool = False
    """True: a 5xx or no answer to this rule's probes is reported under it, not under
    `no-server-error`, because its row of the contract names the case ("never a 5xx")."""


RULES: Final = (
    Rule(
        "accept-valid",
        'a valid, correctly signed notification gets 200, application/json, {"message": string}',
        Expect.ACCEPT,
        category="response shape",
    ),
    Rule(
        "accept-whitespace",
        "the same, sent with whitespace between tokens and signed over the "
        "compact form, gets 200 as above",
        Expect.ACCEPT,
        category="signature",
    ),
    Rule(
        "accept-non-ascii",
        "non-ASCII text in string values (UTF-8) gets 200 as above",
        Expect.ACCEPT,
        category="schema validation",
    ),
    Rule(
        "accept-safe-integers",
        "integers within ±(2^53−1) get 200 as above",
        Expect.ACCEPT,
        category="schema validation",
    ),
    Rule(
        "accept-header-case",
        "header names in any letter case are treated the same",
        Expect.ACCEPT,
        category="robustness",
    ),
    Rule(
        "reject-invalid-data",
        "a missing field, a wrong JSON type, null or a value outside its enum gets a 4xx",
        Expect.REJECT,
        category="schema validation",
    ),
    Rule(
        "reject-malformed-body",
        "data missing or not an object, a body that is not a JSON object, "
        "malformed JSON, non-UTF-8 bytes, an empty body, NaN, deep nesting get a 4xx",
        Expect.REJECT,
        category="malformed bodies",
    ),
    Rule(
        "reject-bad-signature",
        "a missing, empty, wrong, truncated or non-hex signature or timestamp gets a 4xx",
        Expect.REJECT,
        category="signature",
    ),
    Rule(
        "open-policy",
        "where the contract leaves the answer open: 200 meeting the acceptance shape, or a 4xx",
        Expect.EITHER,
        category="robustness",
    ),
    Rule(
        "accept-framings",
        "the same valid notification sent chunked, with Expect: 100-continue, as HTTP/1.0 with "
        "a Content-Length, or with Connection: close gets 200 as above",
        Expect.ACCEPT,
        server_errors=True,
        category="framing",
    ),
    Rule(
        "accept-hostile-text",
        "string values holding quotes, backslashes, <script>, emoji, right-to-left marks, "
        "other scripts or 10 kB of text get 200 as above",
        Expect.ACCEPT,
        server_errors=True,
        category="strings",
    ),
    Rule(
        "open-control-strings",
        "string values holding escaped control characters (U+0000 to U+001F) or an escaped "
        "lone surrogate get 200 or a 4xx, never a 5xx",
        Expect.EITHER,
        server_errors=True,
        category="strings",
    ),
    Rule(
        "reject-nan-anywhere",
        "NaN, Infinity or -Infinity anywhere (a documented field, an extra field in data, an "
        "extra top-level key) gets a 4xx",
        Expect.REJECT,
        category="malformed bodies",
    ),
    Rule(
        "open-extreme-extras",
        "huge integers and deep nesting inside extra fields get 200 or a 4xx, never a 5xx",
        Expect.EITHER,
        server_errors=True,
        category="robustness",
    ),
    Rule(
        "reject-plausible-enum",
        "a value outside an enum that a betting platform might use (another outcome or "
        "status word) gets a 4xx",
        Expect.REJECT,
        category="schema validation",
    ),
    Rule(
        "retry-exact-replay",
        "the exact same request sent again (same body, timestamp and signature) gets 200 as "
        "above or a 4xx, never a 5xx",
        Expect.EITHER,
        server_errors=True,
        category="retries",
    ),
    Rule(
        "retry-redelivery",
        "the same notification delivered again with a fresh timestamp and signature gets 200",
        Expect.ACCEPT,
        server_errors=True,
        category="retries",
    ),
    Rule(
        "retry-resettlement",
        "a later bet_result or ticket_status for the same ticket (and bet) with another "
        "result or status gets 200",
        Expect.ACCEPT,
        server_errors=True,
        category="retries",
    ),
    Rule(
        "replay-protection",
        "in strict replay mode (--require-replay-protection S), a timestamp more than S "
        "seconds in the past or in the future gets a 4xx",
        Expect.REJECT,
        category="replay",
    ),
    Rule(
        "no-server-error",
        "never a 5xx, never a dropped connection, never a timeout",
        None,
        category="robustness",
    ),
    Rule(
        "advisory-replay",
        "stale, future or non-numeric timestamps are rejected (replay "
        "protection); reported, never failed",
        Expect.EITHER,
        advisory=True,
        category="replay",
    ),
    Rule(
        "advisory-spaces-reading",
        'which reading of "all spaces removed" the receiver implements; reported, never failed',
        Expect.EITHER,
        advisory=True,
        category="signature",
    ),
    Rule(
        "advisory-replay-window",
        "the replay window, measured: the timestamp offsets the receiver accepts; "
        "reported, never failed (except in strict replay mode)",
        Expect.EITHER,
        advisory=True,
        category="replay",
    ),
    Rule(
        "advisory-duplicates",
        "the receiver's duplicate policy: acknowledges exact repeats or rejects them; "
        "reported, never failed",
        Expect.EITHER,
        advisory=True,
        category="retries",
    ),
    Rule(
        "advisory-framing",
        "an Upgrade: h2c offer: 200 recommended; a receiver that loses the body is reported, "
        "never failed",
        Expect.EITHER,
        advisory=True,
        category="framing",
    ),
    Rule(
        "advisory-byte-forms",
        "which byte forms of the same notification the receiver accepts (\\u escapes, "
        "escaped /, other key order), and what that says of its signature check; reported",
        Expect.EITHER,
        advisory=True,
        category="signature",
    ),
    Rule(
        "advisory-timing",
        "answers to valid notifications slower than 5 s; reported, never failed",
        Expect.EITHER,
        advisory=True,
        category="robustness",
    ),
)
BY_ID: Final = {rule.id: rule for rule in RULES}
CATEGORIES: Final = tuple(dict.fromkeys(rule.category for rule in RULES))
"""The certificate's columns, in the order their first rule appears."""
FAILING: Final = tuple(rule.id for rule in RULES if not rule.advisory)
"""The rules a receiver can break, in report order."""

SEQUENCED: Final = frozenset(
    {"accept-framings", "retry-exact-replay", "retry-redelivery", "retry-resettlement"}
    | {"replay-protection"}
)
"""Rules whose probes the run sends in order (see `sequenced`), not the battery."""

NO_SERVER_ERROR: Final = "no-server-error"
OPEN_POLICY: Final = "open-policy"
REPLAY_PROTECTION: Final = "replay-protection"

_SIGNATURE_FINDINGS: Final = frozenset(
    {"signature-missing", "timestamp-missing", "signature-mismatch"}
)
_BODY_FINDINGS: Final = frozenset(
    {"body-empty", "body-not-utf8", "body-too-deep", "body-malformed", "body-not-object"}
)


def failing_rule(intended: str, expect: Expect) -> str:
    """Return the rule a wrong answer to a probe meant for `intended` is reported under.

    Advisory probes report a wrong answer (a 200 of the wrong shape) under `open-policy`; a probe
    whose intended rule expects something other than what the judge says is reported under the
    judge's expectation (the judge wins), which the battery's tests keep from happening.
    """
    rule = BY_ID[intended]
    if rule.advisory:
        return OPEN_POLICY
    if rule.expect is expect:
        return intended
    return {Expect.ACCEPT: "accept-valid", Expect.EITHER: OPEN_POLICY}.get(
        expect, "reject-invalid-data"
    )


def classify(judgement: Judgement, expect: Expect, body: bytes) -> str:
    """Return the rule a request that was not built for one (a generated case) falls under."""
    if expect is Expect.EITHER:
        return OPEN_POLICY
    if expect is Expect.ACCEPT:
        # Name the specific rule only when the request has that one feature; with both, either
        # may be what the receiver rejected, and "a valid notification" is what is certain.
        non_ascii = any(b >= 0x80 for b in body)
        large = any(abs(n) > INT32_MAX for n in _integers(judgement.notification))
        if non_ascii != large:
            return "accept-non-ascii" if non_ascii else "accept-safe-integers"
        return "accept-valid"
    first = judgement.binding[0]
    if first.rule in _SIGNATURE_FINDINGS:
        return "reject-bad-signature"
    if first.rule in _BODY_FINDINGS or first.field == "data":
        return "reject-malformed-body"
    return "reject-invalid-data"


def _integers(value: Any) -> list[int]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _integers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _integers(v)]
    return []


def describe_expectation(expect: Expect, judgement: Judgement) -> str:
    """Say what the receiver had to answer, and why, in one line."""
    if expect is Expect.ACCEPT:
        return '200 with Content-Type application/json and a JSON object with a string "message"'
    if expect is Expect.REJECT:
        return "a 4xx, because " + "; ".join(str(f) for f in judgement.binding)
    reasons = (
        "; ".join(str(f) for f in judgement.findings) or "the reading of the signature is open"
    )
    return f'200 (with a JSON "message") or a 4xx, as the contract leaves it open: {reasons}'


def show_json(value: Any) -> str:
    """Render a JSON value compactly, as it appears in a body."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
