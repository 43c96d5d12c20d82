"""The storefront in a real headless Chromium (Debian's, through Playwright): filter,
open a product, add it to the cart, and find it there after a reload; no script
errors, no sideways scrolling on a phone, and no axe-core accessibility violations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[1] / "js" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def page(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    context = browser.new_context(viewport={"width": 375, "height": 800})
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


def no_sideways_scroll(tab: Page) -> None:
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{tab.url} is {width}px wide at 375px"


def axe_violations(tab: Page) -> list[str]:
    # Through the DevTools protocol, not a <script> tag: the shop's CSP (rightly)
    # refuses inline scripts, and the page must be tested under it.
    tab.evaluate(AXE.read_text() + "\n;undefined")
    result = tab.evaluate("async () => (await axe.run(document)).violations")
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in result]


def test_shopper_filters_picks_a_size_and_the_cart_survives_a_reload(live_shop, page):
    tab, problems = page
    tab.goto(live_shop + "/")
    no_sideways_scroll(tab)
    assert axe_violations(tab) == []

    tab.goto(live_shop + "/catalog/")
    expect(tab.locator("[data-filters]")).to_be_visible()
    no_sideways_scroll(tab)
    assert axe_violations(tab) == []
    tab.select_option("#f-brand", "atelier-nord")
    expect(tab.locator("[data-count]")).to_have_text("3 fragrances")
    expect(tab.locator("[data-results] .card")).to_have_count(3)
    expect(tab.locator("[data-results]")).not_to_contain_text("Rose Noir")
    assert "brand=atelier-nord" in tab.url
    tab.select_option("#f-gender", "unisex")
    tab.select_option("#f-note", "oud")
    expect(tab.locator("[data-results] .card")).to_have_count(1)
    tab.get_by_role("link", name="Oud Royal").click()

    tab.wait_for_url("**/products/oud-royal/")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Oud Royal")
    no_sideways_scroll(tab)
    assert axe_violations(tab) == []
    tab.get_by_label("2 ml").check()
    tab.get_by_role("button", name="Add to cart").click()
    expect(tab.locator("[data-added]")).to_have_text("Added 2 ml to your cart.")
    expect(tab.locator("[data-cart-count]")).to_have_text("1")

    tab.goto(live_shop + "/cart/")
    tab.reload()
    rows = tab.locator("[data-cart-lines] tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Oud Royal")
    expect(rows.first).to_contain_text("2 ml")
    expect(tab.locator("[data-cart-total]")).to_have_text("€17.00")
    expect(tab.locator("[data-cart-count]")).to_have_text("1")
    no_sideways_scroll(tab)
    assert axe_violations(tab) == []
    assert problems == []


def test_product_page_shows_live_stock_from_the_api(live_shop, page, catalog_shop):
    tab, problems = page
    catalog_shop.stock("iris-poudre", ml=0)  # sold since the build
    tab.goto(live_shop + "/products/iris-poudre/")
    expect(tab.locator('[data-stock="2"]')).to_have_text("Sold out")
    expect(tab.get_by_role("button", name="Add to cart")).to_be_disabled()
    assert problems == []


def test_pages_read_without_javascript(live_shop, browser):
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(live_shop + "/products/rose-noir/")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Rose Noir")
    expect(tab.locator(".size-price").first).to_have_text("€3.50")
    tab.goto(live_shop + "/catalog/")
    expect(tab.locator(".card")).to_have_count(5)
    context.close()


@pytest.mark.parametrize(
    ("remaining_ml", "threshold_ml"),
    [
        (4, 10),  # under the owner's threshold: "Only 4 left", "Only 2 left", "Sold out"
        (4, 1),  # over it: the build says "In stock" for 4 decants, so must the live script
        (40, 100),  # under the threshold, more than the low-stock count: "In stock"
    ],
)
def test_live_stock_label_is_the_one_the_build_renders_for_the_same_stock(
    live_shop, page, browser, catalog_shop, build_site, remaining_ml, threshold_ml
):
    """The build decides the label with decant.inventory.stock_label; the live script
    (app.js) must say the same for the same stock, whatever it was at build time."""
    tab, problems = page
    sizes = ("1", "2", "5")  # rose-noir's sizes in ml
    conn = catalog_shop.conn
    conn.execute(
        "UPDATE inventory SET low_stock_threshold = %s"
        " WHERE product_id = (SELECT id FROM products WHERE slug = 'rose-noir')",
        (threshold_ml,),
    )
    catalog_shop.stock("rose-noir", ml=0)
    build_site()  # the static page says "Sold out" for every size
    catalog_shop.stock("rose-noir", ml=remaining_ml)
    tab.goto(live_shop + "/products/rose-noir/")
    expect(tab.locator('[data-stock="1"]')).not_to_have_text("Sold out")  # the script ran
    live = [tab.locator(f'[data-stock="{ml}"]').inner_text() for ml in sizes]

    build_site()  # the same stock, rendered by the build
    static = browser.new_context(java_script_enabled=False).new_page()
    static.goto(live_shop + "/products/rose-noir/")
    built = [static.locator(f'[data-stock="{ml}"]').inner_text() for ml in sizes]
    static.context.close()

    assert live == built
    expected = {
        (4, 10): ["Only 4 left", "Only 2 left", "Sold out"],
        (4, 1): ["In stock", "In stock", "Sold out"],
        (40, 100): ["In stock", "In stock", "In stock"],
    }[(remaining_ml, threshold_ml)]
    assert built == expected
    assert problems == []
