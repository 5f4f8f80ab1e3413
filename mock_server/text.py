"""Text that can always be written as UTF-8, even when a sender's JSON held a lone surrogate.

JSON may spell half of a UTF-16 surrogate pair on its own (`"\\ud800"`, RFC 8259 section 8.2).
Python decodes it into a `str` that has no UTF-8 encoding, so SQLite and the HTTP answer would
both refuse it (a 500). Such a code point is written back as the escape the sender used: inside a
JSON string that is the same value, read back unchanged; in plain text it reads as it was sent.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

_SURROGATE: Final = re.compile("[\ud800-\udfff]")
# Built once: json.dumps with any keyword argument builds a new encoder on every call.
_ENCODER: Final = json.JSONEncoder(ensure_ascii=False)


def utf8_safe(text: str) -> str:
    """Return `text` with every surrogate code point spelled as its JSON escape (`\\ud800`)."""
    if text.isascii():  # the usual case, and much cheaper than the search
        return text
    return _SURROGATE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def json_text(value: Any) -> str:
    """Return `value` as JSON, non-ASCII written as itself, that always encodes as UTF-8."""
    return utf8_safe(_ENCODER.encode(value))
