"""The ledger package is pure: standard library and ``cryptography`` only, nothing else of ours."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import coldcheck.ledger

LEDGER = Path(coldcheck.ledger.__file__).parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_ledger_imports_only_the_standard_library_cryptography_and_itself() -> None:
    for path in sorted(LEDGER.glob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            allowed = (
                top in sys.stdlib_module_names
                or top == "cryptography"
                or name == "coldcheck.ledger"
                or name.startswith("coldcheck.ledger.")
            )
            assert allowed, f"{path.name} imports {name}"
