"""Notify me, in Chromium: on a sold-out size the shopper leaves an e-mail, sees that a
confirmation is on its way, and the link in that e-mail confirms the alert."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.site.test_storefront_browser import axe_violations, no_sideways_scroll

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    """A phone-sized tab; CSP bypassed only so axe-core can be injected into the
    functions' pages (their CSP allows no inline script, rightly)."""
    context = browser.new_context(viewport={"width": 375, "height": 800}, bypass_csp=True)
    context.set_default_timeout(20_000)
    tab = context.new_page()
    problems: list[str] = []
    tab.on(
        "console",
        lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    tab.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    yield tab, problems
    context.close()


def test_notify_me_on_a_sold_out_size_then_confirm_from_the_email(
    live_shop,
    page,
    catalog_shop,
):
    tab, problems = page
    tab.goto(live_shop + "/products/iris-poudre/")  # 3 ml left: 2 ml sells, 5 ml is sold out
    expect(tab.locator('[data-stock="5"]')).to_have_text("Sold out")
    expect(tab.locator('[data-notify="2"]')).to_be_hidden()
    email = tab.get_by_label("Notify me when 5 ml is back")
    expect(email).to_be_visible()
    no_sideways_scroll(tab)
    assert axe_violations(tab) == []
    email.fill("ada@example.com")
    tab.locator('[data-notify="5"]').get_by_role("button", name="Notify me").click()
    expect(tab.locator('[data-notify="5"] [data-notify-status]')).to_have_text(
        "Almost done: confirm with the link we sent to ada@example.com."
    )
    mail = catalog_shop.conn.execute(
        "SELECT text_body FROM email_outbox WHERE kind = 'stock_alert_confirm'"
    ).fetchone()
    path = re.search(r"/stock-alerts/confirm\?token=[A-Za-z0-9_-]+", mail["text_body"]).group(0)
    tab.goto(live_shop + path)
    tab.get_by_role("button", name="Confirm the alert").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Alert confirmed")
    expect(tab.get_by_role("status").last).to_contain_text("Iris Poudré 5 ml is back in stock")
    assert axe_violations(tab) == []
    assert problems == []


def test_a_size_back_since_the_build_offers_no_notify_form(live_shop, page, catalog_shop):
    tab, problems = page
    catalog_shop.stock("iris-poudre", ml=50)  # restocked since the build
    tab.goto(live_shop + "/products/iris-poudre/")
    expect(tab.locator('[data-stock="5"]')).to_have_text("In stock")
    expect(tab.locator("[data-notify-list]")).to_be_hidden()
    assert problems == []


def test_a_size_sold_out_since_the_build_gets_its_notify_form(live_shop, page, catalog_shop):
    tab, problems = page
    catalog_shop.stock("iris-poudre", ml=0)  # the 2 ml size sold since the build
    tab.goto(live_shop + "/products/iris-poudre/")
    expect(tab.locator('[data-stock="2"]')).to_have_text("Sold out")
    email = tab.get_by_label("Notify me when 2 ml is back")
    expect(email).to_be_visible()
    email.fill("bo@example.com")
    tab.locator('[data-notify="2"]').get_by_role("button", name="Notify me").click()
    expect(tab.locator('[data-notify="2"] [data-notify-status]')).to_contain_text("Almost done")
    assert catalog_shop.count("stock_alerts") == 1
    assert axe_violations(tab) == []
    assert problems == []
