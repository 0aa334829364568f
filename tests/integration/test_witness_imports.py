"""The witness is its own small program: of coldcheck it imports only the pure ledger."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import coldcheck.witness

WITNESS = Path(coldcheck.witness.__file__).parent
ALLOWED_THIRD_PARTY = {"cryptography", "starlette", "uvicorn", "typer"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_witness_imports_only_the_ledger_of_coldcheck() -> None:
    files = sorted(WITNESS.glob("*.py"))
    assert files
    for path in files:
        for name in _imports(path):
            top = name.split(".")[0]
            allowed = (
                top in sys.stdlib_module_names
                or top in ALLOWED_THIRD_PARTY
                or name == "coldcheck.ledger"
                or name.startswith(("coldcheck.ledger.", "coldcheck.witness"))
            )
            assert allowed, f"{path.name} imports {name}"
