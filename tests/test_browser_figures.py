"""What a person sees of figures, comparisons and related paragraphs: headless Chromium
driving the real site over the sample index (fixtures of tests/test_browser.py)."""

from __future__ import annotations

import pytest

from .test_browser import base_url  # noqa: F401 - the same served site

pytestmark = pytest.mark.browser


def console_errors(page) -> list[str]:  # noqa: F811
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_figures_table_filters_charts_and_links_to_the_highlighted_paragraph(page, base_url: str) -> None:  # noqa: F811
    from playwright.sync_api import expect

    errors = console_errors(page)
    page.goto(base_url + "/figures")
    page.select_option("select[name=metric]", "社情民意信息")
    page.click(".figure-filters button[type=submit]")
    expect(page.locator("h1 small")).to_have_text("社情民意信息")
    rows = page.locator("table.figures tbody tr")
    expect(rows).to_have_count(6)  # 济南, 淄博, 潍坊, 聊城, 武威, 平凉
    page.select_option("select[name=qualifier]", "采用")
    page.select_option("select[name=province]", "山东省")
    page.click(".figure-filters button[type=submit]")
    expect(rows).to_have_count(4)
    assert page.locator("svg.spark").count() == 4  # one chart per committee, drawn by the server
    assert page.locator("svg.spark circle").first.is_visible()
    weifang = page.locator("table.figures tr", has_text="潍坊市")
    expect(weifang.locator("a.fig")).to_have_text("采用517篇")
    weifang.locator("a.fig").click()
    page.wait_for_url("**/doc/000_3d8829ce62a8e2e7-1?*#p*")
    target = page.locator(".para:target")
    expect(target).to_be_visible()
    expect(target.locator("mark")).to_have_text("517篇")
    assert [] == errors


def test_related_paragraphs_open_under_a_paragraph(page, base_url: str) -> None:  # noqa: F811
    from playwright.sync_api import expect

    errors = console_errors(page)
    page.goto(base_url + "/doc/001_b71b22b026f0be1c-1#p13")
    toggle = page.locator("#p13 + details.related")
    toggle.locator("summary").click()
    items = toggle.locator("ol.related-list > li")
    expect(items).to_have_count(5)
    expect(items.first.locator(".rel-where")).to_have_text("山东省 › 济南市 › 市中区 · 2024 年度")
    expect(items.first.locator(".snippet mark").first).to_be_visible()
    items.first.locator("a").click()
    page.wait_for_url("**/doc/002_d20d80895677d984-1#p15")
    expect(page.locator(".para:target")).to_be_visible()
    assert [] == errors


def test_compare_offered_on_the_document_view(page, base_url: str) -> None:  # noqa: F811
    from playwright.sync_api import expect

    errors = console_errors(page)
    page.goto(base_url + "/doc/000_3d8829ce62a8e2e7-1")
    page.select_option(".doc-compare select[name=b]", "001_b71b22b026f0be1c-1")
    page.click(".doc-compare button[type=submit]")
    page.wait_for_url("**/compare?a=000_3d8829ce62a8e2e7-1&b=001_b71b22b026f0be1c-1")
    expect(page.locator(".statistic")).to_contain_text("对数似然比 G²")
    expect(page.locator(".distinctive-a table.keyness")).to_contain_text("潍坊")
    expect(page.locator(".distinctive-b table.keyness")).to_contain_text("聊城")
    row = page.locator("table.side-figures tr", has_text="立案")
    expect(row).to_contain_text("597件")
    expect(row).to_contain_text("503件")
    assert [] == errors


def test_a_wide_figures_table_opens_on_its_newest_years_with_the_regions_in_sight(page, base_url: str) -> None:  # noqa: F811
    """Reports from 2001 on drew an empty grid: the newest years were off to the right, and
    the region column scrolled away with the years."""
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base_url + "/figures")
    scroll = page.locator(".figure-scroll")
    expect(scroll).to_be_visible()
    width, client, left = scroll.evaluate("el => [el.scrollWidth, el.clientWidth, el.scrollLeft]")
    assert width > client  # the table is wider than a phone
    assert left >= width - client - 1  # opened at the right end: the newest years and the charts
    box, region = scroll.bounding_box(), page.locator("table.figures tbody th[scope=row]").first.bounding_box()
    assert box["x"] <= region["x"] and region["x"] + region["width"] <= box["x"] + box["width"]  # still in sight
    select = page.locator(".figure-filters select[name=metric]").bounding_box()
    assert select["height"] >= 30  # a control a finger can hit (was 19 px)
