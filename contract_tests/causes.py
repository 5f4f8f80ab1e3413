"""Root causes: failures grouped into what a person fixes once.

Each failing request gets a cause id when it is judged (`key`), from what the contract required,
what the judge found in the request and what came back; the id leaves out the notification type,
so that `event_id` accepted as `true`, `"100001"` and `1.5` in any type is one cause, listing the
values. `group` then turns a run's failures into causes, most important first: the path or a
redirect (nothing else can be judged), the signature and server errors, validation, malformed
bodies, valid input refused, the answer's shape, open cases.

    path                      every request got 404/405: nothing answers at this URL (whole run)
    redirect                  the answers are redirects
    rejects-signed            correctly signed notifications refused with 401/403
    rejects-indented          only whitespace-laid-out bodies refused with 401/403
    server-error.TRIGGER      a 5xx (TRIGGER: the judge's first finding, or "valid")
    no-answer.TRIGGER         a dropped connection or a timeout
    accepts.FINDING.FIELD     a request the contract rejects got a 2xx
    refuses.RULE              a valid request (of RULE's kind) got another 4xx
    answer-shape.KIND         a valid notification got 200 but not {"message": string} as JSON
    open.KIND                 an open case got neither 200 as above nor a 4xx
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from sms_hook import signing
from sms_hook.judge import Expect, Judgement, show
from sms_hook.response import NOT_HERE

RANKS: Final = {
    "path": 0,
    "redirect": 0,
    "rejects-signed": 1,
    "server-error": 1,
    "no-answer": 1,
    "accepts-signature": 1,
    "accepts": 2,
    "accepts-body": 3,
    "rejects-indented": 4,
    "refuses": 4,
    "answer-shape": 5,
    "open": 6,
}
"""Lower first: the order causes are listed in (then by how many requests each explains)."""

_SIGNATURE: Final = frozenset({"signature-missing", "timestamp-missing", "signature-mismatch"})
_BODY: Final = frozenset(
    {"body-empty", "body-not-utf8", "body-too-deep", "body-malformed", "body-not-object"}
)
_DENIED: Final = frozenset({401, 403})


def key(
    rule: str,
    expect: Expect,
    judgement: Judgement,
    status: int | None,
    problems: Sequence[str],
    body: bytes = b"",
) -> tuple[str, str | None]:
    """Return the cause id of one failing request, and the value it is about (JSON, or None).

    A server error on any body that does not parse (malformed, empty, not UTF-8, nested too
    deep) is one cause: one unguarded parse; the kind of body is its value.
    """
    listed = judgement.binding or judgement.findings
    first = listed[0] if listed else None
    trigger = "valid" if first is None else _slug(first.rule, first.field)
    value: str | None = None
    if first is not None and (
        first.rule in _BODY - {"body-not-object"}
        or (first.rule == "integer-range" and first.field == "body")
    ):
        trigger, value = "body", _TRIGGERS[first.rule]
    if status is None:
        return f"no-answer.{trigger}", value
    if status >= 500:
        return f"server-error.{trigger}", value or str(status)
    if 300 <= status < 400:
        return "redirect", str(status)
    if status in NOT_HERE and expect is not Expect.REJECT:
        return "path", str(status)
    if expect is Expect.ACCEPT:
        # A 401 to a valid notification framed otherwise (chunked, HTTP/1.0, ...) says the body
        # was lost in the framing, not that the secret differs: that cause is the framing's.
        if status in _DENIED and rule != "accept-framings":
            return ("rejects-indented" if rule == "accept-whitespace" else "rejects-signed"), str(
                status
            )
        if 400 <= status < 500:
            # A valid case generated with non-ASCII text is refused for it, whatever its rule.
            feature = "accept-non-ascii" if any(b >= 0x80 for b in body) else rule
            return f"refuses.{feature}", str(status)
        return f"answer-shape.{_shape(status, problems)}", None
    if expect is Expect.REJECT and first is not None:
        return f"accepts.{_slug(first.rule, first.field)}", _value(judgement, first.field)
    return f"open.{_shape(status, problems)}", None


def _slug(finding: str, field: str) -> str:
    where = field.removeprefix("header ").replace(" ", "-")
    return f"{finding}.{where}"


def _shape(status: int, problems: Sequence[str]) -> str:
    if status != 200:
        return f"status-{status}"
    text = " ".join(problems)
    if "content-type" in text:
        return "content-type"
    if '"message"' in text:
        return "message"
    return "not-json"


def _value(judgement: Judgement, field: str) -> str | None:
    """The value of a data field in the request (as JSON), for listing under its cause."""
    notification = judgement.notification
    if notification is None or not field.startswith(("data.", "type")):
        return None
    node: Any = notification
    for part in field.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return show(node)


def family(cause: str) -> str:
    """The kind of a cause id, which decides its rank (`accepts.field-type...` → `accepts`)."""
    head, _, rest = cause.partition(".")
    if head == "accepts":
        finding = rest.split(".", 1)[0]
        if finding in _SIGNATURE:
            return "accepts-signature"
        if finding in _BODY or rest.endswith(".data"):
            return "accepts-body"
    return head


@dataclass(frozen=True, slots=True)
class Phrase:
    """What a cause is, in a partner's words, and what to do about it."""

    title: str
    advice: str


