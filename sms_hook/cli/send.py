"""`sms-hook send`: send one signed notification and judge the receiver's answer."""

from __future__ import annotations

from typing import IO

import click
import httpx

from sms_hook import contract as contract_module
from sms_hook import delivery, judge, notification, response
from sms_hook.cli.base import ContractBroken, check_url, resolve_secret, secret_option


@click.command(
    epilog="""\b
Examples:
  # the contract's bet_result example, signed with a fresh timestamp
  SMS_HOOK_SECRET=s3cret sms-hook send bet_result http://127.0.0.1:8080/notifications
  # change fields (typed as documented), or send any JSON with :=
  sms-hook send bet_result http://127.0.0.1:8080/hooks/sms --secret s3cret \\
      --set data.result=won --set data.event_id=42
  # check that a receiver rejects a boolean event_id (exit 1 if it accepts it)
  sms-hook send bet_result http://127.0.0.1:8080/hooks/sms --set data.event_id:=true
  # indented, as in the documentation's samples (signed over the compact form)
  sms-hook send otp http://127.0.0.1:8080/hooks/sms --pretty
"""
)
@click.argument("type_name", metavar="TYPE")
@click.argument("url")
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="PATH=VALUE",
    help="Set data.FIELD (or type); PATH:=JSON sends a raw JSON value. Repeatable.",
)
@click.option(
    "--unset", "unsets", multiple=True, metavar="PATH", help="Remove data.FIELD. Repeatable."
)
@click.option(
    "--body",
    "body_file",
    type=click.File("rb"),
    metavar="FILE",
    help="Start from the JSON notification in FILE instead of the contract's example.",
)
@click.option(
    "--pretty", is_flag=True, help="Send the body indented (signed over the compact form)."
)
@click.option("--operator-name", default=delivery.DEFAULT_OPERATOR, show_default=True)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=delivery.DEFAULT_TIMEOUT,
    show_default=True,
    help="Seconds to wait for the answer.",
)
@click.option("--insecure", is_flag=True, help="Do not verify the receiver's TLS certificate.")
@secret_option()
def send(
    type_name: str,
    url: str,
    sets: tuple[str, ...],
    unsets: tuple[str, ...],
    body_file: IO[bytes] | None,
    pretty: bool,
    operator_name: str,
    timeout: float,
    insecure: bool,
    secret: str | None,
) -> None:
    """Send one signed notification of TYPE to the receiver at URL (any path) and judge the answer.

    Prints the request, the answer, and whether the answer meets the contract: exit 0 if it
    does, 1 if not. With no --secret and no SMS_HOOK_SECRET, the documentation's test key is used.
    """
    check_url(url)
    contract = contract_module.load()
    secret = resolve_secret(secret, contract.test_key)
    built = notification.build(
        contract, type_name, base=body_file.read() if body_file else None, sets=sets, unsets=unsets
    )
    body = delivery.encode(contract, built, pretty=pretty)
    request = delivery.signed_request(
        body, secret, operator_name=operator_name, scheme=contract.signature
    )
    verdict = judge.Judge(contract, secret).judge(request.headers, body)

    click.echo(click.style(f"> POST {url}", bold=True))
    for name, value in request.headers.items():
        click.echo(f"> {name}: {value}")
    click.echo(f"> {body.decode()}")
    with httpx.Client(timeout=timeout, verify=not insecure) as client:
        try:
            answer = delivery.post(client, url, request)
        except httpx.TimeoutException as exc:
            raise ContractBroken(f"no answer within {timeout:g} s") from exc
        except httpx.TransportError as exc:
            raise ContractBroken(f"connection dropped without an answer ({exc!r})") from exc
    click.echo(click.style(f"< {answer.status}", bold=True) + f"  ({answer.seconds * 1000:.1f} ms)")
    for name in ("content-type",):
        if name in answer.headers:
            click.echo(f"< {name}: {answer.headers[name]}")
    click.echo(f"< {answer.body.decode('utf-8', errors='backslashreplace')}")

    expect = verdict.expect
    if expect is judge.Expect.ACCEPT:
        problems = response.acceptance_problems(
            contract, answer.status, answer.headers, answer.body
        )
        rule = 'a valid notification must be accepted with 200 and {"message": string}'
    elif expect is judge.Expect.REJECT:
        problems = response.rejection_problems(answer.status)
        reasons = "; ".join(str(f) for f in verdict.binding)
        rule = f"an invalid notification must be rejected with a 4xx ({reasons})"
    else:
        problems = response.open_problems(contract, answer.status, answer.headers, answer.body)
        reasons = "; ".join(str(f) for f in verdict.findings)
        rule = f"the contract allows 200 or a 4xx ({reasons})"
    if problems:
        raise ContractBroken(f"contract broken: {'; '.join(problems)} — {rule}")
    click.echo(
        click.style("ok: ", fg="green", bold=True) + f"the answer meets the contract ({rule})"
    )
