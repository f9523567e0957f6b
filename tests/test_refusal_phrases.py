"""Domain refusals are phrases, so the edge shows them in the reader's language.

A ``DomainError`` (or subclass) built from a plain string or an f-string reaches a Dutch
page in English: a literal is not extracted for the catalogue, an f-string cannot be
looked up at all.  The domain builds them as ``Phrase(N_("..."))`` or
``Phrase.of(N_("... %(x)s ..."), x=...)`` instead (movements/domain/phrases.py).

This test reads the source (AST) of the domain, the telex/import readers and the web
edge, and finds every error construction whose message is a string literal, an
f-string, a ``%``/``+``/``.format``/``.join`` composition.  There is no allowance:
session 5 converted the domain's last 168 (and the edge's 25), so any new one fails
here (a telex refusal's ``TelexRefused(line, ...)`` is checked the same way).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "movements"
#: Not scanned, with the reason: the demo loaders' refusals are for the person running the
#: demo command (the CLI speaks English), never shown on a page.
NOT_SCANNED = {"demo"}
ERRORS = {"DomainError", "RuleViolation", "ConflictError", "NotFound", "PermissionDenied",
          "Gone", "Busy", "TelexRefused"}

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
        at = 1 if name == "TelexRefused" else 0  # TelexRefused(line_no, message)
        message = node.args[at] if len(node.args) > at else next(
            (k.value for k in node.keywords if k.arg == "message"), None)
        if name in ERRORS and message is not None and _is_text(message):
            lines.append(node.lineno)
    return lines


def scan() -> dict[str, list[int]]:
    """Module (path under movements/) -> lines of text refusals: the domain, the telex
    and import readers, the web edge (its own form checks), everything but the demo."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = path.relative_to(PACKAGE).as_posix()
        if module.split("/")[0] in NOT_SCANNED:
            continue
        lines = plain_refusals(path.read_text())
        if lines:
            found[module] = lines
    return found


def test_no_plain_text_refusals() -> None:
    found = scan()
    assert not found, (
        "domain refusals written as text (English on a Dutch page); build them as "
        "Phrase(N_(...)) / Phrase.of(N_(...), ...): module: lines " f"{found}")


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
raise TelexRefused(3, f"no movement {flight}")
raise TelexRefused(3, Phrase.of(N_("no movement %(flight)s"), flight=flight))
'''
    assert plain_refusals(source) == [2, 3, 4, 5, 6, 7, 11]
