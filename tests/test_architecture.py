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


# -- the edges: parse, act, render ------------------------------------------------------
#: The edges reach the database only through domain actions, queries and the unit of
#: work: they import neither SQLAlchemy nor the ORM models (issue 11, item 3).
FORBIDDEN_IN_EDGES = ("sqlalchemy", "movements.domain.models")
EDGES = ("web", "realtime", "cli", "manifests", "feed", "notify")
EDGE_FILES = ("scheduler.py", "delivery.py", "app.py", "templating.py")

#: Edge modules that still read or write rows themselves: the known debt, each with what
#: remains.  The list may only shrink: a listed module that is clean fails the test too.
EDGE_DEBT = {
    "movements/web/auth.py": "the session peek (one read per request) is SQL here",
    "movements/web/account.py": "sign-in and the sessions page read users and sessions",
    "movements/web/admin.py": "the users and organisations pages are SQL read models",
    "movements/web/health.py": "/readyz runs SELECT 1 itself",
    "movements/web/verify.py": "types its read with Session",
    "movements/web/alerts.py": "the feed status read is typed with Session",
    "movements/web/handovers.py": "imports model enums (Role, kinds) from models",
    "movements/web/reception.py": "imports Role from models",
    "movements/realtime/connection.py": "imports Role from models",
    "movements/cli/common.py": "maps SQLAlchemy's connection errors to one line",
    "movements/cli/main.py": "counts movements itself before the demo loads",
    "movements/cli/admin.py": "organisations add/list are SQL here",
    "movements/feed/client.py": "writes the feed status rows and reads movements itself",
    "movements/feed/replay.py": "reads the demo's movements to record a day",
}


def _edge_violations() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    paths = [p for edge in EDGES for p in sorted((PACKAGE / edge).rglob("*.py"))]
    paths += [PACKAGE / name for name in EDGE_FILES]
    for path in paths:
        bad = [n for n in imported_modules(path)
               if any(n == f or n.startswith(f + ".") for f in FORBIDDEN_IN_EDGES)]
        if bad:
            found[str(path.relative_to(PACKAGE.parent))] = sorted(bad)
    return found


def test_edges_reach_the_database_only_through_the_domain() -> None:
    found = _edge_violations()
    new = {k: v for k, v in found.items() if k not in EDGE_DEBT}
    assert new == {}, f"edges importing SQLAlchemy or the ORM models: {new}"
    paid = sorted(set(EDGE_DEBT) - set(found))
    assert paid == [], f"no longer importing them (take them off EDGE_DEBT): {paid}"


def test_the_live_core_does_not_import_the_web() -> None:
    assert violations(("movements.web", "movements.app"), PACKAGE / "realtime") == []


def test_the_edge_contract_catches_a_violation() -> None:
    bad = PACKAGE / "realtime" / "_contract_probe.py"
    bad.write_text("from sqlalchemy import select\nfrom movements.web import auth\n")
    try:
        found = _edge_violations()
        live = violations(("movements.web",), PACKAGE / "realtime")
    finally:
        bad.unlink()
    assert "movements/realtime/_contract_probe.py" in found
    assert any("imports movements.web" in v for v in live)
