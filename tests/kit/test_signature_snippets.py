"""The partner signature snippets (examples/verify-signature/) against every signing vector.

Each language runs once, in one process, over every case: the right signature (accepted), and
each tampered one (rejected): another body byte, another timestamp, another secret, a truncated
signature, a stale or future timestamp. The verdicts are then asserted one claim at a time.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pytest

from sms_hook import signing
from sms_hook.errors import SignatureError
from tests.kit.toolchains import need

ROOT: Final = Path(__file__).resolve().parents[2]
SNIPPETS: Final = ROOT / "examples" / "verify-signature"
VECTORS: Final = json.loads((ROOT / "openapi" / "signing-vectors.json").read_text("utf-8"))
TOLERANCE: Final = 300  # the contract's recommended window, which every snippet uses


@dataclass(frozen=True)
class Case:
    claim: str  # the test id this case belongs to
    vector: str
    secret: str
    timestamp: str
    signature: str
    body: bytes
    now: int
    accept: bool

    def line(self) -> str:
        text = (self.secret, self.timestamp, self.signature)
        fields = [base64.b64encode(value.encode()).decode() for value in text]
        return "\t".join([*fields, base64.b64encode(self.body).decode(), str(self.now)])


def _other_byte(body: bytes) -> bytes:
    """The body with its last ASCII letter or digit changed: a different signed message."""
    index = max(i for i, byte in enumerate(body) if chr(byte).isalnum() and byte < 0x80)
    replacement = b"0" if body[index : index + 1] != b"0" else b"1"
    return body[:index] + replacement + body[index + 1 :]


def _cases_for(vector: dict[str, Any]) -> Iterator[Case]:
    name, secret, sig = vector["name"], vector["secret"], vector["signature"]
    ts, body = vector["timestamp"], vector["body"].encode("utf-8")
    t = int(ts)

    def case(claim: str, accept: bool, **changes: Any) -> Case:
        fields: dict[str, Any] = {
            "secret": secret, "timestamp": ts, "signature": sig, "body": body, "now": t,
        }  # fmt: skip
        return Case(claim, name, accept=accept, **(fields | changes))

    yield case("right-signature", True)
    yield case("right-signature", True, now=t + TOLERANCE)
    yield case("right-signature", True, now=t - TOLERANCE)
    if "signature_all_whitespace" in vector:
        yield case("right-signature", True, signature=vector["signature_all_whitespace"])
    yield case("other-body-byte", False, body=_other_byte(body))
    yield case("other-timestamp", False, timestamp=str(t + 1), now=t + 1)
    yield case("other-secret", False, secret=secret + "X")
    yield case("truncated", False, signature=sig[:-1])
    yield case("truncated", False, signature=sig[:32])
    yield case("truncated", False, signature="")
    yield case("stale-timestamp", False, now=t + TOLERANCE + 1)
    yield case("future-timestamp", False, now=t - TOLERANCE - 1)
    # A timestamp that is not unix seconds is refused even when the signature covers it.
    for bad in ("", f"{t}.5", f"+{t}", f" {t}", "١٧٠٦١٩١٦١٢"):
        signed = signing.sign(secret, bad, body)
        yield case("non-numeric-timestamp", False, timestamp=bad, signature=signed)


CASES: Final = [case for vector in VECTORS["vectors"] for case in _cases_for(vector)]
CLAIMS: Final = list(dict.fromkeys(case.claim for case in CASES))


def _run(command: list[str], cwd: Path) -> list[str]:
    stdin = "".join(case.line() + "\n" for case in CASES)
    done = subprocess.run(
        command, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"{command[0]} exited {done.returncode}: {done.stderr}"
    return done.stdout.split()


def _build(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    built = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert built.returncode == 0, f"{' '.join(command)}: {built.stderr}"


def _python(_: Path) -> list[str]:
    return _run([sys.executable, "vectors.py"], SNIPPETS / "python")


def _node(_: Path) -> list[str]:
    need("node", install="apt-get install nodejs")
    return _run(["node", "vectors.js"], SNIPPETS / "node")


def _go(work: Path) -> list[str]:
    need("go", "gofmt", install="apt-get install golang-go")
    env = {
        **os.environ,
        "GOCACHE": os.environ.get("GOCACHE", str(work / "gocache")),
        "GOPATH": str(work / "gopath"),
        "GOPROXY": "off",  # the snippet has no dependencies: nothing to download
        "GOTOOLCHAIN": "local",
        "GOFLAGS": "-mod=mod",
    }
    binary = work / "vectors"
    _build(["go", "vet", "./..."], SNIPPETS / "go", env)
    unformatted = subprocess.run(
        ["gofmt", "-l", "."], cwd=SNIPPETS / "go", capture_output=True, text=True, check=True
    ).stdout
    assert not unformatted, f"not gofmt-formatted: {unformatted}"
    _build(["go", "build", "-o", str(binary), "./cmd/vectors"], SNIPPETS / "go", env)
    return _run([str(binary)], SNIPPETS / "go")


def _php(_: Path) -> list[str]:
    need("php", install="apt-get install php-cli")
    return _run(["php", "vectors.php"], SNIPPETS / "php")


def _java(work: Path) -> list[str]:
    need("java", "javac", install="apt-get install default-jdk-headless")
    sources = ["VerifySignature.java", "Vectors.java"]
    _build(["javac", "-Xlint:all", "-Werror", "-d", str(work), *sources], SNIPPETS / "java")
    return _run(["java", "-cp", str(work), "Vectors"], SNIPPETS / "java")


RUNNERS: Final[dict[str, Callable[[Path], list[str]]]] = {
    "python": _python, "node": _node, "go": _go, "php": _php, "java": _java,
}  # fmt: skip


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], list[str]]:
    """The verdicts of one language over CASES, computed once per language."""
    cache: dict[str, list[str]] = {}

    def of(language: str) -> list[str]:
        if language not in cache:
            cache[language] = RUNNERS[language](tmp_path_factory.mktemp(language))
            assert len(cache[language]) == len(CASES), cache[language]
        return cache[language]

    return of


@pytest.mark.parametrize("claim", CLAIMS)
@pytest.mark.parametrize("language", list(RUNNERS))
def test_snippet_gives_the_contract_verdict_on_every_vector(
    language: str, claim: str, verdicts: Callable[[str], list[str]]
) -> None:
    wrong = [
        f"{case.vector} (timestamp {case.timestamp!r}, now {case.now}, signature "
        f"{case.signature[:12]!r}…): {got}, expected {'accept' if case.accept else 'reject'}"
        for case, got in zip(CASES, verdicts(language), strict=True)
        if case.claim == claim and got != ("accept" if case.accept else "reject")
    ]
    assert not wrong, f"{language}, {claim}:\n" + "\n".join(wrong)


def test_every_case_expects_what_the_project_verifier_decides() -> None:
    """The expected verdicts are the contract's: sms_hook.signing agrees with each of them."""
    for case in CASES:
        headers = {"timestamp": case.timestamp, "signature": case.signature}
        try:
            signing.verify(case.secret, headers, case.body, tolerance=TOLERANCE, now=case.now)
            accepted = True
        except SignatureError:
            accepted = False
        assert accepted == case.accept, case


def test_every_vector_has_an_accepted_case() -> None:
    covered = {case.vector for case in CASES if case.accept}
    assert covered == {vector["name"] for vector in VECTORS["vectors"]}
