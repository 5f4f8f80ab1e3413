"""The `sms-hook` command group: a thin shell that parses options, calls the library, maps errors.

Exit codes (documented in README and `--help`):

    0  everything conforms / the command did what was asked
    1  the contract was broken (a receiver's answer, a signature that does not match)
    2  usage problem, unreadable input, or a receiver that cannot be reached
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Final, NoReturn, TypeVar

import click

from sms_hook import __version__
from sms_hook.errors import ReceiverUnreachable, SmsHookError
from sms_hook.wire import Origin, mask

EXIT_OK: Final = 0
EXIT_BROKEN: Final = 1
EXIT_USAGE: Final = 2

_F = TypeVar("_F", bound=Callable[..., Any])

SECRET_ENV: Final = "SMS_HOOK_SECRET"  # noqa: S105 - the variable's name, not a secret
MAX_INPUT: Final = 16 * 1024 * 1024
"""Bytes read from a body file at most; a notification is a few hundred."""


class ContractBroken(click.ClickException):
    """Raised by a command when the contract was broken: one line, exit code 1."""

    exit_code = EXIT_BROKEN

    def show(self, file: Any = None) -> None:
        click.echo(f"sms-hook: {self.message}", err=True)


class _Group(click.Group):
    """Turns every expected failure into one line on stderr and a documented exit code.

    Click's own usage errors (an unknown option, a bad value) would print a `Usage:` / `Try` /
    `Error:` block: they too become one line, `sms-hook COMMAND: what is wrong`, exit 2.
    """

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        kwargs["prog_name"] = "sms-hook"  # also under click.testing, which passes its own
        try:
            code = super().main(*args, **kwargs)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else "sms-hook"
            _fail(f"{where}: {exc.format_message()} (see {where} --help)", EXIT_USAGE)
        except click.ClickException as exc:
            exc.show()
            _flush_or_fail()
            sys.exit(exc.exit_code)
        except click.Abort:
            _fail("sms-hook: interrupted", 130)
        except OSError as exc:  # standard output or a report file that cannot be written
            if not exc.filename:  # standard output: what is still buffered can never go there
                _discard_stdout()
            _fail(f"sms-hook: cannot write {_what(exc)}: {exc.strerror or exc}", EXIT_USAGE)
        _flush_or_fail()
        sys.exit(code if isinstance(code, int) else EXIT_OK)

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

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List each command once, with its whole first sentence (click cuts it at ~45)."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=200)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _what(exc: OSError) -> str:
    return str(exc.filename) if exc.filename else "standard output"


def _fail(message: str, code: int) -> NoReturn:
    click.echo(" ".join(message.split()), err=True)
    _flush_or_fail()
    sys.exit(code)


def _flush_or_fail() -> None:
    """Flush standard output now: one that cannot be written (/dev/full) is one line, exit 2."""
    try:
        sys.stdout.flush()
    except OSError as exc:
        _discard_stdout()
        click.echo(f"sms-hook: cannot write standard output: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_USAGE)


def _discard_stdout() -> None:
    """Point standard output at /dev/null: nothing more can go where it was, and the flushes
    still to come (ours, the interpreter's at exit) must have nothing to complain about."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Exit codes: 0 ok, 1 the contract was broken, 2 usage or connection problem.",
)
@click.version_option(__version__, "--version", prog_name="sms-hook")
def cli() -> None:
    """Contract tools for the Betstack SMS notifications webhook."""


class Positive(click.ParamType):  # type: ignore[type-arg]
    """A finite number above zero, at most `limit` (nan, inf, 1e308 are refused)."""

    name = "number"

    def __init__(self, limit: float, what: str = "a number") -> None:
        self.limit = limit
        self.what = what

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        if isinstance(value, float):
            number = value
        else:
            try:
                number = float(str(value).strip())
            except ValueError:
                self.fail(f"{value!r} is not {self.what}", param, ctx)
        if not (math.isfinite(number) and 0 < number <= self.limit):
            self.fail(f"{value!r}: give {self.what} above 0, at most {self.limit:g}", param, ctx)
        return number


class Seconds(Positive):
    """A number of seconds: finite, above zero, at most a day."""

    name = "seconds"

    def __init__(self) -> None:
        super().__init__(86_400.0, "a number of seconds")


def text_option(value: str | None, what: str) -> str | None:
    """Refuse, as a usage error, a value that is not text (bytes that are not UTF-8 in argv)."""
    if value is None:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise click.BadParameter(
            "not valid UTF-8 text (the bytes given cannot be signed as text)", param_hint=what
        ) from None
    return value


def checked_secret(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """`secret_option`'s callback: the secret must be text."""
    return text_option(value, "--secret / SMS_HOOK_SECRET")


def writable(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """Check, before any run starts, that a report can be written at `value`.

    The file is opened for appending (nothing in it changes) or created and removed again: the
    only test that holds for root, read-only file systems and /proc alike.
    """
    if value is None:
        return None
    hint = "/".join(param.opts) if param.opts else None
    if value.is_dir():
        raise click.BadParameter(f"{value}: is a directory", param_hint=hint)
    existed = value.exists()
    try:
        with value.open("ab" if existed else "xb"):
            pass
        if not existed:
            value.unlink()
    except OSError as exc:
        raise click.BadParameter(
            f"{value}: cannot be written ({exc.strerror or exc})", param_hint=hint
        ) from None
    return value


def read_input(file: IO[bytes], what: str) -> bytes:
    """Read a whole input file; one that cannot be read (/proc/self/mem) is a usage error."""
    name = getattr(file, "name", what)
    try:
        data = file.read(MAX_INPUT + 1)
    except OSError as exc:
        raise click.BadParameter(
            f"{name}: cannot be read ({exc.strerror or exc})", param_hint=what
        ) from None
    if len(data) > MAX_INPUT:
        raise click.BadParameter(
            f"{name}: more than {MAX_INPUT // (1024 * 1024)} MiB; a notification is a few hundred "
            "bytes",
            param_hint=what,
        )
    return data


def secret_option(**extra: Any) -> Callable[[_F], _F]:
    """The `--secret` option, read from SMS_HOOK_SECRET when not given; never echoed.

    Every command's secret is refused at parse time unless it is text (`checked_secret`).
    """
    return click.option(
        "--secret",
        envvar=SECRET_ENV,
        show_envvar=True,
        help="Partner's secret key (prefer the environment variable: options show up in `ps`).",
        callback=checked_secret,
        **extra,
    )


def check_url(url: str) -> None:
    """Refuse, as a usage error, a receiver URL that is not http(s) with a host and a port
    (read as `sms_hook.wire` reads it to send)."""
    try:
        Origin.parse(url)
    except SmsHookError as exc:
        why = f" ({exc.__cause__})" if exc.__cause__ else ""  # a port out of range, ...
        raise click.BadParameter(
            f"{mask(url)!r} is not an http:// or https:// URL with a host{why}", param_hint="URL"
        ) from None


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
