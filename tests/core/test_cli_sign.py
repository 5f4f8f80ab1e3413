"""`sms-hook sign`: the published vector, files, stdin, checks, and clean errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sms_hook.cli import cli

PUBLISHED = "46b1ec8d2a05129bb57c8256f2cdd3029b2cf72dbed57f0d3eedd6b156573433"
SCRIPT = Path(sys.executable).parent / "sms-hook"
BODY = '{"type":"otp","data":{"code":"1234","msisdn":"+260977223120"}}'


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin, env=env)
    return result.exit_code, result.output


def test_sign_reproduces_the_published_vector_from_the_contract_example() -> None:
    code, out = run(
        "sign", "--example", "otp", "--timestamp", "1706191612", "--secret", "12345ABCDE"
    )
    assert code == 0
    assert f"signature: {PUBLISHED}" in out
    assert f"message:   1706191612{BODY}" in out


def test_sign_reads_an_indented_file_and_signs_its_compact_form(tmp_path: Path) -> None:
    path = tmp_path / "otp.json"
    path.write_text(
        '{\n  "type": "otp",\n  "data": {\n    "code": "1234",\n'
        '    "msisdn": "+260977223120"\n  }\n}\n'
    )
    code, out = run(
        "sign", str(path), "--timestamp", "1706191612", env={"SMS_HOOK_SECRET": "12345ABCDE"}
    )
    assert code == 0
    assert PUBLISHED in out


def test_sign_never_prints_the_secret() -> None:
    code, out = run(
        "sign",
        "-",
        "--timestamp",
        "1706191612",
        stdin=BODY,
        env={"SMS_HOOK_SECRET": "Sup3r-S3cret-Key"},
    )
    assert code == 0
    assert "Sup3r-S3cret-Key" not in out


def test_sign_check_accepts_a_matching_signature() -> None:
    code, out = run(
        "sign",
        "-",
        "--timestamp",
        "1706191612",
        "--check",
        PUBLISHED,
        "--secret",
        "12345ABCDE",
        stdin=BODY,
    )
    assert code == 0
    assert "signature matches" in out


def test_sign_check_explains_a_mismatch_with_exit_1() -> None:
    code, out = run(
        "sign",
        "-",
        "--timestamp",
        "1706191612",
        "--check",
        PUBLISHED.upper(),
        "--secret",
        "12345ABCDE",
        stdin=BODY,
    )
    assert code == 1
    assert "upper-case hex" in out
    assert "Traceback" not in out


def test_sign_uses_the_test_key_and_says_so_when_no_secret_is_given() -> None:
    code, out = run("sign", "--example", "otp", "--timestamp", "1706191612", env={})
    assert code == 0
    assert "test key" in out
    assert PUBLISHED in out


def test_sign_notes_keys_out_of_the_platform_order() -> None:
    body = '{"data":{"msisdn":"+260977223120","code":"1234"},"type":"otp"}'
    code, out = run("sign", "-", "--timestamp", "1706191612", "--secret", "k", stdin=body)
    assert code == 0
    assert "not in the platform's order" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sign"], "give a body FILE"),
        (["sign", "--example", "refund"], "'refund' is not a notification type"),
        (["sign", "--example", "otp", "--timestamp", "soon"], "'soon' is not a unix time"),
        (["sign", "/no/such/file.json"], "No such file or directory"),
        (["sign", "--bogus"], "sms-hook sign: No such option '--bogus'"),
        (["sign", "/proc/self/mem"], "/proc/self/mem: cannot be read"),
        (["sign", "--example", "otp", "--timestamp", "1" * 5000], "(5000 characters)"),
        (["sign", "--example", "otp", "--timestamp", "1" * 19], "1 to 18 ASCII digits"),
        (["sign", "--example", "otp", "--timestamp", "١٢٣"], "is not a unix time"),
    ],
)
def test_sign_usage_errors_are_one_line_with_exit_2(args: list[str], message: str) -> None:
    code, out = run(*args, "--secret", "k")
    assert code == 2
    assert message in out
    assert len(out.splitlines()) == 1, out
    assert "Usage:" not in out


def test_sign_refuses_a_secret_that_is_not_text_in_one_line() -> None:
    code, out = run("sign", "--example", "otp", "--secret", "\udcff\udcfe")
    assert code == 2
    assert "--secret / SMS_HOOK_SECRET: not valid UTF-8 text" in out
    assert len(out.splitlines()) == 1, out


def test_the_installed_console_script_signs_from_any_directory(tmp_path: Path) -> None:
    script = SCRIPT
    done = subprocess.run(
        [
            str(script),
            "sign",
            "--example",
            "otp",
            "--timestamp",
            "1706191612",
            "--secret",
            "12345ABCDE",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert PUBLISHED in done.stdout


def test_version_is_printed() -> None:
    code, out = run("--version")
    assert code == 0
    assert out.startswith("sms-hook, version ")


def test_help_lists_each_command_once_with_its_whole_first_sentence() -> None:
    code, out = run("--help")
    assert code == 0
    listed = out.split("Commands:", 1)[1]
    for name in ("mock", "send", "sign", "verify"):
        assert out.count(f"  {name} ") == 1, out  # once: no hand-written list beside click's
    assert "..." not in listed  # click's cut of a long first sentence
    assert "against the contract." in " ".join(listed.split())


def test_a_usage_error_of_the_group_is_one_line_with_exit_2() -> None:
    code, out = run("frobnicate")
    assert code == 2
    assert out.splitlines() == ["sms-hook: No such command 'frobnicate'. (see sms-hook --help)"]


@pytest.mark.parametrize("unbuffered", ["", "1"])
def test_standard_output_that_cannot_be_written_is_one_line_exit_2(unbuffered: str) -> None:
    # Buffered (tox) and unbuffered (PYTHONUNBUFFERED=1) standard output fail at other moments.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = unbuffered
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [
                str(SCRIPT),
                "sign",
                "--example",
                "otp",
                "--secret",
                "k",
            ],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            env=env,
        )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "sms-hook: cannot write standard output: No space left on device"
    ]


def test_a_secret_of_bytes_that_are_not_utf8_is_one_line_exit_2_in_a_real_process() -> None:
    done = subprocess.run(
        [
            os.fsencode(SCRIPT),
            b"sign",
            b"--example",
            b"otp",
            b"--secret",
            b"\xff\xfe",
        ],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert b"not valid UTF-8 text" in done.stderr
    assert b"Traceback" not in done.stderr
