"""The `Allow` header of a 405 lists every method the admin document declares for the path.

Connexion registers each operation as a route of its own, and Starlette answers a method that
no route takes with the methods of the first route whose path matched: `GET, HEAD` for
`/__admin/notifications`, although `DELETE` works there too (RFC 9110, 15.5.6: Allow lists the
methods the target resource supports). The methods are read from the document, so a path or an
operation added there is listed without a change here.
"""

from __future__ import annotations

import re
from typing import Any, Final

from mock_server.receiver import ASGIApp, Message, Receive, Scope, Send

_METHODS: Final = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def allowed_methods(document: dict[str, Any], prefix: str) -> list[tuple[re.Pattern[str], bytes]]:
    """For each path of `document` under `prefix`: a pattern of the path, and its Allow value."""
    table = []
    for template, item in document.get("paths", {}).items():
        methods = [m.upper() for m in _METHODS if m in item]
        if "GET" in methods and "HEAD" not in methods:
            methods.append("HEAD")  # Starlette answers HEAD wherever it answers GET
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(prefix + template))
        table.append((re.compile(pattern), ", ".join(sorted(methods)).encode()))
    return table


def full_allow_header(app: ASGIApp, table: list[tuple[re.Pattern[str], bytes]]) -> ASGIApp:
    """Rewrite the Allow header of a 405 on one of `table`'s paths."""

    async def allow(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        path: str = scope["path"]
        value = next((v for pattern, v in table if pattern.fullmatch(path)), None)
        if value is None:
            await app(scope, receive, send)
            return

        async def send_with_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                message = {**message, "headers": [*headers, (b"allow", value)]}
            await send(message)

        await app(scope, receive, send_with_allow)

    return allow
