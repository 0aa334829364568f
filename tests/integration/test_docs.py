"""README.md documents every CLI command and every option (datasette's tests/test_docs.py idea).

Expects in README.md a section headed ``## Command line`` in which every
command appears as ``coldcheck <command> [<subcommand>]`` and every option
(``--json``, ``--production``, ...) appears in backticks, e.g. in a table row.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main

from coldcheck.entrypoints.cli import cli

README = Path(__file__).resolve().parents[2] / "README.md"


def _section(text: str, heading: str) -> str:
    match = re.search(rf"^{re.escape(heading)}\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"README.md has no '{heading}' section"
    return match.group(1)


def _commands(group: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for name, command in sorted(group.commands.items()):
        path = f"{prefix}{name}"
        if hasattr(command, "commands"):
            yield path, command
            yield from _commands(command, f"{path} ")
        else:
            yield path, command


ROOT: Any = typer.main.get_command(cli)  # Typer's own click: duck-typed below
COMMANDS = list(_commands(ROOT))
DOCS = _section(README.read_text(encoding="utf-8"), "## Command line")


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS])
def test_every_command_is_in_the_readme(path: str) -> None:
    assert f"coldcheck {path}" in DOCS, f"`coldcheck {path}` is not documented in README.md"


def _options() -> Iterator[tuple[str, str]]:
    for path, command in [("", ROOT), *COMMANDS]:
        for param in command.params:
            if getattr(param, "param_type_name", "") == "option":
                for opt in (*param.opts, *param.secondary_opts):
                    if opt.startswith("--") and opt != "--help":
                        yield path or "(root)", opt


@pytest.mark.parametrize(("path", "option"), sorted(set(_options())))
def test_every_option_is_in_the_readme(path: str, option: str) -> None:
    assert f"`{option}" in DOCS or f" {option}" in DOCS, (
        f"option {option} of `coldcheck {path}` is not documented in README.md"
    )
