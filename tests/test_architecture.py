"""The import contract: the domain knows nothing of its edges (DESIGN.md, "Layout")."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import movements

FORBIDDEN_IN_DOMAIN = ("movements.web", "movements.realtime", "movements.manifests",
                       "movements.ingest", "movements.feed", "movements.scheduler", "movements.cli",
                       "movements.app", "litestar", "jinja2", "reportlab", "apscheduler",
                       "uvicorn", "websockets", "httpx", "redis", "asyncio")
PACKAGE = Path(movements.__file__).parent


def imported_modules(path: Path, package: Path = PACKAGE) -> set[str]:
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
            parts = list(path.relative_to(package.parent).with_suffix("").parts)[:-1]
            base = parts[: len(parts) - (node.level - 1)]
            names.add(".".join([*base, node.module] if node.module else base))
    return names


def violations(forbidden: tuple[str, ...], root: Path, package: Path = PACKAGE) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        for name in imported_modules(path, package):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(package.parent)} imports {name}")
    return found


def _probe(tmp_path: Path, name: str, text: str) -> Path:
    """A copy-free stand-in package under ``tmp_path`` holding one offending module (the
    checks are shown to catch it without writing into the real package, so parallel test
    workers never see the probe)."""
    package = tmp_path / "movements"
    path = package / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return package


def test_domain_imports_only_stdlib_and_sqlalchemy() -> None:
    assert violations(FORBIDDEN_IN_DOMAIN, PACKAGE / "domain") == []


def test_pdf_edge_has_no_database_or_http() -> None:
    forbidden = ("sqlalchemy", "litestar", "httpx", "movements.web", "movements.platform.db")
    assert violations(forbidden, PACKAGE / "manifests") == []


def test_contract_check_catches_a_violation(tmp_path: Path) -> None:
    package = _probe(tmp_path, "domain/_contract_probe.py",
                     "import litestar\nfrom ..web import app\n")
    found = violations(FORBIDDEN_IN_DOMAIN, package / "domain", package)
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
EDGE_DEBT: dict[str, str] = {}


def _edge_violations(package: Path = PACKAGE) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    paths = [p for edge in EDGES for p in sorted((package / edge).rglob("*.py"))]
    paths += [package / name for name in EDGE_FILES if (package / name).exists()]
    for path in paths:
        bad = [n for n in imported_modules(path, package)
               if any(n == f or n.startswith(f + ".") for f in FORBIDDEN_IN_EDGES)]
        if bad:
            found[str(path.relative_to(package.parent))] = sorted(bad)
    return found


def test_edges_reach_the_database_only_through_the_domain() -> None:
    found = _edge_violations()
    new = {k: v for k, v in found.items() if k not in EDGE_DEBT}
    assert new == {}, f"edges importing SQLAlchemy or the ORM models: {new}"
    paid = sorted(set(EDGE_DEBT) - set(found))
    assert paid == [], f"no longer importing them (take them off EDGE_DEBT): {paid}"


def test_the_live_core_does_not_import_the_web() -> None:
    assert violations(("movements.web", "movements.app"), PACKAGE / "realtime") == []


@pytest.mark.parametrize("edge", ["realtime", "web", "cli", "feed"])
def test_the_edge_contract_catches_a_violation(tmp_path: Path, edge: str) -> None:
    package = _probe(tmp_path, f"{edge}/_contract_probe.py",
                     "from sqlalchemy import select\nfrom movements.domain.models import User\n"
                     "from movements.web import auth\n")
    found = _edge_violations(package)
    assert found == {f"movements/{edge}/_contract_probe.py": [
        "movements.domain.models", "sqlalchemy"]}
    live = violations(("movements.web",), package / "realtime", package)
    assert (edge == "realtime") == any("imports movements.web" in v for v in live)


#: Where a fixed zone is right: the demo's own data and the invented sample documents
#: (both are Schiphol's by definition).  Everywhere else a local time takes the zone of
#: the airport its row belongs to (``airport.timezone``).
FIXED_ZONE_ALLOWED = ("movements/demo/", "movements/manifests/samples.py")


def _fixed_zones(package: Path = PACKAGE) -> list[str]:
    found = []
    for path in sorted(package.rglob("*.py")):
        name = str(path.relative_to(package.parent))
        if name.startswith(FIXED_ZONE_ALLOWED):
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=name)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                    node.value.strip() in ("Europe/Amsterdam", "Europe/Brussels"):
                found.append(f"{name}:{node.lineno}")
    return found


def test_no_airport_time_zone_is_written_into_the_code() -> None:
    assert _fixed_zones() == []


def test_the_fixed_zone_check_catches_one(tmp_path: Path) -> None:
    found = _fixed_zones(_probe(tmp_path, "web/_zone_probe.py", 'TZ = "Europe/Amsterdam"\n'))
    assert found == ["movements/web/_zone_probe.py:1"]


#: The partials a live stream swaps: each has ONE renderer (realtime/fragments.py), used
#: by the HTTP reply and the push alike; no handler renders them from the environment.
SWAPPABLE = ("partials/board_row.html", "partials/lanes.html",
             "partials/movement_body.html", "partials/movement_header.html",
             "partials/pax_row.html", "partials/notes.html", "planning/plan_section.html",
             "partials/alert_list.html", "partials/alert_row.html")
RENDER_LAYER = "movements/realtime/fragments.py"
#: Where the environment is built (filters, globals), not where anything is rendered.
ENVIRONMENT_SETUP = ("movements/templating.py",)


def _partials_rendered_outside_the_layer(package: Path = PACKAGE) -> list[str]:
    """Modules other than the render layer that name a swappable partial, or reach for
    the Jinja environment to render anything themselves (``get_template``, ``.env`` of
    the app's renderer, a ``Template``): pages render through ``web/render.page`` too."""
    found = []
    for path in sorted(package.rglob("*.py")):
        name = str(path.relative_to(package.parent))
        if name in (RENDER_LAYER, *ENVIRONMENT_SETUP):
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=name)):
            if isinstance(node, ast.Constant) and node.value in SWAPPABLE:
                found.append(f"{name}:{node.lineno} {node.value}")
            elif isinstance(node, ast.Attribute) and node.attr in (
                    "get_template", "from_string", "select_template"):
                found.append(f"{name}:{node.lineno} {node.attr}")
    return found


