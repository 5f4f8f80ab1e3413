"""`sms-hook verify`: fuzz a partner's receiver against the contract and report what broke."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
from rich.progress import Progress as Bar

from contract_tests import certificate, json_report, junit
from contract_tests.report import Line, summary, verdict
from contract_tests.runner import (
    DEFAULT_CONCURRENCY,
    DEFAULT_MAX_EXAMPLES,
    MAX_CONCURRENCY,
    Progress,
    Settings,
)
from contract_tests.runner import verify as run
from contract_tests.window import RECOMMENDED as REPLAY_DEFAULT
from sms_hook import contract as contract_module
from sms_hook import signing
from sms_hook.cli.base import (
    ContractBroken,
    Seconds,
    check_url,
    resolve_secret,
    secret_option,
    writable,
)
from sms_hook.cli.rerun import parse_only, rerun_cause
from sms_hook.delivery import DEFAULT_OPERATOR, DEFAULT_TIMEOUT
from sms_hook.errors import SmsHookError

_STYLES: Final[dict[str, dict[str, Any]]] = {
    "ok": {"fg": "green", "bold": True},
    "fail": {"fg": "red"},
    "warn": {"fg": "yellow"},
    "dim": {"dim": True},
    "bold": {"bold": True},
    "plain": {},
}
_TOKEN: Final = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_SET_BY_VERIFY: Final = frozenset(
    {
        "operator-name",
        "content-type",
        "content-length",
        "host",
        "transfer-encoding",
    }
)


@click.command(
    epilog="""\b
Examples:
  SMS_HOOK_SECRET=s3cret sms-hook verify https://staging.example.com/hooks/sms
  # reproducible, more generated cases, reports for CI
  sms-hook verify http://127.0.0.1:8080/hooks/sms --seed 42 --max-examples 100 \\
      --junit-xml verify.xml --report-json verify.json
  # the certificate to attach to a certification request
  sms-hook verify http://127.0.0.1:8080/notifications --report-html certificate.html
  # after a fix: send the requests of cause 2 of a report again, freshly signed
  sms-hook verify http://127.0.0.1:8080/notifications --rerun verify.json#2
  # strict replay mode: a replay window wider than ±300 s is a failure (option after URL)
  sms-hook verify http://127.0.0.1:8080/hooks/sms --require-replay-protection
  # behind a gateway that wants its own credentials; a private CA
  sms-hook verify https://gw.example.com/sms --header 'Authorization: Bearer ...' \\
      --ca-bundle ./ca.pem