_FINDING_TITLES: Final = {
    "field-type": "{field} is not checked to be {kind}",
    "field-enum": "{field} is not checked against its values ({options})",
    "field-missing": "{field} is not required (a notification without it is accepted)",
    "field-null": "null is accepted as {field}",
    "field-length": "the length of {field} is not checked",
    "field-pattern": "the pattern of {field} is not checked",
    "field-range": "the range of {field} is not checked",
    "signature-missing": "a missing or empty signature header is accepted",
    "timestamp-missing": "a missing or empty timestamp header is accepted",
    "signature-mismatch": "signatures that do not match are accepted",
    "body-empty": "an empty body is accepted",
    "body-not-utf8": "a body that is not UTF-8 is accepted",
    "body-too-deep": "deeply nested JSON is accepted",
    "body-malformed": "malformed JSON is accepted",
    "body-not-object": "a body that is not a JSON object is accepted",
}
_TRIGGERS: Final = {
    "valid": "valid notifications",
    "body-empty": "an empty body",
    "body-not-utf8": "bytes that are not UTF-8",
    "body-too-deep": "deeply nested JSON",
    "body-malformed": "malformed JSON",
    "body-not-object": "a body that is not a JSON object",
    "integer-range": "an integer of thousands of digits",
    "unknown-type": "an unknown type",
    "operator-name-missing": "a missing or empty operator-name header",
    "signature-missing": "a missing or empty signature",
    "timestamp-missing": "a missing or empty timestamp",
    "signature-mismatch": "a signature that does not match",
    "media-type": "another or no Content-Type",
    "extra-field": "extra fields",
    "duplicate-keys": "duplicate keys",
    "key-order": "keys in another order",
}
_REFUSED: Final = {
    "accept-valid": "valid notifications are refused",
    "accept-whitespace": "bodies with whitespace between tokens are refused",
    "accept-non-ascii": "non-ASCII text in string values is refused",
    "accept-safe-integers": "integers within ±(2^53−1) are refused",
    "accept-header-case": "header names in another letter case are refused",
    "accept-framings": (
        "valid notifications framed another way (chunked, Expect: 100-continue, HTTP/1.0, "
        "Connection: close) are refused: the body is not read as sent"
    ),
    "accept-hostile-text": "valid string values with quotes, markup, emoji or other scripts "
    "are refused",
    "retry-redelivery": "a notification delivered again with a fresh signature is refused",
    "retry-resettlement": "a later result for the same ticket (a resettlement) is refused",
}
_SHAPES: Final = {
    "content-type": (
        "valid notifications are answered without Content-Type application/json",
        'answer 200 with Content-Type: application/json and {"message": "..."}',
    ),
    "message": (
        'valid notifications are answered without a string "message"',
        'answer a JSON object with a string "message" (other keys are fine)',
    ),
    "not-json": (
        "valid notifications are answered with a body that is not a JSON object",
        'answer {"message": "..."} as application/json',
    ),
}


