"""`sms-hook verify --only RULE[/TYPE]` and `--rerun REPORT.json#CAUSE`: parsing and printing."""

from __future__ import annotations

from collections.abc import Callable

import click

from contract_tests import rerun
from contract_tests.battery import battery
from contract_tests.exchange import Sender
from contract_tests.report import Line
from contract_tests.rules import ANY_TYPE, BY_ID, NO_SERVER_ERROR
from contract_tests.runner import Settings
from sms_hook import wire
from sms_hook.cli.base import ContractBroken
from sms_hook.contract import Contract


def parse_only(given: str | None, contract: Contract) -> tuple[str, str | None] | None:
    """Read `--only RULE[/TYPE]`: a rule the battery has probes for, and a type of the contract."""
    if given is None:
        return None
    rule, _, type_name = given.partition("/")
    probed = {p.rule for p in battery(contract, secret="")} | {NO_SERVER_ERROR}
    if rule not in probed:
        listed = ", ".join(r for r in BY_ID if r in probed)
        why = (
            "has no battery probes (it is checked in a full run)"
            if rule in BY_ID
            else "is not a rule"
        )
        raise click.BadParameter(f"{rule!r} {why}; one of: {listed}", param_hint="--only")
    types = (*contract.types, ANY_TYPE)
    if type_name and type_name not in types:
        raise click.BadParameter(
            f"{type_name!r} is not a notification type ({', '.join(types)})",
            param_hint="--only",
        )
    return rule, type_name or None


def rerun_cause(
    settings: Settings, reference: str, contract: Contract, echo: Callable[[Line], None]
) -> None:
    """Send one cause's failing requests again and say, for each, whether it still fails."""
    path, cause = rerun.select(reference)
    title, failures = rerun.load(path, cause)
    tls = wire.tls_for(settings.url, settings.tls_verify)
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
