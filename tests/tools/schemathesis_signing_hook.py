"""A schemathesis CLI hook (`SCHEMATHESIS_HOOKS`) that signs each case as the platform would.

Only what a case means to be valid is signed: a `timestamp` header that fits the document's
schema becomes now, and a `signature` header that fits is replaced by the real signature. A
header the case leaves out or breaks on purpose (negative testing) goes out as it is, so
schemathesis's "missing header accepted" checks stay honest.

The body keeps its values, put in the platform's key order (`type` first, `data`'s fields as
documented: the mock holds senders to it). It stays a JSON value that schemathesis serialises
(replacing it with bytes makes schemathesis re-validate bytes
against the object schema, call the case negative, and report a valid request as "accepted
negative data"). It serialises a body with `requests`, i.e. `json.dumps(body)`: ", " and ": "
between tokens, non-ASCII as \\u escapes. The receiver compacts whitespace between tokens
before checking, so signing `json.dumps(body)` signs exactly what is sent.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import schemathesis

from sms_hook import contract as contract_module
from sms_hook import signing

_CONTRACT = contract_module.load(
    Path(os.environ["SMS_HOOK_DOCUMENT"]) if "SMS_HOOK_DOCUMENT" in os.environ else None
)
_SCHEME = _CONTRACT.signature
_SECRET = os.environ.get("SMS_HOOK_SECRET") or _CONTRACT.test_key
_PATTERNS = {h.name: re.compile(str(h.schema.get("pattern", ""))) for h in _CONTRACT.headers}


def _fits(name: str, value: object) -> bool:
    return isinstance(value, str) and bool(value) and _PATTERNS[name].search(value) is not None


@schemathesis.hook
def before_call(ctx: Any, case: Any, kwargs: dict[str, Any]) -> None:
    headers = case.headers
    if not isinstance(headers, MutableMapping):  # negative cases may make it any value
        return
    names = {k.lower(): k for k in headers}
    ts_key = names.get(_SCHEME.timestamp_header)
    sig_key = names.get(_SCHEME.signature_header)
    if ts_key is None or not _fits(_SCHEME.timestamp_header, headers[ts_key]):
        return
    if isinstance(case.body, dict):
        try:
            case.body = json.loads(signing.canonical_body(case.body, _CONTRACT.field_order))
        except (TypeError, ValueError):
            return
    try:
        sent = json.dumps(case.body, allow_nan=False).encode()
    except (TypeError, ValueError):  # not a JSON value (schemathesis's own bytes or NaN)
        return
    headers[ts_key] = str(int(time.time()))
    if sig_key is not None and _fits(_SCHEME.signature_header, headers[sig_key]):
        headers[sig_key] = signing.sign(_SECRET, headers[ts_key], sent, _SCHEME)
        # The signature is now real, as if an auth provider had set it: schemathesis then proves
        # that the receiver enforces it (probes without it and with a wrong one, which it sends
        # without this hook) instead of reporting "generated auth accepted".
        case._has_explicit_auth = True
