"""The baseline receiver: the least a correct, strict receiver must do, as raw ASGI.

It reads the body, checks the timestamp and the HMAC (`sms_hook.signing.match`), parses the JSON
and validates it with a precompiled jsonschema-rs validator picked by `type`, then answers 200
`{"message": "Notification received"}`. Anything else gets a short 4xx. No routing framework, no
middleware, no journal: the mock's ratio to this is the price of everything it does on top.

Served by `python bench/baseline.py --port P` under uvicorn (httptools, uvloop, access log off,
one worker); the secret comes from SMS_HOOK_SECRET, the tolerance from --tolerance.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any, Final

import jsonschema_rs
import uvicorn

from sms_hook import contract as contract_module
from sms_hook import signing
from sms_hook.contract import Contract
from sms_hook.errors import SignatureMismatch

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

SECRET_ENV: Final = "SMS_HOOK_SECRET"
HEALTH_PATH: Final = "/health"
_OK: Final = b'{"message":"Notification received"}'
_JSON_HEADERS: Final = [(b"content-type", b"application/json")]


def _inline(document: Mapping[str, Any], node: Any) -> Any:
    """Return `node` with every local `$ref` replaced by what it points at."""
    if isinstance(node, Mapping):
        if "$ref" in node:
            target: Any = document
            for part in str(node["$ref"])[2:].split("/"):
                target = target[part]
            return _inline(document, target)
        return {k: _inline(document, v) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(document, v) for v in node]
    return node


def validators(contract: Contract) -> dict[str, Any]:
    """Compile one validator per notification type from the document's `oneOf` variants."""
    document = contract.document
    operation = document["paths"][contract.path][contract.method.lower()]
    schema = operation["requestBody"]["content"][contract.media_type]["schema"]
    compiled: dict[str, Any] = {}
    for variant in _inline(document, schema)["oneOf"]:
        (type_name,) = variant["properties"]["type"]["enum"]
        # OpenAPI 3.0 schemas are a superset of draft 4; `example` and `nullable` are ignored.
        compiled[type_name] = jsonschema_rs.Draft4Validator(variant)
    return compiled


class Baseline:
    """POST anywhere: verify, parse, validate, answer; GET `HEALTH_PATH`: 200 for readiness."""

    def __init__(self, contract: Contract, secret: str, tolerance: int) -> None:
        self.secret = secret
        self.tolerance = tolerance
        self.media_type = contract.media_type.encode()
        self.validators = validators(contract)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        if scope["method"] != "POST":
            status = 200 if scope["path"] == HEALTH_PATH else 405
            await _answer(send, status, b'{"status":"ok"}' if status == 200 else b"{}")
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        status, answer = self.judge(dict(scope["headers"]), body)
        await _answer(send, status, answer)

    def judge(self, headers: Mapping[bytes, bytes], body: bytes) -> tuple[int, bytes]:
        """Return the status and body to answer; `headers` keys are lower-case (ASGI)."""
        content_type = headers.get(b"content-type", b"").split(b";", 1)[0].strip().lower()
        if content_type != self.media_type:
            return 415, b'{"detail":"wrong content-type"}'
        timestamp = headers.get(b"timestamp", b"").decode("latin-1")
        signature = headers.get(b"signature", b"").decode("latin-1")
        if not timestamp.isdigit() or not signature:
            return 401, b'{"detail":"missing or malformed signature headers"}'
        if self.tolerance and abs(int(timestamp) - time.time()) > self.tolerance:
            return 401, b'{"detail":"timestamp outside the tolerance"}'
        try:
            signing.match(self.secret, timestamp, body, signature)
        except SignatureMismatch:
            return 401, b'{"detail":"signature mismatch"}'
        try:
            notification = json.loads(body)
        except ValueError:  # UnicodeDecodeError is a ValueError
            return 400, b'{"detail":"not JSON"}'
        if not isinstance(notification, dict):
            return 400, b'{"detail":"not an object"}'
        type_name = notification.get("type")
        validator = self.validators.get(type_name) if isinstance(type_name, str) else None
        if validator is None or not validator.is_valid(notification):
            return 400, b'{"detail":"not a valid notification"}'
        return 200, _OK


async def _answer(send: Send, status: int, body: bytes) -> None:
    headers = [*_JSON_HEADERS, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tolerance", type=int, default=signing.DEFAULT_TOLERANCE)
    args = parser.parse_args(argv)
    contract = contract_module.load()
    secret = os.environ.get(SECRET_ENV) or contract.test_key
    uvicorn.run(
        Baseline(contract, secret, args.tolerance),
        host="127.0.0.1",
        port=args.port,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,
        log_level="warning",
        workers=1,
    )


if __name__ == "__main__":
    main()
