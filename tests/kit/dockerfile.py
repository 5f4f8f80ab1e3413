"""A small reader of this repository's Dockerfile: its instructions, in order, with arguments."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, RUN, COPY, ...
    arguments: str

    def exec_form(self) -> list[str]:
        """The JSON array of CMD, ENTRYPOINT or a HEALTHCHECK's CMD."""
        text = self.arguments
        if self.keyword == "HEALTHCHECK":
            text = text.split(" CMD ", 1)[1]
        value = json.loads(text)
        assert isinstance(value, list), f"{self.keyword} is not in exec form: {text}"
        return [str(word) for word in value]


def read(path: Path) -> list[Instruction]:
    text = re.sub(r"\\\n", " ", path.read_text("utf-8"))
    instructions = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        keyword, _, arguments = stripped.partition(" ")
        instructions.append(Instruction(keyword.upper(), re.sub(r"\s+", " ", arguments).strip()))
    return instructions


def only(instructions: list[Instruction], keyword: str) -> Instruction:
    (found,) = [i for i in instructions if i.keyword == keyword]
    return found
