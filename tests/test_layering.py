"""The layers import only downwards (DESIGN.md): every import in src/, lazy ones included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "coldcheck"

#: layer -> the layers of ours it may import (besides itself)
MAY_IMPORT = {
    "domain": set(),
    "ledger": set(),
    "service": {"domain", "ledger"},
    "adapters": {"service", "domain", "ledger"},
    "bootstrap": {"adapters", "service", "domain", "ledger", "config"},
    "entrypoints": {"bootstrap", "service", "domain", "ledger", "config", "witness"},
    "witness": {"ledger"},
}


def _layer(path: Path) -> str:
    return path.relative_to(SRC).parts[0].removesuffix(".py")


def _ours(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [(node.lineno, n) for n in names if n == "coldcheck" or n.startswith("coldcheck.")]
    return found


SOURCES = sorted(p for p in SRC.rglob("*.py") if _layer(p) in MAY_IMPORT)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(SRC)))
def test_a_module_imports_only_the_layers_below_it(path: Path) -> None:
    layer = _layer(path)
    for line, name in _ours(path):
        parts = name.split(".")
        target = parts[1] if len(parts) > 1 else ""
        if target in ("", layer):  # the package's face (its __version__) or the layer itself
            continue
        assert target in MAY_IMPORT[layer], (
            f"{path.relative_to(SRC)}:{line} imports {name}: {layer} may import only"
            f" {sorted(MAY_IMPORT[layer]) or 'nothing of ours'}"
        )


def test_every_layer_is_checked() -> None:
    layers = {_layer(p) for p in SRC.rglob("*.py")} - {"__init__", "config"}
    assert layers <= set(MAY_IMPORT), layers - set(MAY_IMPORT)
    assert {_layer(p) for p in SOURCES} >= {"service", "adapters", "entrypoints", "bootstrap"}


def test_the_checker_catches_an_import_that_climbs(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from coldcheck.adapters.sql import engine\n")
    assert _ours(bad) == [(2, "coldcheck.adapters.sql")]
