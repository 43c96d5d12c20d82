"""The header's search box in Chromium: typing lists matches from the static index, the
keyboard works as the WAI-ARIA combobox pattern says, axe finds nothing with the list
open, and without JavaScript the same box submits to /search."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import Shop
from tests.site.test_storefront_browser import axe_violations, no_sideways_scroll, page  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def searchable(catalog_shop: Shop) -> Shop:
    catalog_shop.product(
        "tubereuse-nocturne",
        name="Tubéreuse Nocturne",
        brand="Maison Ébène",
        heart_notes=["Tuberose"],
        base_notes=["Oud"],
    )
    return catalog_shop


def test_typing_lists_matches_and_arrow_down_enter_opens_the_product(
    searchable,
    live_shop,
    page,  # noqa: F811
):
    tab, problems = page
    tab.goto(live_shop + "/catalog/")
    box = tab.get_by_role("combobox", name="Search fragrances, houses and notes")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press_sequentially("tuber")
    listbox = tab.get_by_role("listbox", name="Matching fragrances")
    expect(listbox).to_be_visible()
    options = listbox.get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Tubéreuse Nocturne")
    expect(box).to_have_attribute("aria-expanded", "true")
    no_sideways_scroll(tab)
    assert axe_violations(tab) == []  # with the list open
    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", options.first.get_attribute("id"))
    box.press("Enter")
    tab.wait_for_url("**/products/tubereuse-nocturne/")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Tubéreuse Nocturne")
    assert problems == []


def test_escape_closes_the_list_and_every_oud_is_offered(searchable, live_shop, page):  # noqa: F811
    tab, problems = page
    tab.goto(live_shop + "/")
    box = tab.get_by_role("combobox", name="Search fragrances, houses and notes")
    box.press_sequentially("OUD")
    options = tab.get_by_role("option")
    expect(options).to_have_count(2)
    expect(options.nth(0)).to_contain_text("Oud Royal")  # a name match comes first
    expect(options.nth(1)).to_contain_text("Tubéreuse Nocturne")
    box.press("ArrowUp")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    box.press("Escape")
    expect(tab.get_by_role("listbox", name="Matching fragrances")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    assert box.get_attribute("aria-activedescendant") is None
    assert problems == []


def test_without_javascript_the_box_submits_to_the_search_page(searchable, live_shop, browser):
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(live_shop + "/brands/")
    box = tab.get_by_role("combobox", name="Search fragrances, houses and notes")
    box.fill("oud")
    box.press("Enter")
    tab.wait_for_url("**/search?q=oud")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Search")
    results = tab.locator(".search-results a")
    expect(results).to_have_text(["Oud Royal", "Tubéreuse Nocturne"])
    expect(tab.locator(".search-count")).to_have_text("2 fragrances for “oud”")
    context.close()


def test_the_search_page_has_no_accessibility_violations(searchable, live_shop, browser):
    context = browser.new_context(bypass_csp=True)  # only to inject axe-core
    tab = context.new_page()
    tab.goto(live_shop + "/search?q=oud")
    expect(tab.locator(".search-results a")).to_have_count(2)
    assert axe_violations(tab) == []
    context.close()
