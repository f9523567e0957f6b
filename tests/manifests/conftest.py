"""Shared fixtures: the sample documents rendered once per test session, and their text
as pypdf extracts it, page by page."""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pypdf
import pytest

from movements.manifests import (
    build_charter_manifest,
    build_daily_report,
    build_escort_briefing,
    build_handover_manifest,
)
from movements.manifests.samples import (
    sample_briefing,
    sample_charter,
    sample_daily,
    sample_handover,
)


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.pages)

    @property
    def flat(self) -> str:
        """The text with every run of whitespace (line breaks in table cells) as one
        space."""
        return re.sub(r"\s+", " ", self.text)

    @property
    def nfkc(self) -> str:
        """The text with Arabic presentation forms folded back to base letters."""
        return unicodedata.normalize("NFKC", self.text)


def render(build: Callable[[Any], bytes], doc: Any) -> Rendered:
    pdf = build(doc)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return Rendered(pdf, [p.extract_text() for p in reader.pages])


@pytest.fixture(scope="session")
def handover() -> Rendered:
    return render(build_handover_manifest, sample_handover())


@pytest.fixture(scope="session")
def handover_v1() -> Rendered:
    return render(build_handover_manifest, sample_handover(version=1))


@pytest.fixture(scope="session")
def charter() -> Rendered:
    return render(build_charter_manifest, sample_charter(400))


@pytest.fixture(scope="session")
def briefing() -> Rendered:
    return render(build_escort_briefing, sample_briefing())


@pytest.fixture(scope="session")
def daily() -> Rendered:
    return render(build_daily_report, sample_daily())
