"""Swagger UI that works from the first click, and `GET /` that leads to the admin page.

Connexion serves the contract and Swagger UI's assets; in front of it this guard answers:

    GET /                               307 to /__admin/
    GET /openapi.json, /openapi.yaml    the contract, `servers` set to this mock's own URL (from
                                        the request's Host), so Swagger UI's Servers box has it
    GET /ui/, /ui/index.html            Swagger UI (static/swagger.html) with a request
                                        interceptor that signs "Try it out" in the browser

The page signs with WebCrypto's HMAC-SHA256 over the timestamp and exactly the body bytes it
sends, with a fresh timestamp: with the documentation's test key when the mock runs on it (the key
is in the document), otherwise with a secret the user types, kept in the tab's sessionStorage.
The mock never hands out its secret or a signature; `GET /__admin/mock` says only whether it runs
on the documented test key.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from typing import Any, Final

import yaml

from mock_server.admin import Answer
from mock_server.receiver import ASGIApp, Receive, Scope, Send
from mock_server.replay import origin
from sms_hook import contract as contract_module
from sms_hook.contract import Contract

ADMIN_PAGE: Final = "/__admin/"
_UI_PAGES: Final = frozenset({"/ui", "/ui/", "/ui/index.html"})
_PAGE_HEADERS: Final = [
    (b"content-type", b"text/html; charset=utf-8"),
    (b"cache-control", b"no-store"),
]
_DOCUMENTS: Final = {"/openapi.json": "application/json", "/openapi.yaml": "text/yaml"}


class MockInfo:
    """`GET /__admin/mock`: what a page needs to label and sign requests (never the secret)."""

    def __init__(self, contract: Contract, *, using_test_key: bool, tolerance: int) -> None:
        self._info = {
            "method": contract.method,
            "path": contract.path,
            "types": list(contract.types),
            "test_key": using_test_key,
            "tolerance": tolerance,
        }

    def handlers(self) -> dict[str, Callable[..., Any]]:
        return {"mockInfo": self.info}

    async def info(self) -> Answer:
        return self._info, 200, {"Content-Type": "application/json"}


def swagger_ui(app: ASGIApp) -> ASGIApp:
    """Answer `/`, the contract document and the Swagger UI page; pass the rest to `app`."""
    document = yaml.safe_load(contract_module.document_path().read_bytes())
    page = (
        resources.files("mock_server").joinpath("static/swagger.html").read_text(encoding="utf-8")
    ).encode()

    async def guard(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"] if scope["type"] == "http" else ""
        if scope.get("method") not in ("GET", "HEAD") or not (
            path == "/" or path in _UI_PAGES or path in _DOCUMENTS
        ):
            await app(scope, receive, send)
            return
        if path == "/":
            await _send(send, 307, [(b"location", ADMIN_PAGE.encode())], b"")
        elif path in _UI_PAGES:
            headers = [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"cache-control", b"no-store"),
            ]
            await _send(send, 200, headers, page)
        else:
            served = dict(document)
            served["servers"] = [
                {"url": origin(scope), "description": "this sms-hook mock (as you reached it)"}
            ]
            if path.endswith(".json"):
                body = json.dumps(served, ensure_ascii=False, default=str).encode()
            else:
                body = yaml.safe_dump(served, sort_keys=False, allow_unicode=True).encode()
            await _send(send, 200, [(b"content-type", _DOCUMENTS[path].encode())], body)

    return guard


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
