"""The example in each parser's docstring is a telex that parser accepts."""

from __future__ import annotations

import re
from types import ModuleType

import pytest

from movements.ingest import TelexError, mvt, parse_telex, pnl, psm, ptm


def example(module: ModuleType) -> str:
    """The first ``::`` block of the docstring, without the notes in its right column."""
    doc = module.__doc__ or ""
    block = doc.split("::\n\n", 1)[1].split("\n\n", 1)[0]
    return "\n".join(re.split(r"\s{2,}", line.strip())[0] for line in block.splitlines())


@pytest.mark.parametrize("module", [mvt, ptm, pnl, psm])
def test_docstring_example_parses(module: ModuleType) -> None:
    text = example(module)
    try:
        parsed = parse_telex(text)
    except TelexError as error:  # fail with the line and reason, not a traceback
        pytest.fail(f"{module.__name__} docstring example: {error}")
    assert text.split("\n", 1)[0] == parsed.KIND
