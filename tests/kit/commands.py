"""The shell commands that the guides and the CI templates show, extracted for checking.

Sources: fenced ```sh blocks of README.md and docs/*.md, and the `run:` / `script:` steps of
action.yml and examples/ (GitHub workflow, GitLab CI). A command is one simple command of a
script: continuation lines joined, comments dropped, cut at `&&`, `||`, `;`, `|` and `&`.
`Command.sms_hook` is the argument list after the `sms-hook` program (any path to it, after any
`VAR=value` prefixes), or None when the command runs something else.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

from tests.kit import dockerfile

ROOT: Final = Path(__file__).resolve().parents[2]
GUIDES: Final = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
TEMPLATES: Final = (
    ROOT / "action.yml",
    ROOT / "examples" / "github-actions" / "verify.yml",
    ROOT / "examples" / "gitlab-ci.yml",
)
_FENCE: Final = re.compile(r"^```(sh|bash|shell)\s*\n(.*?)^```", re.MULTILINE | re.DOTALL)
_ASSIGNMENT: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_REDIRECTION: Final = re.compile(r"^[0-9]*(>>?|<)")
_OPERATORS: Final = frozenset({"&&", "||", ";", "|", "&", ";;", "|&"})
# `docker run` options that take a value (the ones a guide might show).
_DOCKER_VALUED: Final = frozenset(
    {"-p", "--publish", "-e", "--env", "-v", "--volume", "--name", "--network", "-u", "--user",
     "-w", "--workdir", "--env-file", "--mount", "--entrypoint"}
)  # fmt: skip
_GITLAB_SCRIPTS: Final = ("before_script", "script", "after_script")


@dataclass(frozen=True)
class Command:
    """One simple shell command, where it was found, and how it is joined to its neighbours."""

    source: str  # e.g. "README.md:18" or "action.yml: Verify the receiver"
    block: str  # the whole script or fenced block it came from
    text: str
    tokens: tuple[str, ...]
    background: bool  # ended by `&`
    piped: bool = False  # reads the output of the command before it (`a | b`: b is piped)

    @property
    def sms_hook(self) -> list[str] | None:
        words = list(self.tokens)
        while words and _ASSIGNMENT.match(words[0]):
            words.pop(0)
        if words[:2] == ["docker", "run"]:
            args = _docker_run_arguments(words[2:])
            if args is None:
                return None
        elif words and Path(words[0]).name == "sms-hook":
            args = words[1:]
        else:
            return None
        for index, word in enumerate(args):
            if _REDIRECTION.match(word):
                return args[:index]
        return args

    @property
    def env(self) -> dict[str, str]:
        """The `VAR=value` prefixes of the command."""
        found: dict[str, str] = {}
        for word in self.tokens:
            if not _ASSIGNMENT.match(word):
                break
            name, _, value = word.partition("=")
            found[name] = value
        return found


def _docker_run_arguments(words: list[str]) -> list[str] | None:
    """What `docker run [OPTIONS] sms-hook [ARGS]` passes to the entrypoint (the image's CMD
    when no ARGS are given); None for another image."""
    index = 0
    while index < len(words) and words[index].startswith("-"):
        index += 2 if words[index] in _DOCKER_VALUED and "=" not in words[index] else 1
    if index >= len(words) or words[index] != "sms-hook":
        return None
    args = words[index + 1 :]
    return args or dockerfile.only(dockerfile.read(ROOT / "Dockerfile"), "CMD").exec_form()


def split(script: str, source: str) -> Iterator[Command]:
    """The simple commands of a shell script (see the module docstring)."""
    joined = re.sub(r"\\\n", " ", script)
    for line in joined.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        words: list[str] = []
        before = ""
        try:
            tokens = list(lexer)
        except ValueError:  # an unbalanced quote: not a command line (e.g. a heredoc's text)
            continue
        for word in [*tokens, ";"]:
            if word in _OPERATORS:
                if words:
                    text = shlex.join(words)
                    yield Command(
                        source, script, text, tuple(words), word == "&", piped=before == "|"
                    )
                words = []
                before = word
            else:
                words.append(word)


def guide_commands() -> Iterator[Command]:
    """Every command of every fenced sh block in README.md and docs/."""
    for path in GUIDES:
        text = path.read_text("utf-8")
        for match in _FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            yield from split(match.group(2), f"{path.relative_to(ROOT)}:{line}")


def template_scripts(path: Path) -> Iterator[tuple[str, str]]:
    """(where, script) for every shell script that a CI template or the action runs."""
    document: Any = yaml.safe_load(path.read_text("utf-8"))
    name = str(path.relative_to(ROOT))
    steps: list[Any] = []
    if "runs" in document:  # an action
        steps = document["runs"].get("steps", [])
    for job in (document.get("jobs") or {}).values():  # a GitHub workflow
        steps.extend(job.get("steps", []))
    for index, step in enumerate(steps):
        if "run" in step:
            yield f"{name}: {step.get('name', f'step {index + 1}')}", step["run"]
    if "jobs" in document or "runs" in document:
        return
    for job_name, job in document.items():  # GitLab CI: every mapping with a script is a job
        if not isinstance(job, dict):
            continue
        for key in _GITLAB_SCRIPTS:
            lines = job.get(key, [])
            for line in [lines] if isinstance(lines, str) else lines:
                yield f"{name}: {job_name}.{key}", line


def template_commands() -> Iterator[Command]:
    for path in TEMPLATES:
        for where, script in template_scripts(path):
            yield from split(script, where)
