"""The whole purchase in a real browser, against the demo payment provider:
catalog -> product -> cart -> checkout -> confirmation -> tracking shows "paid"."""

from __future__ import annotations

import importlib
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from functions import create_app
from functions.static_site import local_site

WAIT_MS = 60_000


@pytest.fixture
def storefront(shop, settings, live_server):
    """A built site with one fragrance, served with the functions on one port."""
    shop.product(
        "midnight-fig", ml=50, sizes={2: 650, 5: 1500}, name="Midnight Fig", brand="Maison Test"
    )
    importlib.import_module("build").main(settings, full=True, trigger="test")
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
