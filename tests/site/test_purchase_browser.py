"""The whole purchase in a real browser, against the demo payment provider:
catalog -> product -> cart -> checkout -> confirmation -> tracking shows "paid"."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from decant.site import run as site_run
from functions import create_app
from functions.web.static_site import local_site
from tests.site.test_storefront_browser import axe_violations

WAIT_MS = 60_000


@pytest.fixture
def storefront(shop, settings, live_server):
    """A built site with one fragrance, served with the functions on one port."""
    shop.product(
        "midnight-fig", ml=50, sizes={2: 650, 5: 1500}, name="Midnight Fig", brand="Maison Test"
    )
    site_run.main(settings, full=True, trigger="test")
    app = create_app(settings, pool_size=6)
    yield live_server(local_site(app, settings.public_dir))
    app.extensions["decant"].close()


@pytest.mark.browser
def test_a_shopper_buys_a_sample_and_tracking_shows_it_paid(conn, shop, storefront, browser):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)

        page.goto(f"{storefront}/catalog/")
        page.get_by_role("link", name=re.compile("Midnight Fig")).first.click()
        expect(page.locator("[data-product='midnight-fig']")).to_be_visible()

        page.locator("label", has_text="5 ml").first.click()
        page.locator("[data-add]").click()
        expect(page.locator("[data-added]")).not_to_be_empty()

        page.goto(f"{storefront}/cart/")
        expect(page.locator("[data-cart-lines]")).to_contain_text("Midnight Fig")
        page.locator("[data-cart-actions] a").click()

        page.wait_for_url(re.compile(r"/checkout/$"))
        page.fill("#c-email", "grace@example.com")
        page.fill("#c-name", "Grace Hopper")
        page.fill("#c-line1", "Harbour Road 7")
        page.fill("#c-postal", "20095")
        page.fill("#c-city", "Hamburg")
        page.select_option("#c-country", "DE")
        page.locator("[data-place]").click()

        expect(page.locator("[data-demo-note]")).to_be_visible()
        expect(page.locator("[data-order-total]")).to_contain_text("PS")
        page.locator("[data-pay]").click()

        page.wait_for_url(re.compile(r"/checkout/confirmation/"))
        expect(page.locator("[data-confirmation-status]")).to_contain_text("paid")
        assert "grace" not in page.url and "?" not in page.url  # no e-mail in any URL

        # Stripe's return: its query (with the client secret) is dropped from the address
        page.goto(
            f"{storefront}/checkout/confirmation/?payment_intent=pi_1"
            "&payment_intent_client_secret=pi_1_secret_abc&redirect_status=succeeded"
        )
        expect(page.locator("[data-confirmation-status]")).to_contain_text("paid")
        assert page.url == f"{storefront}/checkout/confirmation/"

        order = conn.execute(
            "SELECT order_number, status::text AS status, payment_provider FROM orders"
        ).fetchone()
        assert order["status"] == "paid" and order["payment_provider"] == "demo"

        page.goto(f"{storefront}/track/")
        page.fill("#t-email", "GRACE@example.com")
        page.fill("#t-number", order["order_number"])
        page.get_by_role("button", name="Show my order").click()
        result = page.locator("[data-track-result]")
        expect(result).to_contain_text(order["order_number"])
        expect(result).to_contain_text("paid")
    finally:
        context.close()

    assert shop.remaining_ml("midnight-fig") == Decimal(45)
    assert shop.count("email_outbox") == 1


@pytest.fixture
def set_storefront(shop, settings, live_server):
    """A built site with a curated set of two samples."""
    shop.product("midnight-fig", ml=50, sizes={2: 650}, name="Midnight Fig", brand="Maison Test")
    shop.product("amber-road", ml=3, sizes={2: 800}, name="Amber Road", brand="Maison Test")
    shop.curated_set(
        "evening-pair",
        ("midnight-fig", 2),
        ("amber-road", 2),
        price_cents=1200,
        name="Evening Pair",
    )
    site_run.main(settings, full=True, trigger="test")
    app = create_app(settings, pool_size=6)
    yield live_server(local_site(app, settings.public_dir))
    app.extensions["decant"].close()


@pytest.mark.browser
def test_a_shopper_buys_a_curated_set_as_one_line_and_each_sample_is_taken(
    conn, shop, set_storefront, browser
):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.goto(f"{set_storefront}/")
        assert axe_violations(page) == []
        page.get_by_role("link", name="Evening Pair").click()
        page.wait_for_url(re.compile(r"/sets/evening-pair/$"))
        expect(page.locator("[data-set-stock]")).to_have_text("Only 1 left")
        assert axe_violations(page) == []
        page.get_by_role("button", name="Add the set to the cart").click()
        expect(page.locator("[data-added]")).to_contain_text("Added the set")

        page.goto(f"{set_storefront}/cart/")
        lines = page.locator("[data-cart-lines] tr")
        expect(lines).to_have_count(1)
        expect(lines.first).to_contain_text("Evening Pair")
        expect(page.locator("[data-cart-total]")).to_contain_text("12.00")
        assert axe_violations(page) == []
        page.locator("[data-cart-actions] a").click()

        page.wait_for_url(re.compile(r"/checkout/$"))
        page.fill("#c-email", "grace@example.com")
        page.fill("#c-name", "Grace Hopper")
        page.fill("#c-line1", "Harbour Road 7")
        page.fill("#c-postal", "20095")
        page.fill("#c-city", "Hamburg")
        page.select_option("#c-country", "DE")
        page.locator("[data-place]").click()
        expect(page.locator("[data-order-total]")).to_contain_text("15.90")  # 12.00 + 3.90
        page.locator("[data-pay]").click()
        page.wait_for_url(re.compile(r"/checkout/confirmation/"))
        expect(page.locator("[data-confirmation-status]")).to_contain_text("paid")
        expect(page.locator("[data-confirmation-status]")).to_contain_text("set evening-pair")

        page.goto(f"{set_storefront}/sets/evening-pair/")
        expect(page.locator("[data-set-stock]")).to_have_text("Sold out")
        expect(page.get_by_role("button", name="Add the set to the cart")).to_be_disabled()
    finally:
        context.close()

    order = conn.execute("SELECT subtotal_cents, status::text AS status FROM orders").fetchone()
    assert (order["subtotal_cents"], order["status"]) == (1200, "paid")
    assert shop.remaining_ml("midnight-fig") == Decimal(48)
    assert shop.remaining_ml("amber-road") == Decimal(1)
