"""pi/ is a leaf package: it must never import the web app or the printer package."""
from __future__ import annotations

import ast
from pathlib import Path

import pi

FORBIDDEN = {"webapp", "printer"}


def imported_top_levels(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_pi_imports_neither_webapp_nor_printer():
    modules = sorted(Path(pi.__file__).parent.glob("*.py"))
    assert len(modules) >= 6
    offenders = {m.name: imported_top_levels(m) & FORBIDDEN for m in modules}
    assert {name: bad for name, bad in offenders.items() if bad} == {}
