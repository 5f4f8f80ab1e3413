"""`sms-hook send`: send one signed notification and judge the receiver's answer."""

from __future__ import annotations

from typing import IO, Final

import click

from sms_hook import contract as contract_module
from sms_hook import delivery, judge, notification, response, wire
from sms_hook.cli.base import (
    ContractBroken,
    Seconds,
    check_url,
    read_input,
    resolve_secret,
    secret_option,
)
from sms_hook.errors import ExchangeFailed
from sms_hook.wire import Answer

SHOWN: Final = 2000
"""Characters of an answer's body printed; the rest is noted, not shown."""


@click.command(
    epilog="""\b
Examples (against `sms-hook mock`, which listens at http://127.0.0.1:8080/notifications):
  # the contract's bet_result example, signed with a fresh timestamp
  sms-hook send bet_result http://127.0.0.1:8080/notifications
  # change fields (typed as documented), or send any JSON with :=
  sms-hook send bet_result http://127.0.0.1:8080/notifications --set data.result=won \\
      --set data.event_id=42
  # check that a receiver rejects a boolean event_id (exit 1 if it accepts it)
  sms-hook send bet_result http://127.0.0.1:8080/notifications --set data.event_id:=true
  # indented, as in the documentation's samples (signed over the compact form)
  sms-hook send otp http://127.0.0.1:8080/notifications --pretty
  # your receiver, with its secret
  SMS_HOOK_SECRET=s3cret sms-hook send otp https://staging.example.com/hooks/sms
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
    type=Seconds(),
    default=delivery.DEFAULT_TIMEOUT,
    show_default=True,
    help="Seconds for the whole exchange: connect, send, and the last byte of the answer.",
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
    base = read_input(body_file, "--body") if body_file else None
    built = notification.build(contract, type_name, base=base, sets=sets, unsets=unsets)
    for warning in notification.unknown_fields(contract, type_name, (*sets, *unsets)):
        click.echo(f"sms-hook: warning: {warning} (sent anyway)", err=True)
    body = delivery.encode(contract, built, pretty=pretty)
    request = delivery.signed_request(
        body, secret, operator_name=operator_name, scheme=contract.signature
    )
    verdict = judge.Judge(contract, secret).judge(request.headers, body)

    click.echo(click.style(f"> POST {wire.mask(url)}", bold=True))
    for name, value in request.headers.items():
        click.echo(f"> {name}: {value}")
    click.echo(f"> {body.decode()}")
    try:
        with wire.Connection(url, tls=wire.tls_for(url, verify=not insecure)) as connection:
            answer = connection.post(request.headers, request.body, timeout)
    except ExchangeFailed as exc:
        raise ContractBroken(str(exc)) from exc
    _show(answer)
    wrong_path = _wrong_path(answer)
    if wrong_path is not None:
        raise ContractBroken(wrong_path)
    expect = verdict.expect
    unread = answer.discarded and answer.status == contract.success_status
    if unread and expect is not judge.Expect.REJECT:
        problems = [wire.UNREAD]
        rule = 'a valid notification must be accepted with 200 and {"message": string}'
    elif expect is judge.Expect.ACCEPT:
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


def _show(answer: Answer) -> None:
    """Print the answer: status, time, a few headers and the start of its body."""
    click.echo(click.style(f"< {answer.status}", bold=True) + f"  ({answer.seconds * 1000:.1f} ms)")
    for name in ("content-type", "location"):
        if name in answer.headers:
            click.echo(f"< {name}: {answer.headers[name][:SHOWN]}")
    text = answer.body.decode("utf-8", errors="backslashreplace")
    if answer.discarded:
        more = " (longer than 1 MiB: the rest was discarded unread)"
    elif len(text) > SHOWN:
        more = f" ({len(text)} characters; {SHOWN} shown)"
    else:
        more = ""
    click.echo(f"< {text[:SHOWN]}{'…' if more else ''}{more}")


def _wrong_path(answer: Answer) -> str | None:
    """Say so when the answer comes from something other than a receiver of the contract.

    A 404 or 405 is no receiver's rejection of the notification: nothing at that path takes
    POSTs. A redirect is never followed (the platform does not follow them either). Unlike
    `verify`, which lets a 404 stand as the rejection of an invalid notification because its
    valid ones show a wrong path anyway, `send` has this one answer to go on, so it says so
    whatever it sent.
    """
    if answer.status in response.NOT_HERE:
        return (
            f"status {answer.status}: nothing at this path takes notifications; the URL's path "
            "is probably wrong (the mock's is /notifications)"
        )
    if 300 <= answer.status < 400:
        where = answer.headers.get("location", "")[:SHOWN]
        return (
            f"status {answer.status}: the receiver redirects"
            + (f" to {wire.mask(where)}" if where else "")
            + "; redirects are not followed: give the URL that answers"
        )
    return None
