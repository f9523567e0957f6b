"""The vendored browser assets (htmx, Swagger UI) are exactly the released files: each
matches its line in static/vendor/SHA256SUMS, and each carries its licence."""

from __future__ import annotations

import hashlib

from movements.templating import TEMPLATES

VENDOR = TEMPLATES.parent / "static" / "vendor"


def test_vendored_files_match_their_checksums() -> None:
    lines = [line.split() for line in (VENDOR / "SHA256SUMS").read_text().splitlines()
             if line.strip()]
    assert {name for _, name in lines} >= {"htmx-2.0.11.min.js",
                                           "swagger-ui-bundle-5.35.0.js",
                                           "swagger-ui-5.35.0.css"}
    for digest, name in lines:
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
    assert "Apache License" in (VENDOR / "swagger-ui-LICENSE.txt").read_text()
