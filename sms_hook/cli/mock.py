"""`sms-hook mock`: run the strict, validating, recording receiver."""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Callable
from typing import Any, TypeVar

import click

from mock_server.settings import (
    DEFAULT_JOURNAL,
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_ROWS,
    MAX_DELAY,
    MEMORY,
    PARSERS,
    Settings,
)
from sms_hook.cli.base import secret_option
from sms_hook.errors import SmsHookError

_F = TypeVar("_F", bound=Callable[..., Any])
_secret: Callable[[_F], _F] = secret_option()  # typed here: base.py's helper returns Any

FACTORY = "mock_server.app:app_from_env"


@click.command(
    epilog="""\b
Examples:
  # the documentation's test key, journal in ./sms-hook-journal.db
  sms-hook mock
  # your secret, another port, nothing kept on disk
  SMS_HOOK_SECRET=s3cret sms-hook mock --port 9000 --journal :memory:
  # a flaky, slow receiver: 10 % of answers are 500, each waits 1.5 s
  sms-hook mock --fail-rate 0.1 --delay 1.5
  # per request, from the sender: curl ... -H 'Prefer: code=503, delay=2'
  # what arrived: http://127.0.0.1:8080/__admin/ (page), /__admin/notifications (JSON)
"""
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8080,
    show_default=True,
    help="Port to listen on (0: any free port, printed at start-up).",
)
@_secret
@click.option(
    "--journal",
    default=DEFAULT_JOURNAL,
    show_default=True,
    metavar="PATH",
    help=f"SQLite file that records every request, kept across restarts; {MEMORY} keeps nothing.",
)
@click.option(
    "--journal-max-rows",
    type=click.IntRange(min=0),
    default=DEFAULT_MAX_ROWS,
    show_default=True,
    metavar="N",
    help="Keep at most this many journal rows, deleting the oldest; 0 keeps every row.",
)
@click.option(
    "--tolerance",
    type=click.IntRange(min=0),
    default=None,
    metavar="SECONDS",
    help="How far a timestamp may be from now [default: the contract's]; 0: no check.",
)
@click.option(
    "--max-body",
    type=click.IntRange(min=0),
    default=DEFAULT_MAX_BODY,
    show_default=True,
    metavar="BYTES",
    help="Larger bodies get 413.",
)
@click.option(
    "--fail-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    metavar="SHARE",
    help="Answer this share of notifications with a simulated 500.",
)
@click.option(
    "--delay",
    type=click.FloatRange(0, MAX_DELAY),
    default=0.0,
    show_default=True,
    metavar="SECONDS",
    help="Wait this long before every answer.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Worker processes sharing the port and the journal file.",
)
@click.option(
    "--http-parser",
    type=click.Choice(PARSERS),
    default=PARSERS[0],
    show_default=True,
    help="HTTP/1.1 parser: httptools with the mock's connection guards, or uvicorn's stock h11 "
    "(about half as fast; for comparison).",
)
@click.option(
    "--max-connections",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_CONNECTIONS,
    show_default=True,
    metavar="N",
    help="Open connections at most (kept below the file-descriptor limit); at the limit the "
    "longest-idle connection is closed, or the newcomer gets 503 if none is idle.",
)
@click.option("--access-log", is_flag=True, help="Log every request (slower).")
def mock(
    host: str,
    port: int,
    secret: str | None,
    journal: str,
    journal_max_rows: int,
    tolerance: int | None,
    max_body: int,
    fail_rate: float,
    delay: float,
    workers: int,
    http_parser: str,
    max_connections: int,
    access_log: bool,
) -> None:
    """Run a receiver that answers exactly as the contract requires and records every request.

    A valid, correctly signed notification gets 200; anything else gets a 4xx problem that names
    the field and the rule (401 with the expected signed message for a bad signature).
    """
    # Imported here: connexion takes about half a second to import, and only `mock` needs it.
    import uvicorn  # noqa: PLC0415
    from uvicorn.supervisors import Multiprocess  # noqa: PLC0415

    from mock_server.app import create_app, settle_heap  # noqa: PLC0415
    from mock_server.connection import server_options  # noqa: PLC0415
    from mock_server.parent import SUPERVISOR_ENV  # noqa: PLC0415

    if journal == MEMORY and workers > 1:
        raise SmsHookError(
            f"--journal {MEMORY} cannot be shared by --workers {workers} (each "
            "worker would keep its own); give a file"
        )
    settings = Settings(
        secret=secret,
        tolerance=tolerance,
        journal=journal,
        journal_max_rows=journal_max_rows,
        max_body=max_body,
        fail_rate=fail_rate,
        delay=delay,
    )
    built = create_app(settings)  # opens the journal now, so a bad path fails before listening
    listener = _listen(host, port)
    base = _url(listener)
    if built.using_test_key:
        _say("no --secret or SMS_HOOK_SECRET given; using the documentation's test key")
    where = built.journal.path
    _say(f"journal: {where} (kept across restarts)" if where else "journal: in memory")
    _say(f"listening on {base} ({workers} worker{'s' if workers > 1 else ''})")
    _say(f"  notifications  {built.contract.method} {base}{built.contract.path}")
    _say(f"  admin page     {base}/__admin/")
    _say(f"  Swagger UI     {base}/ui/")
    options: dict[str, Any] = {
        "log_level": "info" if access_log else "warning",
        "access_log": access_log,
        "lifespan": "on",
        **server_options(http_parser, max_connections=max_connections),
        # The admin page's event stream and the wait endpoint stay open by design; without a
        # bound, stopping the mock with a page open would wait for them (up to 25 s).
        "timeout_graceful_shutdown": 1,
    }
    if workers == 1:
        settle_heap()  # this process serves; with --workers each worker settles its own heap
        uvicorn.Server(uvicorn.Config(built.app, **options)).run(sockets=[listener])
        return
    built.journal.close()  # each worker opens its own connection
    os.environ.update(settings.to_env())
    os.environ[SUPERVISOR_ENV] = str(os.getpid())  # workers stop when this process dies
    config = uvicorn.Config(FACTORY, factory=True, workers=workers, **options)
    Multiprocess(config, sockets=[listener]).run()


def _listen(host: str, port: int) -> socket.socket:
    """Bind the port now, so that a port in use is one clear line, not uvicorn's traceback."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise SmsHookError(
                f"--port {port}: already in use on {host} (another mock "
                "running? give another --port)"
            ) from None
        raise SmsHookError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
    sock.set_inheritable(True)  # the worker processes accept on it
    return sock


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _say(line: str) -> None:
    click.echo(f"sms-hook mock: {line}", err=True)
