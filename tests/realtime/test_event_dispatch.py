"""Issue 11 item 4: the live core dispatches on event types, never on class-name strings,
and through one table (``live_views.REDRAW``) with exactly one line per event type.

Both checks read the source (AST), so each is also run against a deliberately broken
copy of the tree to show it can fail."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from movements.domain import events as ev
from movements.domain import live_views as lv

ROOT = Path(__file__).resolve().parents[2]
#: Where the live streams are dispatched: the push edge and the read models it asks for.
DISPATCH = ("movements/realtime", "movements/domain/live_views.py")
TABLE = "REDRAW"


def _sources(root: Path) -> dict[str, ast.Module]:
    out: dict[str, ast.Module] = {}
    for part in DISPATCH:
        path = root / part
        for f in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            out[str(f.relative_to(root))] = ast.parse(f.read_text(encoding="utf-8"))
    return out


def _event_classes(root: Path) -> set[str]:
    """Every class in movements/domain that derives (through any chain) from
    DomainEvent, by its name."""
    bases: dict[str, set[str]] = {}
    for f in (root / "movements" / "domain").rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = {b.attr if isinstance(b, ast.Attribute) else
                                    getattr(b, "id", "") for b in node.bases}
    found: set[str] = set()
    grew = True
    while grew:
        grew = False
        for name, of in bases.items():
            if name not in found and of & (found | {"DomainEvent"}):
                found.add(name)
                grew = True
    return found


def _names_a_class(node: ast.AST) -> bool:
    """``x.__class__.__name__``, ``type(x).__name__`` (a stored ``kind`` compared with a
    spelled event name is caught by the spelling)."""
    return any(isinstance(n, ast.Attribute) and n.attr in ("__name__", "__qualname__")
               for n in ast.walk(node))


def _string_dispatch(root: Path) -> list[str]:
    """Comparisons (``==``, ``!=``, ``in``, ``match``) of a class name or an event kind,
    or against a string spelling an event class."""
    events = _event_classes(root)
    found: list[str] = []
    for name, tree in _sources(root).items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                spelled = [s for s in sides for c in ast.walk(s)
                           if isinstance(c, ast.Constant) and c.value in events]
                if any(_names_a_class(s) for s in sides) or spelled:
                    found.append(f"{name}:{node.lineno}: {ast.unparse(node)}")
            elif isinstance(node, ast.Match) and (_names_a_class(node.subject) or any(
                    isinstance(c, ast.Constant) and c.value in events
                    for case in node.cases for c in ast.walk(case.pattern))):
                found.append(f"{name}:{node.lineno}: match {ast.unparse(node.subject)}")
    return found


def _table(tree: ast.Module) -> ast.Dict | None:
    for node in tree.body:
        target = node.target if isinstance(node, ast.AnnAssign) else (
            node.targets[0] if isinstance(node, ast.Assign) else None)
        if isinstance(target, ast.Name) and target.id == TABLE \
                and isinstance(node.value, ast.Dict):
            return node.value
    return None


def _dispatch_problems(root: Path) -> list[str]:
    """Each event type must have exactly one line in REDRAW, and an event class may be
    named in the dispatch modules only there (no second handler beside the table)."""
    events = _event_classes(root)
    sources = _sources(root)
    home = "movements/domain/live_views.py"
    table = _table(sources[home])
    if table is None:
        return [f"{home}: no {TABLE} table"]
    keys = [k.attr if isinstance(k, ast.Attribute) else getattr(k, "id", "")
            for k in table.keys if k is not None]
    problems = [f"{TABLE} has no line for {e}" for e in sorted(events - set(keys))]
    problems += [f"{TABLE} has {keys.count(k)} lines for {k}"
                 for k in sorted(set(keys)) if keys.count(k) > 1]
    problems += [f"{TABLE} names {k}, which is no event type"
                 for k in sorted(set(keys) - events)]
    inside = {id(n) for n in ast.walk(table)}
    for name, tree in sources.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in events \
                    and id(node) not in inside:
                problems.append(f"{name}:{node.lineno}: {ast.unparse(node)} is dispatched "
                                f"outside {TABLE}")
    return problems


def test_the_live_core_never_compares_class_names() -> None:
    assert _string_dispatch(ROOT) == []


def test_every_event_type_has_exactly_one_line_in_the_dispatch_table() -> None:
    assert _dispatch_problems(ROOT) == []
    # The same, by the classes Python knows (events defined in any imported module; a
    # slotted dataclass leaves its first class behind, so compare by name, then check
    # the table holds the class a stored kind is read back as).
    every = {t.__name__ for t in ev._all_subclasses(ev.DomainEvent)}
    table = {t.__name__ for t in lv.REDRAW}
    assert table == every, sorted(every ^ table)
    assert all(ev.event_type(t.__name__) is t for t in lv.REDRAW)


def test_a_kind_the_table_does_not_know_redraws_everything() -> None:
    change = lv.Change(1, "NoSuchEventAnyMore", 1, None)
    assert lv.redraw([change]) is lv.Redraw.BOARD
    note = lv.Change(2, ev.NoteAdded.__name__, 1, None)
    assert lv.redraw([note]) is lv.Redraw.NOTES
    booked = lv.Change(3, ev.PassengerBooked.__name__, 1, 7)
    assert lv.redraw([note, booked]) is lv.Redraw.PAGE


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the dispatch modules and the domain's event definitions to break."""
    for part in (*DISPATCH, "movements/domain/events.py"):
        src, dst = ROOT / part, tmp_path / part
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            shutil.copy(src, dst)
    assert _string_dispatch(tmp_path) == [] and _dispatch_problems(tmp_path) == []
    return tmp_path


