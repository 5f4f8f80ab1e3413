"""The `sms-hook` command line: the composition root that wires the components together."""

from __future__ import annotations

from sms_hook.cli import load, send, sign
from sms_hook.cli.base import EXIT_BROKEN, EXIT_OK, EXIT_USAGE, cli, main
from sms_hook.cli.mock import mock
from sms_hook.cli.verify import verify

cli.add_command(sign.sign)
cli.add_command(send.send)
cli.add_command(mock)
cli.add_command(verify)
cli.add_command(load.load)

__all__ = ["EXIT_BROKEN", "EXIT_OK", "EXIT_USAGE", "cli", "main"]
