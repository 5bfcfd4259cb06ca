"""What a person sees: headless Debian Chromium driving the real site over the sample index."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from werkzeug.serving import make_server

from search.settings import Settings
from webui.app import create_app

pytestmark = pytest.mark.browser



@pytest.fixture(scope="module")
def base_url(sample_index: Path) -> Iterator[str]:
    """The app served on a free localhost port from a background thread."""
    server = make_server(
        "127.0.0.1", 0, create_app(Settings().with_index(sample_index)), threaded=True
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()




def total(page) -> int:
    return int(page.locator("[data-total]").get_attribute("data-total"))


def url_args(page) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(page.url).query)


def test_search_drill_down_year_range_and_document(page, base_url: str) -> None:
    from playwright.sync_api import expect

    # Type a query and submit the form.
    page.goto(base_url + "/")
    everything = total(page)
    page.fill("#q", "协商")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    assert [("q", "协商")] == url_args(page)
    found = total(page)
    assert 0 < found < everything
    marks = page.locator(".snippet mark").all_inner_texts()
    assert marks and set(marks) <= {"协商", "協商"}
    assert 20 == page.locator("li.hit").count()

    # Drill down: 山东省, then 济南市.
    page.locator('.facet-region a[data-facet="province"][data-value="山东省"]').click()
    page.wait_for_url(re.compile("province="))
    in_shandong = total(page)
    assert 0 < in_shandong < found
    expect(page.locator('.facet-region a[data-facet="city"][data-value="济南市"]')).to_be_visible()
    expect(page.locator('.facet-region a[data-facet="city"][data-value="武威市"]')).to_have_count(0)
    page.locator('.facet-region a[data-facet="city"][data-value="济南市"]').click()
    page.wait_for_url(re.compile("city="))
    assert [("q", "协商"), ("province", "山东省"), ("city", "济南市")] == url_args(page)
    in_jinan = total(page)
    assert 0 < in_jinan < in_shandong
    assert ["全部地区", "山东省", "济南市"] == re.split(
        r"\s*›\s*", page.locator(".breadcrumb").inner_text().strip()
    )
    chips = [c.replace("\n", "") for c in page.locator(".chip").all_inner_texts()]
    assert ["省份：山东省×", "城市：济南市×"] == chips
    regions = page.locator(".hit-meta .region").all_inner_texts()
    assert len(regions) == min(in_jinan, 20)
    assert all(r.startswith("山东省 › 济南市") for r in regions)

    # Widen through the breadcrumb back to every region.
    page.locator(".breadcrumb a", has_text="全部地区").click()
    page.wait_for_url(re.compile(r"/search\?q=[^&]*$"))
    assert found == total(page)
    expect(page.locator(".chip")).to_have_count(0)

    # A year range: the count becomes the 2024 column of the histogram.
    in_2024 = int(page.locator('.bar-col[data-year="2024"] .bar-count').inner_text())
    province_counts = page.locator(
        '.facet-region a[data-facet="province"] .count'
    ).all_inner_texts()
    page.select_option("#year_from", "2024")
    page.select_option("#year_to", "2024")
    page.locator(".year-range button").click()
    page.wait_for_url(re.compile("year_to=2024"))
    assert [("q", "协商"), ("year_from", "2024"), ("year_to", "2024")] == url_args(page)
    assert in_2024 == total(page)
    assert (
        sum(
            map(
                int, page.locator('.facet-region a[data-facet="province"] .count').all_inner_texts()
            )
        )
        == in_2024
    )
    if in_2024 < found:  # some hits are from other years (or undated): the counts must have moved
        assert (
            province_counts
            != page.locator('.facet-region a[data-facet="province"] .count').all_inner_texts()
        )
    years = {y.replace(" 年度", "") for y in page.locator(".hit-meta .year").all_inner_texts()}
    assert years <= {"2024"}

    # The back button restores the previous state.
    page.go_back()
    page.wait_for_url(re.compile(r"/search\?q=[^&]*$"))
    assert found == total(page)
    page.go_forward()
    page.wait_for_url(re.compile("year_to=2024"))

    # Open a document from a hit: we land on its paragraph, visible and marked.
    first = page.locator(".hit-title a").first
    href = first.get_attribute("href")
    anchor = href.rsplit("#", 1)[1]
    assert re.fullmatch(r"p\d+", anchor)
    first.click()
    page.wait_for_url(re.compile(r"/doc/.*#p\d+$"))
    target = page.locator(f"#{anchor}")
    expect(target).to_be_in_viewport()
    expect(target).to_have_class(re.compile(r"\bmatched\b"))
    assert target.evaluate("el => el.matches(':target')")
    assert target.locator("mark").count() > 0
    background = target.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    expect(page.locator("h1")).not_to_be_empty()
    expect(page.locator(".back-link")).to_have_attribute("href", re.compile(r"^/search\?q="))


def test_work_year_delivery_date_and_a_type_filter_as_seen(page, base_url: str) -> None:
    from playwright.sync_api import expect

    page.goto(base_url + "/search?q=协商&city=济南市")
    note = page.locator(".facet-year .facet-note")
    expect(note).to_be_visible()
    expect(note).to_have_text("报告回顾的工作年度，不是发布年份")
    expect(page.locator(".facet-year .facet-title")).to_have_text("工作年度")
    # 市中区's report gives 发布日期：2025-01-07 near its top: each hit says so beside its work year.
    metas = page.locator(".hit-meta").all_inner_texts()
    assert metas and all(re.search(r"2024 年度\s+(\S+\s+)*?发布 2025-01-07", m) for m in metas)

    # A type picked in the URL (here one nobody has) shows as a chip; removing it restores the page.
    found = total(page)
    hostile = "<b>政府工作报告</b>"
    page.goto(base_url + "/search?" + urlencode({"q": "协商", "city": "济南市", "doc_type": hostile}))
    assert 0 == total(page)
    chip = page.locator(".chip", has_text="文档类型")
    expect(chip).to_contain_text(hostile)  # as text, not markup
    expect(page.locator(".facet-doc-type .is-selected .label")).to_have_text(hostile)
    chip.click()
    page.wait_for_url(re.compile(r"city=[^&]*$"))
    assert [("q", "协商"), ("city", "济南市")] == url_args(page)
    assert found == total(page)


def test_phone_width_puts_the_filters_under_the_results(page, base_url: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base_url + "/search?q=协商")
    results = page.locator(".results").bounding_box()
    facets = page.locator("#filters").bounding_box()
    assert facets["y"] > results["y"] + results["height"] - 1
    assert results["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling


def test_the_keyboard_reaches_the_filters_without_tabbing_through_every_hit(page, base_url: str) -> None:
    """The filters come after the 20 hits in the page's order: a skip link leads there."""
    page.goto(base_url + "/search?q=协商")
    page.keyboard.press("Tab")
    assert "跳到正文" == page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Tab")
    assert "跳到筛选" == page.evaluate("document.activeElement.textContent")
    assert page.locator("a.skip-link[href='#filters']").is_visible()  # shown while focused
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('#filters')")


def test_on_a_phone_the_document_leads_to_its_matches_and_contents(page, base_url: str) -> None:
    """The 目录 and 命中段落 come after the whole report on a phone: a link at the top leads there."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base_url + "/doc/001_b71b22b026f0be1c-1?q=协商")
    jump = page.locator(".doc-jump a")
    assert jump.is_visible() and jump.inner_text().startswith("命中段落（")
    assert page.locator("#doc-side").bounding_box()["y"] > 2 * 844  # far below the first screen
    jump.click()
    page.wait_for_function("window.scrollY > 1000")
    assert page.locator("#doc-side h2").first.is_visible()
    page.set_viewport_size({"width": 1366, "height": 900})
    assert not jump.is_visible()  # beside the text on a wide screen: no need