def phrase(
    cause: str,
    kinds: dict[str, str],
    options: dict[str, tuple[str, ...]],
    scheme: signing.Scheme,
) -> Phrase:
    """Say what a cause is and what to do. `kinds` maps a data field to its JSON type, `options`
    to its enum values, `scheme` is the signature scheme (all from the contract)."""
    head, _, rest = cause.partition(".")
    if head == "path":
        return Phrase(
            "nothing answers notifications at this path",
            "check the URL: give the path your receiver serves notifications on "
            "(every request got 404 or 405)",
        )
    if head == "redirect":
        return Phrase(
            "the receiver answers with a redirect",
            "give the final URL (see the Location header); the platform does not follow "
            "redirects, and verify does not either",
        )
    if head == "rejects-signed":
        return Phrase(
            "correctly signed notifications are rejected: a different secret, or a "
            "different signed message",
            "check that your receiver uses the same secret (--secret or SMS_HOOK_SECRET) and "
            f"signs {scheme.spelled()} with {scheme.hmac_name} (hex); compare "
            "with the message and signature above, or run `sms-hook sign` on it",
        )
    if head == "rejects-indented":
        return Phrase(
            "bodies with whitespace between tokens fail the signature check",
            "compute the HMAC over the compact body (no whitespace between JSON tokens), "
            "not over the bytes as received",
        )
    if head in ("server-error", "no-answer"):
        finding = rest.split(".", 1)[0]
        what = _TRIGGERS.get(finding, finding.replace("-", " "))
        if finding == "body":
            what = "bodies that do not parse as JSON"
        if head == "server-error":
            return Phrase(
                f"a server error (5xx) on {what}",
                f"answer {what} with a 4xx (or 200 where the contract allows it), never a 5xx: "
                "the platform retries a 5xx",
            )
        return Phrase(
            f"no answer (connection dropped or timed out) on {what}",
            "answer every request within the timeout; a dropped connection is retried",
        )
    if head == "accepts":
        finding, _, where = rest.partition(".")
        fields = where.split("+")
        name = fields[0].rsplit(".", 1)[-1]
        kind = kinds.get(name, "the documented type")
        template = _FINDING_TITLES.get(finding, f"{{field}}: {finding.replace('-', ' ')}")
        title = template.format(
            field=" and ".join(fields),
            kind=_article(kind) if len(fields) == 1 else f"{kind}s",
            options=", ".join(options.get(name, ())),
        )
        if len(fields) > 1:
            title = title.replace(" is ", " are ", 1)
        if finding in _SIGNATURE:
            advice = "reject the request with 401 unless the signature header matches"
        else:
            advice = "answer a 4xx (400) when the contract's check fails"
        return Phrase(title, advice)
    if head == "refuses":
        return Phrase(
            _REFUSED.get(rest, f"valid requests of {rest} are refused"),
            "accept it with 200: the contract requires it",
        )
    if head == "answer-shape":
        if rest.startswith("status-"):
            return Phrase(
                f"valid notifications are answered {rest.removeprefix('status-')}, not 200",
                'answer exactly 200 with {"message": "..."}',
            )
        title, advice = _SHAPES.get(rest, _SHAPES["not-json"])
        return Phrase(title, advice)
    if rest.startswith("status-"):
        return Phrase(
            f"an open case is answered {rest.removeprefix('status-')}",
            "where the contract leaves it open, answer 200 as for a valid notification or a 4xx",
        )
    title, advice = _SHAPES.get(rest, _SHAPES["not-json"])
    return Phrase(title.replace("valid notifications", "open cases"), advice)


def _article(kind: str) -> str:
    return f"an {kind}" if kind[:1] in "aeiou" else f"a {kind}"


_DECODER: Final = re.compile(r"malformed JSON: .*?\(char (\d+)\)")
_DIGITS: Final = re.compile(
    r"an integer is too long \(Exceeds the limit \((\d+) digits\).*?to increase the limit\)"
)


def plain(text: str) -> str:
    """Replace Python's wording in the judge's reasons (`Expecting ',' delimiter: line 1 column
    62 (char 61)`, `Exceeds the limit (4300 digits) for integer string conversion…`) with what a
    partner needs: where the JSON breaks, how long an integer may be."""
    text = _DECODER.sub(lambda m: f"malformed JSON (at byte {m.group(1)})", text)
    return _DIGITS.sub(lambda m: f"an integer is longer than {m.group(1)} digits", text)
