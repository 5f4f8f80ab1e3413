"""Reading back the curl commands verify prints, to prove they reproduce the request exactly."""

from __future__ import annotations

import itertools
import shlex


def parse(command: str) -> tuple[str, dict[str, str], bytes]:
    """Return the URL, headers and body bytes of a `SignedRequest.curl` command."""
    stdin = b""
    if command.startswith("printf "):
        printf, command = command.split(" | ", 1)
        escaped = shlex.split(printf)[1]
        stdin = bytes(int(escaped[i + 2 : i + 4], 16) for i in range(0, len(escaped), 4))
    words = shlex.split(command)
    url = words[words.index("POST") + 1]
    headers: dict[str, str] = {}
    body = b""
    for flag, value in itertools.pairwise(words):
        if flag == "-H":
            name, _, text = value.partition(": ")
            headers[name] = text
        elif flag == "--data-binary":
            body = stdin if value == "@-" else value.encode()
    return url, headers, body
