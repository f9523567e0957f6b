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
    "movements/web/account.py": "sign-in and the sessions page read users and sessions",
    "movements/web/admin.py": "the users and organisations pages are SQL read models",
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


#: Where a fixed zone is right: the demo's own data and the invented sample documents
#: (both are Schiphol's by definition).  Everywhere else a local time takes the zone of
#: the airport its row belongs to (``airport.timezone``).
FIXED_ZONE_ALLOWED = ("movements/demo/", "movements/manifests/samples.py")


def _fixed_zones() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = str(path.relative_to(PACKAGE.parent))
        if name.startswith(FIXED_ZONE_ALLOWED):
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=name)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                    node.value.strip() in ("Europe/Amsterdam", "Europe/Brussels"):
                found.append(f"{name}:{node.lineno}")
    return found


def test_no_airport_time_zone_is_written_into_the_code() -> None:
    assert _fixed_zones() == []


def test_the_fixed_zone_check_catches_one() -> None:
    bad = PACKAGE / "web" / "_zone_probe.py"
    bad.write_text('TZ = "Europe/Amsterdam"\n')
    try:
        found = _fixed_zones()
    finally:
        bad.unlink()
    assert found == ["movements/web/_zone_probe.py:1"]


#: The partials a live stream swaps: each has ONE renderer (realtime/fragments.py), used
#: by the HTTP reply and the push alike; no handler renders them from the environment.
SWAPPABLE = ("partials/board_row.html", "partials/lanes.html",
             "partials/movement_body.html", "partials/movement_header.html",
             "partials/pax_row.html", "partials/notes.html", "planning/plan_section.html",
             "partials/alert_list.html", "partials/alert_row.html")
RENDER_LAYER = "movements/realtime/fragments.py"


def _partials_rendered_outside_the_layer() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = str(path.relative_to(PACKAGE.parent))
        if name == RENDER_LAYER:
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=name)):
            if isinstance(node, ast.Constant) and node.value in SWAPPABLE:
                found.append(f"{name}:{node.lineno} {node.value}")
    return found


def test_swappable_partials_render_through_one_layer() -> None:
    assert _partials_rendered_outside_the_layer() == []


def test_the_render_layer_check_catches_one() -> None:
    bad = PACKAGE / "web" / "_render_probe.py"
    bad.write_text('T = "partials/pax_row.html"\n')
    try:
        found = _partials_rendered_outside_the_layer()
    finally:
        bad.unlink()
    assert found == ["movements/web/_render_probe.py:1 partials/pax_row.html"]
