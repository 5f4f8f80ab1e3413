"""Correct receivers that differ from each other in every way contract.md section 2 allows.

`sms-hook verify` must pass every one of them with no failure: each failure reported against one
is a false alarm (or a defect of the receiver, which is then fixed here). They are written from
the contract, independently of `sms_hook.judge` and `sms_hook.response`, with hand-written HMAC:

    configurable   plain ASGI; every open choice is a `Policy` setting
    node_style     an Express service: float64 numbers, JSON.stringify or /\\s/g signing
    gateway        Starlette behind an API gateway that wants an X-Api-Key header
    readings       the ways of reading "all spaces removed"
    asgi           routing, body, and how answers go out (gzip, chunked, Connection: close, delay)

    POLICIES   name → Case: how to build, serve and verify the receiver
    MISREAD    name → (Case, rule): receivers that break one rule, and the rule verify names
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from contract_tests.runner import Settings
from sms_hook.delivery import DEFAULT_OPERATOR
from tests.receivers.asgi import ASGIApp
from tests.verify.policies.asgi import Route, Transport
from tests.verify.policies.configurable import Policy, PolicyReceiver
from tests.verify.policies.gateway import gateway_receiver
from tests.verify.policies.node_style import NodeStyleReceiver

API_KEY: Final = "gw-7f3a9c"
OPERATOR: Final = "acme-bet"


@dataclass(frozen=True)
class Case:
    """One receiver: what it does, how to build and serve it, and how verify must call it."""

    policy: str
    build: Callable[[str, Route], ASGIApp]
    """(secret, route) → the ASGI app."""
    route: Route
    headers: Mapping[str, str] = field(default_factory=dict)
    """--header options verify needs (a gateway's key)."""
    operator_name: str | None = None
    """--operator-name, when the receiver insists on its own name."""
    server: Mapping[str, Any] = field(default_factory=dict)
    """uvicorn settings."""
    slow: bool = False
    """Slow to answer on purpose: tests keep its runs short."""

    def settings(self, base: str, secret: str) -> Settings:
        """verify's settings for this receiver served at `base` (http://127.0.0.1:PORT)."""
        return Settings(
            self.route.url(base),
            secret,
            operator_name=self.operator_name or DEFAULT_OPERATOR,
            headers=dict(self.headers),
        )


def _policy(policy: Policy, transport: Transport | None = None) -> Callable[[str, Route], ASGIApp]:
    return lambda secret, route: PolicyReceiver(secret, policy, route, transport)


POLICIES: Final[dict[str, Case]] = {
    "signature_first_403_422": Case(
        "signature first: 403 for every signature problem even on a malformed body, then 422 "
        "for every invalid body; open cases accepted; tokens reading over the bytes",
        _policy(Policy(order=("signature", "body"), signature_status=403, invalid_status=422)),
        Route("/webhooks/betstack"),
    ),
    "body_first_400": Case(
        "body first: 400 for every invalid body even when the signature is bad too, then 401; "
        "all-whitespace reading byte by byte; unknown type and extra fields 400, duplicate "
        "keys: the first wins, upper-case hex 401",
        _policy(
            Policy(
                order=("body", "media", "signature"),
                reading="json-whitespace",
                unknown_type="reject",
                extra_fields="reject",
                duplicates="first-wins",
                upper_hex="reject",
            )
        ),
        Route("/sms/v1/inbound"),
    ),
    "strict_everything": Case(
        "rejects everything the contract leaves open: 413 past 64 KiB (before reading), 415 "
        "unless application/json, 400 without its own operator-name, 401 for upper-case hex, "
        "keys out of order (it verifies a canonical re-serialisation), a timestamp more than "
        "30 s off or not numeric; 400 for an unknown type, extra fields, duplicate keys, "
        "integers beyond ±(2^53−1), 11.0",
        _policy(
            Policy(
                reading="canonical",
                upper_hex="reject",
                tolerance=30,
                content_type="reject",
                operator_name=OPERATOR,
                unknown_type="reject",
                extra_fields="reject",
                duplicates="reject",
                big_integers="reject",
                decimal_integers="reject",
                max_body=64 * 1024,
            )
        ),
        Route("/api/strict/notify"),
        operator_name=OPERATOR,
    ),
    "lenient_everything": Case(
        "accepts everything the contract leaves open: unknown type 200 'ignored', extra fields, "
        "no operator-name, any Content-Type, upper-case hex, any timestamp (no age or format "
        "check), duplicate keys (the last wins), 2^64, 11.0",
        _policy(
            Policy(
                order=("body", "signature"),
                timestamps="any",
                tolerance=None,
            )
        ),
        Route("/callbacks/sms-notifications/"),
    ),
    "python_split_reading": Case(
        'the all-whitespace reading as "".join(text.split()): Unicode whitespace (U+00A0, '
        "U+2003, U+3000) inside strings is removed too",
        _policy(Policy(reading="python-split", invalid_status=409)),
        Route("/hooks/python-split"),
    ),
    "java8_whitespace_reading": Case(
        "the all-whitespace reading with Java 8's Character.isWhitespace: U+180E (a space "
        "before Unicode 6.3) is removed inside strings, U+00A0 is not; signature 403",
        _policy(Policy(reading="java8", signature_status=403)),
        Route("/partner/java/notifications"),
    ),
    "charset_extra_keys_gzip": Case(
        'answers application/json; charset=utf-8, {"message": "ok", "id": 123}, gzip when '
        "accepted, chunked (no Content-Length)",
        _policy(
            Policy(
                answer_type="application/json; charset=utf-8",
                message={"message": "ok", "id": 123},
            ),
            Transport(gzip=True, chunked=True),
        ),
        Route("/hooks/charset"),
    ),
    "empty_message": Case(
        'answers 200 {"message": ""}',
        _policy(Policy(message={"message": ""})),
        Route("/hooks/empty-message"),
    ),
    "node_raw_body": Case(
        "an Express service: float64 numbers (2^53+1 accepted as 2^53, 100001.0 an integer), "
        "signature over the raw body with /\\s/g removed (JavaScript whitespace, U+FEFF too), "
        "NaN timestamps pass its age check, unknown type 422",
        lambda secret, route: NodeStyleReceiver(secret, route, signed="raw"),
        Route("/api/webhooks/sms"),
    ),
    "node_stringify": Case(
        "an Express service that signs JSON.stringify(req.body): float64 re-serialised, so "
        "2^53+1 and 100001.0 no longer verify (401)",
        lambda secret, route: NodeStyleReceiver(secret, route, signed="stringify"),
        Route("/api/webhooks/sms-stringify"),
    ),
    "gateway_api_key": Case(
        "Starlette behind a gateway: 401 without X-Api-Key (body unread); signature first "
        '(403), "".join(text.split()) reading, 120 s window, then 422; extra fields 422, '
        "unknown type 200",
        lambda secret, route: gateway_receiver(secret, API_KEY, route),
        Route("/gw/partner/sms"),
        headers={"X-Api-Key": API_KEY},
    ),
    "nonce_replay": Case(
        "replay protection by nonce: a (timestamp, signature) pair seen before gets 401",
        _policy(Policy(nonce=True)),
        Route("/hooks/nonce"),
    ),
    "connection_close": Case(
        "Connection: close on every answer (no keep-alive)",
        _policy(Policy(), Transport(close=True)),
        Route("/hooks/close"),
    ),
    "short_keep_alive": Case(
        "closes idle keep-alive connections after 0.05 s (uvicorn timeout_keep_alive)",
        _policy(Policy()),
        Route("/hooks/keep-alive"),
        server={"timeout_keep_alive": 0.05},
    ),
    "query_string_route": Case(
        "listens on a path with a query string it requires (?tenant=acme&v=2), 404 otherwise",
        _policy(Policy(signature_status=403)),
        Route("/tenants/acme/sms", {"tenant": "acme", "v": "2"}),
    ),
    "slow_200ms": Case(
        "answers every request after 200 ms (well within the timeout)",
        _policy(Policy(), Transport(delay=0.2)),
        Route("/hooks/slow"),
        slow=True,
    ),
}

MISREAD: Final[dict[str, tuple[Case, str]]] = {
    "spaces_only_reading": (
        Case(
            'reads "all spaces removed" literally: removes the byte 0x20 only, so an indented '
            "or tab-separated notification does not verify",
            _policy(Policy(reading="spaces-only")),
            Route("/hooks/spaces-only"),
        ),
        "accept-whitespace",
    ),
}
