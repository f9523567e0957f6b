"""/schema, the API description (issue 13.7): was blank because the page's own CSP
blocked its CDN viewer and inline script.  Now Swagger UI is served from our static
files under the same CSP, and the page needs sign-in."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import Live, signed_in

pytestmark = pytest.mark.browser


def test_the_api_description_renders_under_the_csp(browser: Browser, live: Live) -> None:
    base = live.server.base
    ctx, page = signed_in(browser, base, "coord")
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    try:
        reply = page.goto(f"{base}/schema")
        assert reply is not None and reply.status == 200
        assert "script-src 'self'" in reply.headers["content-security-policy"]
        expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=15_000)
        expect(page.locator(".swagger-ui")).to_contain_text("/api/v1/movements")
        assert hosts == {base.split("/")[2]}, hosts  # nothing from a CDN
        assert [e for e in page.errors if "Content Security Policy" in e] == [], \
            page.errors  # type: ignore[attr-defined]
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        ctx.close()


def test_the_api_description_needs_sign_in(browser: Browser, live: Live) -> None:
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        page.goto(f"{live.server.base}/schema")
        assert "/login" in page.url
        reply = page.request.get(f"{live.server.base}/schema/openapi.json")
        assert reply.status == 401
    finally:
        ctx.close()
