"""Reading back the curl commands verify prints, to prove they reproduce the request exactly.

`parse` reads a command the way curl and a POSIX shell would; `run` really runs it with `sh`.
"""

from __future__ import annotations

import itertools
import re
import shlex
import shutil
import subprocess
from pathlib import Path

_OCTAL = re.compile(rb"\\([0-7]{3})")
SUPPRESSED = frozenset({"content-type", "expect"})
"""Headers curl would add by itself, which a command suppresses with `-H 'Name:'`."""


def printf_bytes(fmt: str) -> bytes:
    """The bytes a POSIX printf writes for a format made of plain characters and octal escapes."""
    return _OCTAL.sub(lambda m: bytes([int(m.group(1), 8)]), fmt.encode("utf-8"))


def parse(command: str) -> tuple[str, dict[str, str], bytes]:
    """Return the URL, headers (as sent: empty ones empty, suppressed ones absent) and body."""
    stdin = b""
    if command.startswith("printf "):
        printf, command = command.split(" | ", 1)
        stdin = printf_bytes(shlex.split(printf)[1])
    words = shlex.split(command)
    url = words[words.index("POST") + 1]
    headers: dict[str, str] = {}
    body = b""
    for flag, value in itertools.pairwise(words):
        if flag == "-H":
            if value.endswith(";") and ":" not in value:
                headers[value[:-1]] = ""
                continue
            name, _, text = value.partition(":")
            if not text and name.lower() in SUPPRESSED:
                continue
            headers[name] = text.removeprefix(" ")
        elif flag == "--data-binary":
            if value == "@-":
                body = stdin
            elif value.startswith("@"):
                body = Path(value[1:]).read_bytes()
            else:
                body = value.encode()
    return url, headers, body


def available() -> bool:
    return shutil.which("curl") is not None and Path("/bin/sh").exists()


def run(command: str, cwd: Path | None = None) -> int:
    """Run a curl command with /bin/sh (dash on Debian) and return the answer's status."""
    out = subprocess.run(
        ["/bin/sh", "-c", command], capture_output=True, cwd=cwd, timeout=30, check=True
    ).stdout
    first = out.split(b"\r\n", 1)[0].decode("latin-1")
    return int(first.split()[1])