@pytest.mark.parametrize("broken", [
    "if type(e).__name__ == 'NoteAdded':\n    pass\n",
    "if e.__class__.__name__ in ('HandoverSigned', 'HandoverCreated'):\n    pass\n",
    "if c.kind == 'MovementCreated':\n    pass\n",
    "whole = 'PassengerBooked' in kinds\n",
    "match change.kind:\n    case 'NoteAdded':\n        pass\n",
])
def test_the_string_guard_catches_a_name_comparison(copy: Path, broken: str) -> None:
    hub = copy / "movements" / "realtime" / "hub.py"
    hub.write_text(hub.read_text(encoding="utf-8") + "\n\ndef _broken(e, c, kinds, change):\n"
                   + "".join(f"    {line}\n" for line in broken.splitlines()),
                   encoding="utf-8")
    assert _string_dispatch(copy), broken


def test_the_table_guard_catches_a_new_event_without_a_line(copy: Path) -> None:
    events = copy / "movements" / "domain" / "events.py"
    events.write_text(events.read_text(encoding="utf-8") + (
        "\n\n@dataclass(frozen=True, slots=True, kw_only=True)\n"
        "class GateReassigned(MovementUpdated):\n    old_gate: str\n"), encoding="utf-8")
    assert _dispatch_problems(copy) == ["REDRAW has no line for GateReassigned"]


def test_the_table_guard_catches_a_second_handler(copy: Path) -> None:
    views = copy / "movements" / "domain" / "live_views.py"
    text = views.read_text(encoding="utf-8")
    views.write_text(text.replace("    what = redraw(changes)\n",
                                  "    what = redraw(changes)\n"
                                  "    if ev.NoteAdded in ev.event_types({'x'}):\n"
                                  "        what = Redraw.NOTES\n", 1), encoding="utf-8")
    problems = _dispatch_problems(copy)
    assert len(problems) == 1 and "ev.NoteAdded is dispatched outside REDRAW" in problems[0]
    # And a duplicated line in the table.
    views.write_text(text.replace("    ev.NoteAdded: Redraw.NOTES,\n",
                                  "    ev.NoteAdded: Redraw.NOTES,\n"
                                  "    ev.NoteAdded: Redraw.ROWS,\n", 1), encoding="utf-8")
    assert _dispatch_problems(copy) == ["REDRAW has 2 lines for NoteAdded"]
