"""The sample script renders a PNG preview of each document."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from movements.manifests.samples import main


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")
def test_samples_script_writes_previews(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        ) -> None:
    assert main([str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.glob("*.png"))
    assert "handover-manifest-1.png" in names and "handover-manifest-2.png" in names
    for prefix in ("charter-manifest-", "escort-briefing-", "daily-report-"):
        assert any(n.startswith(prefix) for n in names), prefix
    assert all((tmp_path / n).read_bytes().startswith(b"\x89PNG") for n in names)
    assert "charter-manifest" in capsys.readouterr().out
