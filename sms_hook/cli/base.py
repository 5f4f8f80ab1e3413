"""The `sms-hook` command group: a thin shell that parses options, calls the library, maps errors.

Exit codes (documented in README and `--help`):

    0  everything conforms / the command did what was asked
    1  the contract was broken (a receiver's answer, a signature that does not match)
    2  usage problem, unreadable input, or a receiver that cannot be reached
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, Final, TypeVar

import click
import httpx

from sms_hook import __version__
from sms_hook.errors import ReceiverUnreachable, SmsHookError

EXIT_OK: Final = 0
EXIT_BROKEN: Final = 1
EXIT_USAGE: Final = 2

_F = TypeVar("_F", bound=Callable[..., Any])

SECRET_ENV: Final = "SMS_HOOK_SECRET"  # noqa: S105 - the variable's name, not a secret


class ContractBroken(click.ClickException):
    """Raised by a command when the contract was broken: one line, exit code 1."""

    exit_code = EXIT_BROKEN

    def show(self, file: Any = None) -> None:
        click.echo(f"sms-hook: {self.message}", err=True)


class _Group(click.Group):
    """Turns every expected failure into one line on stderr and a documented exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ReceiverUnreachable as exc:
            click.echo(f"sms-hook: receiver unreachable: {exc}", err=True)
            ctx.exit(EXIT_USAGE)
        except SmsHookError as exc:
            click.echo(f"sms-hook: {exc}", err=True)
            ctx.exit(EXIT_USAGE)
        except KeyboardInterrupt:
            click.echo("sms-hook: interrupted", err=True)
            ctx.exit(130)


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Exit codes: 0 ok, 1 the contract was broken, 2 usage or connection problem.",
)
@click.version_option(__version__, "--version", prog_name="sms-hook")
def cli() -> None:
    """Contract tools for the Betstack SMS notifications webhook.

    \b
    sms-hook sign    print or check the signature of a notification
    sms-hook send    send one signed notification to a receiver
    sms-hook mock    run a strict, validating, recording receiver
    sms-hook verify  fuzz a partner's receiver against the contract
    """


def secret_option(**extra: Any) -> Callable[[_F], _F]:
    """The `--secret` option, read from SMS_HOOK_SECRET when not given; never echoed."""
    return click.option(
        "--secret",
        envvar=SECRET_ENV,
        show_envvar=True,
        help="Partner's secret key (prefer the environment variable: options show up in `ps`).",
        **extra,
    )


def check_url(url: str) -> None:
    """Refuse, as a usage error, a receiver URL that is not http(s) with a host."""
    try:
        parsed = httpx.URL(url)
        valid = parsed.scheme in {"http", "https"} and bool(parsed.host)
    except (httpx.InvalidURL, ValueError):
        valid = False
    if not valid:
        raise click.BadParameter(
            f"{url!r} is not an http:// or https:// URL with a host", param_hint="URL"
        )


def resolve_secret(secret: str | None, test_key: str) -> str:
    """Return the given secret, or the documentation's test key, saying so once on stderr."""
    if secret:
        return secret
    click.echo(
        "sms-hook: no --secret or SMS_HOOK_SECRET given; using the documentation's test key",
        err=True,
    )
    return test_key


def main() -> None:
    """Entry point of the `sms-hook` console script."""
    cli.main(prog_name="sms-hook", standalone_mode=True)
    sys.exit(EXIT_OK)  # pragma: no cover - click exits itself