def test_swappable_partials_render_through_one_layer() -> None:
    assert _partials_rendered_outside_the_layer() == []


def test_the_render_layer_check_catches_one(tmp_path: Path) -> None:
    package = _probe(tmp_path, "web/_render_probe.py", 'T = "partials/pax_row.html"\n'
                     'def page(env): return env.get_template("board.html").render()\n')
    assert _partials_rendered_outside_the_layer(package) == [
        "movements/web/_render_probe.py:1 partials/pax_row.html",
        "movements/web/_render_probe.py:2 get_template"]


# -- the CLI is a tree (issue 11, item 5) -----------------------------------------------
#: main.py builds the command from the others; each of them may import, of the CLI, only
#: common.py, so there is no circle to fall into.
CLI_ROOTS = ("main.py", "__init__.py", "__main__.py")


def _cli_branches_importing_siblings(package: Path = PACKAGE) -> list[str]:
    found = []
    for path in sorted((package / "cli").glob("*.py")):
        if path.name in CLI_ROOTS:
            continue
        for name in imported_modules(path, package):
            if name.startswith("movements.cli") and name not in (
                    "movements.cli.common", "movements.cli"):
                found.append(f"cli/{path.name} imports {name}")
            elif name == "movements.cli":
                found.append(f"cli/{path.name} imports the cli package")
    return found


def test_the_cli_is_a_tree() -> None:
    assert _cli_branches_importing_siblings() == []


def test_the_cli_tree_check_catches_a_sibling_import(tmp_path: Path) -> None:
    package = _probe(tmp_path, "cli/notify.py", "from movements.cli.planning import act\n")
    assert _cli_branches_importing_siblings(package) == [
        "cli/notify.py imports movements.cli.planning"]


# -- stream names have one typed home (issue 11, item 4) --------------------------------
STREAM_HOME = "movements/domain/streams.py"
STREAM_PREFIXES = ("board:", "movement:", "alerts:", "reports:")


def _stream_names_outside_their_home(package: Path = PACKAGE) -> list[str]:
    """String constants that start a stream name (also the head of an f-string) in any
    module but domain/streams.py."""
    found = []
    for path in sorted(package.rglob("*.py")):
        name = str(path.relative_to(package.parent))
        if name == STREAM_HOME:
            continue
        tree = ast.parse(path.read_text(), filename=name)
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef,
                                        ast.ClassDef)) and n.body
                      and isinstance(n.body[0], ast.Expr)
                      and isinstance(n.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                    id(node) not in docstrings and node.value.startswith(STREAM_PREFIXES):
                found.append(f"{name}:{node.lineno} {node.value!r}")
    return found


def test_stream_names_are_made_in_one_place() -> None:
    assert _stream_names_outside_their_home() == []


def test_the_stream_name_check_catches_one(tmp_path: Path) -> None:
    package = _probe(tmp_path, "web/_stream_probe.py",
                     'def alerts(code):\n    return f"alerts:{code}"\n')
    assert _stream_names_outside_their_home(package) == [
        "movements/web/_stream_probe.py:2 'alerts:'"]
