"""The API stands beside the web pages, not on them: what both need lives in app/services."""
from __future__ import annotations

import ast
from pathlib import Path

API = Path(__file__).resolve().parent.parent / "app" / "api"


def _imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_no_api_module_imports_the_web():
    offenders = {path.name: sorted(m for m in _imported_modules(path)
                                   if m == "app.web" or m.startswith("app.web."))
                 for path in sorted(API.glob("*.py"))}
    assert {name: mods for name, mods in offenders.items() if mods} == {}


def test_the_walk_sees_the_api_modules():
    # Guards the test above against a wrong path that would find nothing to check.
    assert {"lookups.py", "evidence.py", "exports.py"} <= {p.name for p in API.glob("*.py")}
