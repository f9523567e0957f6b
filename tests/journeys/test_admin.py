"""An admin resets a gate agent's forgotten password on a landscape tablet: a one-time
password shown once; the agent signs in with it and must choose their own first."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import signed_in
from tests.journeys.conftest import LANDSCAPE, PORTRAIT, Live

pytestmark = pytest.mark.browser


def test_an_admin_resets_a_password(browser: Browser, live: Live) -> None:
    base = live.server.base
    ctx, page = signed_in(browser, base, "admin", LANDSCAPE)
    gate_ctx = browser.new_context(viewport=PORTRAIT, has_touch=True)
    try:
        page.goto(f"{base}/admin/users")
        row = page.locator("#users tr", has=page.locator("td", has_text=re.compile("^gate$")))
        row.locator("form.reset-password button").tap()
        message = page.locator("#admin-message")
        expect(message).to_contain_text("One-time password for gate:")
        one_time = re.search(r"for gate: (\S+) ", message.inner_text()).group(1)  # type: ignore[union-attr]
        assert page.evaluate("document.documentElement.scrollWidth") <= 1024

        agent = gate_ctx.new_page()
        agent.goto(f"{base}/login")
        agent.fill("input[name=username]", "gate")
        agent.fill("input[name=password]", one_time)
        agent.locator("button[type=submit]").tap()
        agent.wait_for_url("**/account/password")
        expect(agent.locator("#one-time")).to_contain_text("one-time password")
        agent.fill("input[name=current_password]", one_time)
        agent.fill("input[name=new_password]", "my own long password")
        agent.fill("input[name=repeat_password]", "my own long password")
        agent.locator("#password-form button[type=submit]").tap()
        expect(agent.locator("#password-message")).to_have_text("Password changed.")
        agent.locator("a.button", has_text="Continue").tap()
        agent.wait_for_url("**/board**")
    finally:
        gate_ctx.close()
        ctx.close()
