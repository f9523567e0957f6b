"""The import contract: the domain knows nothing of its edges (DESIGN.md, "Layout")."""

from __future__ import annotations

import ast
from pathlib import Path

import movements

FORBIDDEN_IN_DOMAIN = ("movements.web", "movements.realtime", "movements.manifests",
                       "movements.ingest", "movements.feed", "movements.scheduler", "movements.cli",
                       "movements.app", "litestar", "jinja2", "reportlab", "apscheduler",
                       "uvicorn", "websockets", "httpx", "redis", "asyncio")
PACKAGE = Path(movements.__file__).parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            # Relative imports inside movements.domain stay inside it by construction
            # unless they climb out: resolve them against the file's package.
            parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)[:-1]
            base = parts[: len(parts) - (node.level - 1)]
            names.add(".".join([*base, node.module] if node.module else base))
    return names


def violations(forbidden: tuple[str, ...], root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        for name in imported_modules(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(PACKAGE.parent)} imports {name}")
    return found


def test_domain_imports_only_stdlib_and_sqlalchemy() -> None:
    assert violations(FORBIDDEN_IN_DOMAIN, PACKAGE / "domain") == []


def test_pdf_edge_has_no_database_or_http() -> None:
    forbidden = ("sqlalchemy", "litestar", "httpx", "movements.web", "movements.platform.db")
    assert violations(forbidden, PACKAGE / "manifests") == []


def test_contract_check_catches_a_violation(tmp_path: Path) -> None:
    bad = PACKAGE / "domain" / "_contract_probe.py"
    bad.write_text("import litestar\nfrom ..web import app\n")
    try:
        found = violations(FORBIDDEN_IN_DOMAIN, PACKAGE / "domain")
    finally:
        bad.unlink()
    assert any("imports litestar" in v for v in found)
    assert any("imports movements.web" in v for v in found)
