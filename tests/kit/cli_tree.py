"""Check an `sms-hook` argument list against the real click command tree."""

from __future__ import annotations

from typing import Final

import click

from sms_hook.cli import cli

AWAITED: Final = {("verify", "--report-html"): "helper B (issue 10): the HTML certificate"}
"""Options the templates use that are being added on another branch right now. Where one is
still missing the test skips locally and fails in CI; delete the entry once it is merged."""


def options_of(command: click.Command) -> set[str]:
    return {name for param in command.params for name in (*param.opts, *param.secondary_opts)}


def problems(args: list[str]) -> tuple[list[str], list[str]]:
    """(problems, awaited options missing) for one invocation `sms-hook ARGS`."""
    if not args or args[0].startswith("-"):
        return (
            ([], [])
            if args and args[0] in {"--version", "--help", "-h"}
            else ([f"no command in {args}"], [])
        )
    command = cli.commands.get(args[0]) if isinstance(cli, click.Group) else None
    if command is None:
        return [f"no command {args[0]!r} (sms-hook has {sorted(cli.commands)})"], []
    known = options_of(command) | {"--help", "-h"}
    found, awaited = [], []
    for word in args[1:]:
        name = word.split("=", 1)[0]
        if not name.startswith("--") or name in known:
            continue
        if (args[0], name) in AWAITED:
            awaited.append(f"{args[0]} {name}: {AWAITED[args[0], name]}")
        else:
            found.append(f"sms-hook {args[0]} has no option {name}")
    if not found and not awaited and not any("$" in word for word in args):
        try:  # literal arguments only: click checks their values and their count too
            command.make_context(args[0], list(args[1:]), parent=click.Context(cli))
        except click.exceptions.Exit:
            pass
        except click.UsageError as error:
            if "No such file or directory" in error.format_message():
                return found, awaited  # the reader's own file (my-body.json): not ours to ship
            found.append(f"sms-hook {' '.join(args)}: {error.format_message()}")
    return found, awaited
