"""`sms-hook load`: signed notifications at a steady rate, judged answer by answer (Locust).

This module never imports Locust: Locust monkey-patches the standard library (gevent) when it is
imported, so the load runs in a child process, `python -m sms_hook_load run`, that gets the run's
settings as JSON on stdin and the secret in its environment. This process checks the options and
that the receiver can be reached, then waits for the child and passes on its exit code.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import ssl
import subprocess
import sys
from pathlib import Path
from typing import Any, Final

import click

from sms_hook import contract as contract_module
from sms_hook.cli.base import (
    EXIT_USAGE,
    SECRET_ENV,
    Positive,
    Seconds,
    check_url,
    resolve_secret,
    secret_option,
)
from sms_hook.errors import ReceiverUnreachable
from sms_hook.wire import Origin, tls_for
from sms_hook.wire import mask as mask_url
from sms_hook_load.settings import LoadSettings

PROBE_TIMEOUT: Final = 5.0
MAX_RATE: Final = 1_000_000.0
"""Notifications per second at most (far past what Locust sends from one machine)."""


class _Usage(click.ClickException):
    """A usage problem: one line on stderr, exit code 2."""

    exit_code = EXIT_USAGE

    def show(self, file: Any = None) -> None:
        click.echo(f"sms-hook: {self.message}", err=True)


class _OneLineUsage(click.Command):
    """Click's usage errors (a bad option value) as one line, without the usage banner."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise _Usage(exc.format_message().rstrip(".")) from None


def probe(url: str, *, insecure: bool) -> None:
    """Raise `ReceiverUnreachable` unless a TCP (and, for https, TLS) connection can be made."""
    origin = Origin.parse(url)
    shown = mask_url(url)
    try:
        with socket.create_connection((origin.host, origin.port), timeout=PROBE_TIMEOUT) as sock:
            context = tls_for(url, verify=not insecure)
            if context is not None:
                with context.wrap_socket(sock, server_hostname=origin.host):
                    pass
    except socket.gaierror as exc:
        raise ReceiverUnreachable(f"{shown}: host name could not be resolved (DNS)") from exc
    except ConnectionRefusedError as exc:
        raise ReceiverUnreachable(f"{shown}: connection refused") from exc
    except TimeoutError as exc:
        raise ReceiverUnreachable(f"{shown}: no connection within {PROBE_TIMEOUT:g} s") from exc
    except ssl.SSLError as exc:
        raise ReceiverUnreachable(f"{shown}: TLS handshake failed ({exc.reason})") from exc
    except OSError as exc:
        raise ReceiverUnreachable(f"{shown}: {exc.strerror or exc}") from exc


def _types(value: str) -> tuple[str, ...]:
    known = tuple(contract_module.load().types)
    chosen = tuple(dict.fromkeys(t.strip() for t in value.split(",") if t.strip()))
    unknown = [t for t in chosen if t not in known]
    if unknown or not chosen:
        raise _Usage(
            f"--types: {', '.join(map(repr, unknown)) or 'none given'} not among {','.join(known)}"
        )
    return chosen


def _report_path(option: str, value: str | None) -> str | None:
    if value is None:
        return None
    path = Path(value).resolve()
    if not path.parent.is_dir():
        raise _Usage(f"{option}: folder {str(path.parent)!r} does not exist")
    if path.is_dir():
        raise _Usage(f"{option}: {value!r} is a folder, not a file")
    return str(path)


