"""The back office in a real headless Chromium: log in, change a price, publish, and
see the new price on the storefront."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from decant.publishing import build_queue
from decant.site import run as site_run
from functions import create_app
from functions.web.static_site import local_site
from tests.plugins.admin import OWNER_EMAIL, PASSWORD
from tests.plugins.storefront import serve_wsgi

pytestmark = pytest.mark.browser


@pytest.fixture
def served_shop(settings, catalog_shop, build_site, owner_account) -> Iterator[str]:
    build_site(full=True)
    app = local_site(create_app(settings), Path(settings.public_dir))
    base, stop = serve_wsgi(app)
    yield base
    stop()
    app.extensions["decant"].close()


def test_owner_logs_in_edits_a_price_publishes_and_the_shop_shows_it(
    browser, served_shop, conn, settings
):
    context = browser.new_context()
    context.set_default_timeout(20_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda e: errors.append(str(e)))

    tab.goto(f"{served_shop}/admin/products")
    expect(tab).to_have_url(f"{served_shop}/admin/login?next=/admin/products")
    tab.get_by_label("E-mail").fill(OWNER_EMAIL)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    expect(tab.get_by_role("heading", name="Products")).to_be_visible()

    tab.get_by_role("link", name="Rose Noir").click()
    tab.get_by_label("Price for 2 ml").fill("7.40")
    tab.get_by_role("button", name="Save").click()
    expect(tab.get_by_text("Not yet live")).to_be_visible()

    tab.goto(f"{served_shop}/products/rose-noir/")
    expect(tab.locator(".size-price").nth(1)).to_have_text("€6.00")

    tab.goto(f"{served_shop}/admin/publishing")
    expect(tab.get_by_text("Changes not yet published")).to_be_visible()
    tab.get_by_role("button", name="Publish").click()
    expect(tab.get_by_text("queued; the site updates")).to_be_visible()
    assert (
        build_queue.run_queued(conn, settings, build=site_run.main) == 1
    )  # what `decant worker` does next

    tab.goto(f"{served_shop}/products/rose-noir/")
    tab.reload()  # the page was seen minutes ago and may be cached (max-age 300): revalidate
    expect(tab.locator(".size-price").nth(1)).to_have_text("€7.40")
    assert errors == []
    context.close()


def test_owner_creates_a_discount_and_a_set_and_the_shop_sells_the_set(
    browser, served_shop, conn, settings
):
    context = browser.new_context()
    context.set_default_timeout(20_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda e: errors.append(str(e)))

    tab.goto(f"{served_shop}/admin/discounts")
    tab.get_by_label("E-mail").fill(OWNER_EMAIL)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    expect(tab.get_by_role("heading", name="Discount codes")).to_be_visible()

    tab.get_by_label("Code (3–32 letters, digits, _ or -)").fill("WINTER15")
    tab.get_by_label("Kind").select_option("percent")
    tab.get_by_label("Value (percent 1–100, or euros)").fill("150")
    tab.get_by_role("button", name="Create code").click()
    expect(tab.locator(".error")).to_contain_text("value")
    tab.get_by_label("Value (percent 1–100, or euros)").fill("15")
    tab.get_by_label("Minimum order (€, optional)").fill("20")
    tab.get_by_label("Once per e-mail").check()
    tab.get_by_role("button", name="Create code").click()
    expect(tab.get_by_text("Discount code created.")).to_be_visible()
    expect(tab.locator("tr[data-code='WINTER15']")).to_contain_text("15 %")

    tab.get_by_role("link", name="Sets").click()
    expect(tab.get_by_role("heading", name="Discovery sets")).to_be_visible()
    tab.get_by_label("Name").fill("Night Pair")
    tab.get_by_label("Slug (its page: /sets/slug/)").fill("night-pair")
    tab.get_by_label("Set price (€, below the samples' sum)").fill("19.00")
    tab.get_by_label("Sample 1", exact=True).select_option("rose-noir|2")
    tab.get_by_label("Sample 2", exact=True).select_option("oud-royal|2")
    tab.get_by_role("button", name="Create set").click()
    expect(tab.get_by_text("Set created.")).to_be_visible()
    expect(tab.get_by_role("heading", name="Night Pair")).to_be_visible()

    tab.goto(f"{served_shop}/admin/publishing")
    tab.get_by_role("button", name="Publish").click()
    expect(tab.get_by_text("queued; the site updates")).to_be_visible()
    assert build_queue.run_queued(conn, settings, build=site_run.main) == 1

    tab.goto(f"{served_shop}/")
    tab.get_by_role("link", name="Night Pair").click()
    expect(tab.get_by_role("heading", name="Night Pair")).to_be_visible()
    expect(tab.locator(".set-total")).to_contain_text("€19.00")
    assert errors == []
    context.close()

    code = conn.execute("SELECT * FROM discount_codes WHERE code = 'WINTER15'").fetchone()
    assert (code["value"], code["min_subtotal_cents"], code["once_per_email"]) == (15, 2000, True)
    audited = conn.execute(
        "SELECT entity, action FROM audit_log WHERE entity IN ('discount_code', 'curated_set')"
        " ORDER BY id"
    ).fetchall()
    assert [(a["entity"], a["action"]) for a in audited] == [
        ("discount_code", "create"),
        ("curated_set", "create"),
    ]