\b
Exit codes: 0 the receiver conforms, 1 the contract is broken (or the run had to stop),
2 usage error or receiver unreachable.
"""
)
@click.argument("url")
@secret_option()
@click.option(
    "--operator-name",
    default=DEFAULT_OPERATOR,
    show_default=True,
    help="Sent in the operator-name header of every valid request.",
)
@click.option(
    "--seed",
    type=int,
    help="Same seed, same generated requests (default: random, printed in the report).",
)
@click.option(
    "--max-examples",
    type=click.IntRange(min=0),
    default=DEFAULT_MAX_EXAMPLES,
    show_default=True,
    help="Generated cases per type and stream (3 streams per type; 0: the battery only).",
)
@click.option(
    "--request-timeout",
    type=Seconds(),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="Seconds for each whole exchange (connect, send, the answer's last byte); "
    "no whole answer in time is a failure.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1, max=MAX_CONCURRENCY),
    default=DEFAULT_CONCURRENCY,
    show_default=True,
    help="Requests in flight at once, each on its own keep-alive connection "
    "(order-dependent probes always go one after the other on one).",
)
@click.option(
    "--max-time",
    type=Seconds(),
    help="A budget for the whole run, in seconds: the battery always runs whole, the "
    "generated cases stop when it is spent (the report says what it left out).",
)
@click.option(
    "--header",
    "headers",
    multiple=True,
    metavar="'NAME: VALUE'",
    help="Add a header to every request (e.g. a gateway's credentials; masked in "
    "reports). Repeatable.",
)
@click.option(
    "--require-replay-protection",
    "replay_seconds",
    type=click.IntRange(min=1),
    is_flag=False,
    flag_value=REPLAY_DEFAULT,
    default=None,
    metavar="[SECONDS]",
    help="Strict replay mode: a receiver must reject timestamps more than SECONDS "
    f"(default {REPLAY_DEFAULT}) in the past or in the future; a wider window is a failure "
    "that names the measured window.",
)
@click.option("--insecure", is_flag=True, help="Do not verify the receiver's TLS certificate.")
@click.option(
    "--ca-bundle",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Verify the receiver's TLS certificate against this CA bundle (PEM).",
)
@click.option(
    "--junit-xml",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=writable,
    help="Write JUnit XML: one test case per rule × type.",
)
@click.option(
    "--report-json",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=writable,
    help="Write every failure, count and advisory as JSON.",
)
@click.option(
    "--report-html",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=writable,
    help="Write the certificate: one self-contained HTML page (verdict, scores, causes, "
    "provenance).",
)
@click.option(
    "--only",
    metavar="RULE[/TYPE]",
    help="Send only the battery's probes of one rule (and type); no generated cases.",
)
@click.option(
    "--rerun",
    "rerun_of",
    metavar="REPORT.json#CAUSE",
    help="Send the failing requests of one cause of a --report-json report again, freshly "
    "signed, and say whether each still fails (CAUSE: its number or id; none: every failure).",
)
@click.option(
    "--verbose",
    is_flag=True,
    help="Show every failing request kept under its cause, not only the smallest.",
)
def verify(
    url: str,
    secret: str | None,
    operator_name: str,
    seed: int | None,
    max_examples: int,
    request_timeout: float,
    concurrency: int,
    max_time: float | None,
    headers: tuple[str, ...],
    replay_seconds: int | None,
    insecure: bool,
    ca_bundle: Path | None,
    junit_xml: Path | None,
    report_json: Path | None,
    report_html: Path | None,
    only: str | None,
    rerun_of: str | None,
    verbose: bool,
) -> None:
    """Check the receiver at URL (any path, http or https) against the contract.

    Sends the contract battery (every rule, every type) and cases generated by schemathesis from
    the OpenAPI document, each signed over the exact bytes sent, and reports every answer that
    breaks the contract with a curl command that reproduces it. With no --secret and no
    SMS_HOOK_SECRET, the documentation's test key is used.
    """
    check_url(url)
    if insecure and ca_bundle is not None:
        raise click.UsageError("--insecure and --ca-bundle contradict each other; give one")
    contract = contract_module.load()
    extra_headers = _parse_headers(headers, contract.signature)
    selected = parse_only(only, contract)
    secret = resolve_secret(secret, contract.test_key)
    settings = Settings(
        url=url,
        secret=secret,
        operator_name=operator_name,
        seed=seed,
        max_examples=max_examples,
        request_timeout=request_timeout,
        concurrency=concurrency,
        max_time=max_time,
        headers=extra_headers,
        tls_verify=False if insecure else (str(ca_bundle) if ca_bundle else True),
        only=selected,
        require_replay_protection=replay_seconds,
    )
    if rerun_of is not None:
        rerun_cause(settings, rerun_of, contract, _echo)
        return
    with _progress() as progress:
        result = run(settings, progress=progress, contract=contract)
    for line in summary(result, verbose=verbose, contract=contract):
        _echo(line)
    writers: tuple[tuple[Path | None, Callable[[Path], None]], ...] = (
        (junit_xml, lambda path: junit.write(result, path)),
        (report_json, lambda path: json_report.write(result, path, contract=contract)),
        (report_html, lambda path: certificate.write(result, path, contract)),
    )
    for path, write in writers:
        if path is not None:
            try:
                write(path)
            except OSError as exc:
                raise SmsHookError(f"{path}: cannot be written ({exc.strerror or exc})") from exc
    if not result.conforms:
        raise ContractBroken(verdict(result).text)


def _echo(line: Line) -> None:
    click.echo(click.style(line.text, **_STYLES[line.style]) if line.text else "")


def _parse_headers(given: tuple[str, ...], scheme: signing.Scheme) -> dict[str, str]:
    set_by_verify = _SET_BY_VERIFY | {scheme.signature_header, scheme.timestamp_header}
    headers: dict[str, str] = {}
    for item in given:
        name, sep, value = item.partition(":")
        name, value = name.strip(), value.strip()
        if not sep or not _TOKEN.fullmatch(name):
            raise click.BadParameter(f"{item!r} is not 'NAME: VALUE'", param_hint="--header")
        if name.lower() in set_by_verify:
            raise click.BadParameter(
                f"{name!r} is set by verify on each request (use --operator-name or --secret)",
                param_hint="--header",
            )
        if not (value.isascii() and value.isprintable()):
            raise click.BadParameter(
                f"{name}: the value must be printable ASCII", param_hint="--header"
            )
        headers[name] = value
    return headers


@contextmanager
def _progress() -> Iterator[Progress]:
    """A progress bar on a terminal; one plain line per phase in CI or when piped."""
    if sys.stderr.isatty() and not os.environ.get("CI"):
        bar = Bar(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        with bar:
            yield _BarProgress(bar)
        return
    yield _LineProgress()


class _BarProgress:
    def __init__(self, bar: Any) -> None:
        self.bar = bar
        self.task: Any = None

    def phase(self, name: str, total: int) -> None:
        if self.task is not None:
            self.bar.remove_task(self.task)
        self.task = self.bar.add_task(name, total=total)

    def advance(self) -> None:
        if self.task is not None:
            self.bar.advance(self.task)


class _LineProgress:
    """Prints a phase when its first request was answered (so an unreachable receiver gets
    exactly one line: the error)."""

    def __init__(self) -> None:
        self.pending: str | None = None

    def phase(self, name: str, total: int) -> None:
        self.pending = f"sms-hook verify: {name} (up to {total} requests)"

    def advance(self) -> None:
        if self.pending is not None:
            click.echo(self.pending, err=True)
            self.pending = None
