"""Composition: the receiver in front of a connexion app that serves both OpenAPI documents.

    Receiver (raw ASGI)            POST <contract path>: judge, journal, answer
      └── two small guards         /__admin redirects to /__admin/; overlong ids get 400
            └── connexion AsyncApp
                  ├── sms-notifications.yaml   Swagger UI at /ui/ (its POST lands in the Receiver)
                  └── admin.yaml               /__admin/...: journal API and page

`create_app` builds the whole thing from `Settings`; `app_from_env` is the factory uvicorn's
workers import when `--workers` is above 1.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import re
import warnings
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Final, NoReturn

import yaml

with warnings.catch_warnings():
    # connexion 3.3 imports starlette's TestClient at import time, which warns about httpx;
    # nothing here uses it, and under `filterwarnings = error` the warning breaks the import.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from connexion import AsyncApp
    from connexion.options import SwaggerUIOptions
    from connexion.resolver import Resolver
    from connexion.validators import ParameterValidator

from mock_server.admin import Admin, one_query_at_a_time
from mock_server.allow import allowed_methods, full_allow_header
from mock_server.faults import Faults
from mock_server.journal import Journal
from mock_server.live import Live, Watcher
from mock_server.parent import SUPERVISOR_ENV, stop_with_parent
from mock_server.receiver import ASGIApp, Receive, Receiver, Scope, Send
from mock_server.recorder import Recorder
from mock_server.replay import Replay
from mock_server.settings import Settings
from mock_server.swagger import MockInfo, swagger_ui
from sms_hook import contract as contract_module
from sms_hook import response
from sms_hook.contract import Contract
from sms_hook.errors import ContractError
from sms_hook.judge import Judge

ADMIN_ROOT: Final = "/__admin"


@dataclass(frozen=True, slots=True)
class Mock:
    """The ASGI app to serve, and what the command line reports about it."""

    app: Receiver
    contract: Contract
    journal: Journal
    using_test_key: bool


def create_app(settings: Settings, *, faults: Faults | None = None) -> Mock:
    """Build the mock receiver; the journal is opened (and created) now."""
    contract = contract_module.load()
    secret = settings.secret or contract.test_key
    tolerance = contract.tolerance if settings.tolerance is None else settings.tolerance
    journal = Journal(settings.journal, max_rows=settings.journal_max_rows)
    recorder = Recorder(journal)
    admin = Admin(journal, recorder, contract.signature)
    watcher = Watcher(journal)
    replay = Replay(journal)
    info = MockInfo(contract, using_test_key=settings.secret is None, tolerance=tolerance)
    # connexion logs every 4xx it answers as a warning (the client already has the problem) and
    # warns that the signature scheme has no x-apikeyInfoFunc (the Receiver checks signatures).
    logging.getLogger("connexion").setLevel(logging.ERROR)

    @contextlib.asynccontextmanager
    async def lifespan(_: Any) -> AsyncIterator[None]:
        yield
        watcher.close()
        admin.close()
        journal.close()

    connexion_app = AsyncApp(
        __name__, specification_dir=contract_module.document_dir(), lifespan=lifespan
    )
    connexion_app.add_api(
        contract_module.CONTRACT_FILE,
        resolver=_resolver({contract.operation_id: _answered_by_receiver}),
        swagger_ui_options=SwaggerUIOptions(swagger_ui_path="/ui"),
    )
    connexion_app.add_api(
        contract_module.ADMIN_FILE,
        resolver=_resolver(
            {
                **admin.handlers(),
                **Live(watcher, contract.signature).handlers(),
                **replay.handlers(),
                **info.handlers(),
            }
        ),
        strict_validation=True,
        validator_map={"parameter": _NamedParameterValidator},
        swagger_ui_options=SwaggerUIOptions(swagger_ui_path="/ui"),
    )
    admin_document = _admin_document()  # read once: the id bound and the 405s' Allow come from it
    receiver = Receiver(
        swagger_ui(
            _redirect_to_admin_page(
                full_allow_header(
                    one_query_at_a_time(
                        _refuse_overlong_ids(connexion_app, _largest_id(admin_document))
                    ),
                    allowed_methods(admin_document, ADMIN_ROOT),
                )
            )
        ),
        contract=contract,
        judge=Judge(contract, secret, tolerance=tolerance),
        recorder=recorder,
        faults=faults or Faults(fail_rate=settings.fail_rate, delay=settings.delay),
        max_body=settings.max_body,
    )
    replay.deliver = receiver
    _check_acknowledgement(contract, receiver)
    return Mock(receiver, contract, journal, using_test_key=settings.secret is None)


def app_from_env() -> Receiver:
    """The app factory for uvicorn workers: settings come from the environment."""
    supervisor = os.environ.get(SUPERVISOR_ENV, "")
    if supervisor.isdigit():
        stop_with_parent(int(supervisor))
    app = create_app(Settings.from_env(os.environ)).app
    settle_heap()
    return app


def settle_heap() -> None:
    """Put everything built so far out of the cyclic garbage collector's reach (`gc.freeze`).

    connexion, its validators and the parsed documents leave a large heap of long-lived
    objects; each full collection walked all of it while the mock was serving, holding the event
    loop 30-80 ms and setting its p99. Frozen, those objects are never traversed again; what
    requests allocate is collected as before. Call it once, when the app is built and before
    the first request (the mock's command and its workers do).
    """
    gc.collect()
    gc.freeze()


def _redirect_to_admin_page(app: ASGIApp) -> ASGIApp:
    """Send `/__admin` (as a person types it) to `/__admin/`, the only root connexion knows."""

    async def redirect(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != ADMIN_ROOT:
            await app(scope, receive, send)
            return
        headers = [(b"location", f"{ADMIN_ROOT}/".encode()), (b"content-length", b"0")]
        await send({"type": "http.response.start", "status": 308, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    return redirect


def _refuse_overlong_ids(app: ASGIApp, largest: int) -> ASGIApp:
    """Answer 400 for a record id written with more digits than the largest id has.

    Connexion's router converts an integer path segment with int() before the document's
    `maximum` is checked, and CPython's int() refuses more than 4300 digits with a ValueError: a
    500. So the digits are counted first; leading zeros count too, as they do for int().
    """
    prefix = f"{ADMIN_ROOT}/notifications/"
    digits = len(str(largest))
    overlong = re.compile(rf"[+-]?([0-9]{{{digits + 1},}})(?:/[a-z]+)?")  # and /resend, /curl

    async def refuse(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"] if scope["type"] == "http" else ""
        match = overlong.fullmatch(path, len(prefix)) if path.startswith(prefix) else None
        if match is None:
            await app(scope, receive, send)
            return
        written = path[len(prefix) :]
        detail = (
            f"id: {written[: digits + 1]}… has {len(match[1])} digits; "
            f"the largest id, {largest}, has {digits}"
        )
        body = json.dumps(
            {"type": "about:blank", "title": "Bad Request", "detail": detail, "status": 400}
        ).encode()
        headers = [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 400, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return refuse


def _admin_document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(
        contract_module.document_path(contract_module.ADMIN_FILE).read_bytes()
    )
    return document


def _largest_id(document: dict[str, Any]) -> int:
    """The `maximum` of a record id, as the admin document declares it."""
    (parameter,) = document["paths"]["/notifications/{id}"]["get"]["parameters"]
    return int(parameter["schema"]["maximum"])


def _resolver(handlers: dict[str, Callable[..., Any]]) -> Resolver:
    def resolve(operation_id: str) -> Callable[..., Any]:
        try:
            return handlers[operation_id]
        except KeyError:
            raise ContractError(f"operationId {operation_id!r}: no handler in the mock") from None

    return Resolver(function_resolver=resolve)


class _NamedParameterValidator(ParameterValidator):  # type: ignore[misc] # connexion is untyped
    """Says which parameter is wrong, in one line (connexion's own message names neither)."""

    @staticmethod
    def validate_parameter(
        parameter_type: str, value: Any, param: dict[str, Any], param_name: str | None = None
    ) -> str | None:
        error = ParameterValidator.validate_parameter(parameter_type, value, param, param_name)
        if error is None:
            return None
        name = param_name or param["name"]
        mismatch = param.get("x-mismatch")
        if isinstance(mismatch, str) and "does not match" in str(error):
            # The pattern itself is no help to a person; the document says it in words.
            return f"{name}: {value!r} {mismatch}"
        return f"{name}: {str(error).splitlines()[0]}"


async def _answered_by_receiver() -> NoReturn:
    # Connexion needs a function for the notification operation, but the Receiver answers
    # every request that operation matches before connexion sees it.
    raise AssertionError("unreachable: the Receiver answers the notification operation")


def _check_acknowledgement(contract: Contract, receiver: Receiver) -> None:
    problems = response.acceptance_problems(
        contract, 200, {"content-type": "application/json"}, receiver.acknowledgement
    )
    if problems:
        raise ContractError(f"the document's 200 example is not a valid answer: {problems}")
