"""`sms-hook sign`: print the signed message and signature of a body, or check a signature."""

from __future__ import annotations

import json
import time
from typing import IO

import click

from sms_hook import contract as contract_module
from sms_hook import delivery, signing
from sms_hook.cli.base import (
    ContractBroken,
    read_input,
    resolve_secret,
    secret_option,
)
from sms_hook.errors import SignatureMismatch


@click.command(
    epilog="""\b
Examples:
  # the published test vector (prints 46b1ec8d...3433)
  sms-hook sign --example otp --timestamp 1706191612 --secret 12345ABCDE
  # a body file, as it will be sent (indented or compact)
  SMS_HOOK_SECRET=... sms-hook sign notification.json --timestamp 1706191612
  # check a signature you computed; exit 1 with the reason if it does not match
  echo '{"type":"otp","data":{"code":"1234","msisdn":"+260977223120"}}' |
    sms-hook sign - --timestamp 1706191612 --check "$SIGNATURE"
"""
)
@click.argument("file", type=click.File("rb"), required=False)
@click.option(
    "--example",
    "example",
    metavar="TYPE",
    help="Sign the contract's example notification of TYPE instead of a file.",
)
@click.option("--timestamp", metavar="T", help="Unix time in seconds (default: now).")
@click.option("--check", metavar="SIGNATURE", help="Check this signature instead of printing one.")
@secret_option()
def sign(
    file: IO[bytes] | None,
    example: str | None,
    timestamp: str | None,
    check: str | None,
    secret: str | None,
) -> None:
    """Print the exact message that is signed and its signature, for a body FILE (or - for stdin).

    Both follow the document's x-sms-hook-signature. As shipped, the message is the timestamp
    followed by the body with the whitespace between JSON tokens removed, and the signature is
    its lower-case hex HMAC-SHA256 under the secret.
    With no --secret and no SMS_HOOK_SECRET, the documentation's test key is used.
    """
    contract = contract_module.load()
    if (file is None) == (example is None):
        raise click.UsageError("give a body FILE (or - for stdin), or --example TYPE")
    if example is not None:
        body = delivery.encode(contract, contract.example(example))
    else:
        assert file is not None
        body = read_input(file, "FILE")
    secret = resolve_secret(secret, contract.test_key)
    ts = timestamp if timestamp is not None else str(int(time.time()))
    if signing.parse_timestamp(ts) is None:
        shown = ts if len(ts) <= 40 else f"{ts[:39]}… ({len(ts)} characters)"
        raise click.BadParameter(
            f"{shown!r} is not a unix time in whole seconds (1 to 18 ASCII digits)",
            param_hint="--timestamp",
        )
    msg = signing.message(ts, body, contract.signature)
    _note_order(contract, body)
    if check is None:
        click.echo(f"message:   {msg.decode('utf-8', errors='backslashreplace')}")
        click.echo(f"signature: {signing.sign(secret, ts, body, contract.signature)}")
        return
    try:
        reading = signing.match(secret, ts, body, check, contract.signature)
    except SignatureMismatch as exc:
        raise ContractBroken(str(exc)) from exc
    click.echo(f"signature matches (reading: {reading})")


def _note_order(contract: contract_module.Contract, body: bytes) -> None:
    """Warn when the body's keys are not in the order the platform sends and signs."""
    try:
        parsed = json.loads(body)
    except ValueError:
        click.echo("sms-hook: note: the body is not valid JSON; signed as given", err=True)
        return
    if not isinstance(parsed, dict):
        return
    canonical = signing.canonical_body(parsed, contract.field_order)
    if canonical != signing.compact(body) and json.loads(canonical) == parsed:
        click.echo(
            "sms-hook: note: keys are not in the platform's order; it would sign "
            f"{canonical.decode()}",
            err=True,
        )
