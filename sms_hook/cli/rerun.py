"""`sms-hook verify --only RULE[/TYPE]` and `--rerun REPORT.json#CAUSE`: parsing and printing."""

from __future__ import annotations

from collections.abc import Callable

import click

from contract_tests import rerun
from contract_tests.exchange import Sender
from contract_tests.report import Line
from contract_tests.rules import ANY_TYPE, BY_ID
from contract_tests.runner import Settings, _tls  # the run's own TLS settings, reused as is
from sms_hook.cli.base import ContractBroken
from sms_hook.contract import Contract


def parse_only(given: str | None, types: tuple[str, ...]) -> tuple[str, str | None] | None:
    if given is None:
        return None
    rule, _, type_name = given.partition("/")
    if rule not in BY_ID:
        raise click.BadParameter(
            f"{rule!r} is not a rule ({', '.join(BY_ID)})", param_hint="--only"
        )
    if type_name and type_name not in (*types, ANY_TYPE):
        raise click.BadParameter(
            f"{type_name!r} is not a notification type ({', '.join((*types, ANY_TYPE))})",
            param_hint="--only",
        )
    return rule, type_name or None


def rerun_cause(
    settings: Settings, reference: str, contract: Contract, echo: Callable[[Line], None]
) -> None:
    """Send one cause's failing requests again and say, for each, whether it still fails."""
    path, cause = rerun.select(reference)
    title, failures = rerun.load(path, cause)
    tls = _tls(settings.tls_verify) if settings.url.startswith("https:") else None
    with Sender(settings.url, settings.request_timeout, tls=tls) as sender:
        outcomes = rerun.rerun(
            failures,
            contract=contract,
            sender=sender,
            secret=settings.secret,
            operator_name=settings.operator_name,
            headers=settings.headers,
        )
    echo(Line(f"sms-hook verify --rerun {reference}: {title}", "bold"))
    for outcome in outcomes:
        if outcome.failure is None:
            echo(Line(f"  passes now   {outcome.title} [{outcome.type}]", "ok"))
        else:
            echo(
                Line(
                    f"  still fails  {outcome.title} [{outcome.type}]: {outcome.failure.got}",
                    "fail",
                )
            )
    failing = sum(not o.fixed for o in outcomes)
    if failing:
        raise ContractBroken(f"{failing} of {len(outcomes)} requests still fail: {title}")
    echo(Line(f"FIXED: none of the {len(outcomes)} requests fails any more", "ok"))
