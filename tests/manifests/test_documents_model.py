"""Validation in the read models (movements.domain.documents)."""

from __future__ import annotations

import ast
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

import movements.domain.documents as documents
from movements.domain.documents import DocMovement, DocPassenger
from movements.manifests.samples import sample_handover


def test_stdlib_only() -> None:
    tree = ast.parse(Path(documents.__file__).read_text())
    roots = {(n.module or "").split(".")[0] for n in ast.walk(tree)
             if isinstance(n, ast.ImportFrom)}
    roots |= {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)
              for a in n.names}
    assert roots <= {"__future__", "collections", "dataclasses", "datetime", "movements"}


def test_ssr_codes_normalised_and_checked() -> None:
    p = DocPassenger("C-1", "A", "B", ssr_codes=(" wchr", "WCHR", "meda"), sex="f")
    assert p.ssr_codes == ("WCHR", "MEDA") and p.sex == "F"
    with pytest.raises(ValueError, match="unknown SSR code"):
        DocPassenger("C-1", "A", "B", ssr_codes=("XXXX",))
    with pytest.raises(ValueError, match="sex"):
        DocPassenger("C-1", "A", "B", sex="Q")


def test_health_notes_not_in_repr() -> None:
    p = DocPassenger("C-1", "A", "B", health_notes=("asthma",))
    assert "asthma" not in repr(p)


def test_versions_must_say_what_they_supersede() -> None:
    doc = sample_handover(version=2)
    assert doc.supersedes_version == 1
    with pytest.raises(ValueError, match="must say which document"):
        replace(doc, supersedes_document_id=None, supersedes_version=None)
    with pytest.raises(ValueError, match="version 1 cannot supersede"):
        replace(doc, version=1, supersedes_version=None)
    with pytest.raises(ValueError, match="cannot supersede itself"):
        replace(doc, supersedes_document_id=doc.document_id)


def test_movement_kind_and_route() -> None:
    m = DocMovement("MA1", date(2016, 1, 1), "AMS", "BSR", "departure",
                    stops=("bgw", "EBL"))
    assert m.route == ("AMS", "BGW", "EBL", "BSR")
    assert m.disembarkation_points == ("BGW", "EBL", "BSR")
    with pytest.raises(ValueError, match="kind"):
        DocMovement("MA1", date(2016, 1, 1), "AMS", "BSR", "charter")


def test_family_codes_alone_are_not_special_needs() -> None:
    assert not DocPassenger("C-1", "A", "B", ssr_codes=("CHLD",)).has_special_needs
    assert DocPassenger("C-1", "A", "B", ssr_codes=("CHLD", "WCHR")).has_special_needs
    assert DocPassenger("C-1", "A", "B", unaccompanied_minor=True).has_special_needs
