"""https receivers: a private CA with --ca-bundle, --insecure, an unknown certificate."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sms_hook.cli import cli
from tests.support.server import serve
from tests.support.tls import self_signed
from tests.verify.conftest import SECRET
from tests.verify.receivers import PATH, judge_receiver


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    cert_file, key_file = self_signed(tmp_path_factory.mktemp("tls"))
    app = judge_receiver(SECRET)
    with serve(app, ssl_certfile=str(cert_file), ssl_keyfile=str(key_file)) as base:
        yield base.replace("http://", "https://") + PATH, cert_file


def verify(*args: str) -> Result:
    return CliRunner().invoke(
        cli,
        ["verify", *args, "--max-examples", "1"],
        env={"SMS_HOOK_SECRET": SECRET},
        catch_exceptions=False,
    )


def test_an_https_receiver_with_a_private_ca_conforms_with_ca_bundle(
    tls: tuple[str, Path],
) -> None:
    url, cert = tls
    result = verify(url, "--ca-bundle", str(cert))
    assert result.exit_code == 0, result.output


def test_an_https_receiver_conforms_with_insecure(tls: tuple[str, Path]) -> None:
    url, _ = tls
    assert verify(url, "--insecure").exit_code == 0


def test_a_certificate_nobody_vouches_for_exits_2_in_one_line(tls: tuple[str, Path]) -> None:
    url, _ = tls
    result = verify(url)
    assert result.exit_code == 2
    output = result.output
    assert output.startswith(f"sms-hook: receiver unreachable: {url}: TLS handshake failed")
    assert "CERTIFICATE_VERIFY_FAILED" in output
    assert "give --ca-bundle or --insecure" in output
    assert len(output.splitlines()) == 1


def test_a_ca_bundle_that_is_not_one_exits_2_in_one_line(
    tls: tuple[str, Path], tmp_path: Path
) -> None:
    url, _ = tls
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("not a certificate\n")
    result = verify(url, "--ca-bundle", str(bogus))
    assert result.exit_code == 2
    assert result.output.startswith(f"sms-hook: CA bundle {bogus}: cannot be used")


def test_insecure_holds_for_a_scheme_written_in_capitals(tls: tuple[str, Path]) -> None:
    url, _ = tls
    result = verify(url.replace("https://", "HTTPS://"), "--insecure")
    assert result.exit_code == 0, result.output


def test_send_with_insecure_reaches_https_and_plain_http_alike(tls: tuple[str, Path]) -> None:
    url, _ = tls
    for target in (url, url.replace("https://", "HTTPS://")):
        sent = CliRunner().invoke(
            cli, ["send", "otp", target, "--insecure"], env={"SMS_HOOK_SECRET": SECRET}
        )
        assert sent.exit_code == 0, sent.output
    with serve(judge_receiver(SECRET)) as base:
        sent = CliRunner().invoke(
            cli, ["send", "otp", base + PATH, "--insecure"], env={"SMS_HOOK_SECRET": SECRET}
        )
    assert sent.exit_code == 0, sent.output
    assert "ok: the answer meets the contract" in sent.output
