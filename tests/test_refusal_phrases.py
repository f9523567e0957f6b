"""Domain refusals are phrases, so the edge shows them in the reader's language.

A ``DomainError`` (or subclass) built from a plain string or an f-string reaches a Dutch
page in English: a literal is not extracted for the catalogue, an f-string cannot be
looked up at all.  The domain builds them as ``Phrase(N_("..."))`` or
``Phrase.of(N_("... %(x)s ..."), x=...)`` instead (movements/domain/phrases.py).

This test reads the domain's source (AST) and counts, per module, the error
constructions whose message is a string literal, an f-string, a ``%``/``+``/``.format``
composition.  ``ALLOWED`` is the debt left: a module may not gain one, and an entry
must go down when its module is converted (so the list only shrinks).
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

DOMAIN = Path(__file__).resolve().parent.parent / "movements" / "domain"
ERRORS = {"DomainError", "RuleViolation", "ConflictError", "NotFound", "PermissionDenied",
          "Gone", "Busy"}

#: Plain-text refusals still left, per module (path under movements/domain).  Only shrinks.
ALLOWED: dict[str, int] = {
    "actions/planning.py": 21,
    "actions/charters.py": 21,
    "actions/outbox.py": 17,
    "actions/setup.py": 17,
    "actions/documents.py": 11,
    "actions/movements.py": 7,
    "signatures.py": 7,
    "actions/history.py": 6,
    "document_queries.py": 6,
    "input_rules.py": 6,
    "actions/alerts.py": 5,
    "actions/passenger_import.py": 5,
    "actions/passwords.py": 5,
    "actions/reconciliation.py": 5,
    "actions/readiness.py": 4,
    "actions/idempotency.py": 3,
    "actions/prenotification.py": 3,
    "access.py": 2,
    "actions/languages.py": 2,
    "actions/leases.py": 2,
    "actions/retention.py": 2,
    "entry_validity.py": 2,
    "prenotification.py": 2,
    "uow.py": 2,
    "actions/entry_validity.py": 1,
    "actions/pruning.py": 1,
    "actions/reveal.py": 1,
    "feed_status.py": 1,
    "planning_views.py": 1,
}


def _is_text(node: ast.expr) -> bool:
    """A message written as text: "...", f"...", "..." % x, "a" + b, "...".format()."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _is_text(node.left) or _is_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in {"format", "join"} and _is_text(node.func.value)
    return False


def plain_refusals(source: str) -> list[int]:
    """Line numbers of error constructions with a text message in ``source``."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        message = node.args[0] if node.args else next(
            (k.value for k in node.keywords if k.arg == "message"), None)
        if name in ERRORS and message is not None and _is_text(message):
            lines.append(node.lineno)
    return lines


def scan() -> dict[str, list[int]]:
    found = {}
    for path in sorted(DOMAIN.rglob("*.py")):
        lines = plain_refusals(path.read_text())
        if lines:
            found[path.relative_to(DOMAIN).as_posix()] = lines
    return found


def test_no_new_plain_text_refusals() -> None:
    found = scan()
    over = {m: (len(ls), ALLOWED.get(m, 0), ls) for m, ls in found.items()
            if len(ls) > ALLOWED.get(m, 0)}
    assert not over, (
        "domain refusals written as text (English on a Dutch page); build them as "
        "Phrase(N_(...)) / Phrase.of(N_(...), ...): module: (found, allowed, lines) "
        f"{over}")


def test_allowance_only_shrinks() -> None:
    counts = Counter({m: len(ls) for m, ls in scan().items()})
    stale = {m: (n, counts[m]) for m, n in ALLOWED.items() if counts[m] < n}
    assert not stale, f"lower ALLOWED to what is left (module: (allowed, found)): {stale}"


def test_the_scan_sees_each_kind_of_text() -> None:
    """The check can fail: each way of writing a message as text is found, a phrase
    is not."""
    source = '''
raise RuleViolation("surname is required", field="surname")
raise NotFound(f"movement {ident} does not exist")
raise ConflictError("was %s" % x)
raise errors.Gone("a" + b)
raise DomainError("{x} here".format(x=1))
exc = PermissionDenied(message="no")
raise RuleViolation(Phrase(N_("surname is required")))
raise RuleViolation(Phrase.of(N_("%(what)s"), what=x))
raise ValueError("not a refusal")
'''
    assert plain_refusals(source) == [2, 3, 4, 5, 6, 7]


def test_the_total_left() -> None:
    """The figure the session note quotes (so it cannot drift unnoticed)."""
    assert sum(len(ls) for ls in scan().values()) == sum(ALLOWED.values())
