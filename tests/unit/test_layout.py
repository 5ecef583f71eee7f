"""The house rules of DESIGN.md on imports: a tablet build ships without the
server, the sync engine has no UI, and the core knows nothing of either."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NEVER = {
    "app": {"oms_core"},
    "local_db": {"oms_core", "flet", "app"},
    "oms_core": {"flet", "local_db", "app"},
    "contract": {"oms_core", "local_db", "app", "flet"},
}


def _imports(source: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(NEVER))
def test_packages_keep_to_their_side(package):
    wrong = {f"{path.relative_to(ROOT)} imports {name}"
             for path in (ROOT / package).rglob("*.py") for name in _imports(path) & NEVER[package]}
    assert not wrong, sorted(wrong)