@click.command(
    cls=_OneLineUsage,
    epilog="""\b
Examples:
  # 500 signed notifications a second for 30 s; exit 1 on any break
  SMS_HOOK_SECRET=s3cret sms-hook load http://127.0.0.1:8080/notifications \\
      --rate 500 --duration 30
  # a match ending: ticket_status and bet_result only, a CI gate on p99, both reports
  sms-hook load https://partner.example/hooks/sms --rate 2000 --duration 60 \\
      --types ticket_status,bet_result --expect-p99 250 \\
      --report-json load.json --report-html load.html
  # past one core: Locust's master and 4 local worker processes
  sms-hook load http://127.0.0.1:8080/notifications --rate 20000 --duration 60 --workers 4
\b
Needs the load extra: pip install 'sms-hook[load]' (Locust).
Exit codes: 0 every answer kept the contract, 1 a break or p99 above --expect-p99,
2 usage problem or the receiver cannot be reached.""",
)
@click.argument("url")
@click.option(
    "--rate",
    type=Positive(MAX_RATE, "a number of notifications per second"),
    required=True,
    help="Target notifications per second (all senders together).",
)
@click.option(
    "--duration",
    type=Seconds(),
    required=True,
    help="Seconds to send for.",
)
@click.option(
    "--types",
    "types",
    default="otp,ticket_status,bet_result",
    show_default=True,
    help="Comma-separated notification types to send.",
)
@click.option(
    "--users",
    type=click.IntRange(min=1),
    help="Simulated senders, one request in flight each [default: one per 10/s of --rate].",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Local Locust worker processes (0: everything in one process).",
)
@click.option(
    "--remote-workers",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Also wait for this many workers from other machines (python -m sms_hook_load worker).",
)
@click.option(
    "--master-bind",
    default="127.0.0.1",
    show_default=True,
    help="Address the master listens on for workers (0.0.0.0 for other machines).",
)
@click.option(
    "--master-port",
    type=click.IntRange(min=0, max=65535),
    default=0,
    help="Port the master listens on for workers [default: 5557 with remote workers, else free].",
)
@click.option(
    "--max-requests",
    type=click.IntRange(min=1),
    help="Send at most this many [default: rate × duration].",
)
@click.option(
    "--timeout",
    type=Seconds(),
    default=10.0,
    show_default=True,
    help="Seconds to wait for each answer; longer counts as a timeout break.",
)
@click.option("--operator-name", default="sms-hook", show_default=True)
@click.option(
    "--expect-p99",
    type=Positive(Seconds().limit * 1000, "a number of milliseconds"),
    metavar="MS",
    help="Fail (exit 1) if the 99th percentile latency is above MS milliseconds.",
)
@click.option("--report-json", metavar="FILE", help="Write the full report as JSON.")
@click.option("--report-html", metavar="FILE", help="Write a self-contained HTML report.")
@click.option("--insecure", is_flag=True, help="Do not verify the receiver's TLS certificate.")
@secret_option()
def load(
    url: str,
    rate: float,
    duration: float,
    types: str,
    users: int | None,
    workers: int,
    remote_workers: int,
    master_bind: str,
    master_port: int,
    max_requests: int | None,
    timeout: float,
    operator_name: str,
    expect_p99: float | None,
    report_json: str | None,
    report_html: str | None,
    insecure: bool,
    secret: str | None,
) -> None:
    """Send signed notifications to URL at a steady --rate for --duration seconds, judge every
    answer, and report target vs achieved rate, latency and contract breaks over time.

    Every request is a fresh notification (tickets opened, their bets resulted, then the ticket)
    signed over the exact bytes sent with a fresh timestamp. An answer keeps the contract when it
    is 200 with a JSON "message"; a 4xx, a 5xx, a timeout or a dropped connection is a break.
    """
    try:
        check_url(url)
    except click.BadParameter as exc:
        raise _Usage(f"URL: {exc.message}") from None
    chosen = _types(types)
    if importlib.util.find_spec("locust") is None:
        raise _Usage("needs Locust, which comes with the load extra: pip install 'sms-hook[load]'")
    if not operator_name:
        raise _Usage("--operator-name: must not be empty")
    settings = LoadSettings(
        url=url,
        rate=rate,
        duration=duration,
        types=chosen,
        users=users or 0,
        workers=workers,
        remote_workers=remote_workers,
        master_bind=master_bind,
        master_port=master_port or (5557 if remote_workers else _free_port(master_bind)),
        max_requests=max_requests or 0,
        timeout=timeout,
        operator_name=operator_name,
        expect_p99_ms=expect_p99,
        report_json=_report_path("--report-json", report_json),
        report_html=_report_path("--report-html", report_html),
        insecure=insecure,
        shown_url=mask_url(url),
    )
    probe(url, insecure=insecure)
    secret = resolve_secret(secret, contract_module.load().test_key)
    child = subprocess.Popen(
        [sys.executable, "-m", "sms_hook_load", "run"],
        stdin=subprocess.PIPE,
        env={**os.environ, SECRET_ENV: secret},
    )
    try:
        assert child.stdin is not None
        child.stdin.write(settings.to_json().encode())
        child.stdin.close()
        code = child.wait()
    except KeyboardInterrupt:
        # The child got the same Ctrl-C, stops its senders and says "interrupted" itself.
        code = child.wait()
    sys.exit(code if code >= 0 else EXIT_USAGE)


def _free_port(host: str) -> int:
    try:
        with socket.socket() as s:
            s.bind((host, 0))
            return int(s.getsockname()[1])
    except OSError as exc:
        raise _Usage(f"--master-bind: cannot listen on {host!r} ({exc.strerror})") from None
