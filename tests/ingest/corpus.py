"""The telex fixture corpus in ``fixtures/telex``: one file per case."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "telex"


def load(name: str) -> str:
    # Bytes, not read_text(): universal newlines would hide the CR/LF cases.
    return (FIXTURES / name).read_bytes().decode("utf-8")


def names(kind: str) -> list[str]:
    """Fixture file names whose middle word is ``kind`` ("ok" or "bad")."""
    return sorted(p.name for p in FIXTURES.glob(f"*_{kind}_*.txt"))
