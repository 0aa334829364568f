"""The domain is pure: standard library and itself only; no clock, no randomness, no IO."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import coldcheck.domain

DOMAIN = Path(coldcheck.domain.__file__).parent
SOURCES = sorted(DOMAIN.rglob("*.py"))


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_domain_imports_only_the_standard_library_and_itself():
    assert SOURCES
    for path in SOURCES:
        for name in _imports(path):
            top = name.split(".")[0]
            ok = name.startswith("coldcheck.domain") or top in sys.stdlib_module_names
            assert ok, f"{path.name} imports {name}"
            if path.name == "zones.py" and top == "zoneinfo":
                # the one reader of the IANA zone data (read-only, like the standard library's
                # own files): messages say times in the production's zone (issue 14)
                continue
            assert top not in {
                "random",
                "secrets",
                "uuid",
                "time",
                "os",
                "io",
                "socket",
                "pathlib",
                "sqlite3",
                "zoneinfo",
            }, f"{path.name} imports {name}"


def test_the_domain_never_reads_the_clock():
    for path in SOURCES:
        text = path.read_text()
        for forbidden in ("datetime.now", ".now(", "utcnow", "today(", "open("):
            assert forbidden not in text, f"{path.name} uses {forbidden}"


def test_every_rule_code_is_explained_for_the_armorer():
    rules_doc = Path(__file__).resolve().parents[3] / "README.md"
    text = rules_doc.read_text()
    for n in range(1, 29):
        assert f"| **R{n:02d}** |" in text, f"R{n:02d} missing from README.md"


def test_every_inspection_checklist_is_in_the_readme():
    from coldcheck.domain.mechanics import ActionType, inspection_checklist

    text = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    for action in ActionType:
        assert f"| `{action.value}` | {', '.join(inspection_checklist(action))} |" in text
