"""The judge's view of how a request is framed on the wire.

Chunked transfer coding, `Expect: 100-continue`, HTTP/1.0 with a `Content-Length` and
`Connection: close` change nothing: every HTTP/1.1 server must accept them, so the notification
is judged as it is. An `Upgrade: h2c` offer is an allowance: a server on uvicorn's httptools
parser drops the body of such a request (uvicorn issue 2722) and then rightly rejects an empty
body, which the contract reports but does not fail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from sms_hook.judge.verdict import Judgement


@dataclass(frozen=True, slots=True)
class Framing:
    """One way of putting the same request on the wire."""

    name: str
    description: str
    binding: bool
    """True: the contract requires the usual 200; False: a lost body is reported, not failed."""


FRAMINGS: Final = (
    Framing("chunked", "Transfer-Encoding: chunked, no Content-Length", True),
    Framing("expect-100-continue", "Expect: 100-continue before the body", True),
    Framing("http-1.0", "HTTP/1.0 with a Content-Length", True),
    Framing("connection-close", "Connection: close", True),
    Framing("h2c-upgrade", "an Upgrade: h2c offer (as curl --http2 on http:// sends)", False),
)
BY_NAME: Final = {f.name: f for f in FRAMINGS}


def upgrade_offered(headers: Mapping[str, str]) -> bool:
    """Whether the request offers to switch protocols (`Connection: upgrade` with `Upgrade`)."""
    tokens = {t.strip().lower() for t in headers.get("connection", "").split(",")}
    return "upgrade" in headers and "upgrade" in tokens


def check_framing(j: Judgement, headers: Mapping[str, str]) -> None:
    """Add the allowance for a request whose framing a common server mishandles."""
    if upgrade_offered(headers):
        j.allow(
            "header upgrade",
            f"offers {headers['upgrade']!r}; a server on uvicorn's httptools parser loses the "
            "body of such a request (uvicorn issue 2722)",
            400,
            "h2c-upgrade",
        )
