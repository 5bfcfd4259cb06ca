"""The research views as a person uses them: headless Debian Chromium on the real site over
the sample index (results by article, the trend and its province tiles, the concordance,
copying a citation, a phone's width)."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from werkzeug.serving import make_server

from search.indexer import build_index
from search.normalize import search_key
from search.settings import Settings
from webui.app import create_app

from .conftest import SAMPLES, TIMEOUT_MS

pytestmark = pytest.mark.browser



@contextmanager
def serve(index_dir: Path) -> Iterator[str]:
    """The app served on a free localhost port from a background thread."""
    server = make_server("127.0.0.1", 0, create_app(Settings().with_index(index_dir)), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.fixture(scope="module")
def base_url(sample_index: Path, backend: str) -> Iterator[str]:
    if backend != "whoosh":  # the same pages on every backend: test_webui_research checks their data on both
        pytest.skip("the research pages are driven in a browser once, over the default backend")
    with serve(sample_index) as url:
        yield url




def url_args(page) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(page.url).query)


def test_results_by_article_then_the_trend_and_a_province_tile(page, base_url: str) -> None:
    from playwright.sync_api import expect

    page.goto(base_url + "/")
    page.fill("#q", "协商")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    paragraphs = int(page.locator("[data-total]").get_attribute("data-total"))

    # One row per article, the facet counts still paragraphs.
    page.locator('a[data-group="article"]').click()
    page.wait_for_url(re.compile("group=article"))
    articles = int(page.locator("[data-articles]").get_attribute("data-articles"))
    assert 0 < articles < paragraphs
    assert articles == page.locator("li.hit.group").count()
    matches = [int(m) for m in page.locator(".group-count").evaluate_all("els => els.map(e => e.dataset.matches)")]
    assert paragraphs == sum(matches)
    region_counts = page.locator('.facet-region a[data-facet="province"] .count').all_inner_texts()
    assert paragraphs == sum(map(int, region_counts))

    # The trend of the query: a chart and a table, one row per work year.
    page.locator("a.to-trend").click()
    page.wait_for_url(re.compile(r"/trend\?q="))
    assert [("q", "协商")] == url_args(page)
    expect(page.locator("svg.chart-wide")).to_be_visible()
    expect(page.locator("svg.chart-narrow")).to_be_hidden()
    api = page.request.get(base_url + "/api/trend?q=协商").json()
    years = page.locator(".trend-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.year)")
    assert sorted(str(r["year"]) for r in api["rows"]) == sorted(years)
    assert len(api["rows"]) == page.locator("svg.chart-wide circle").count()

    # By province: a tile map; a tile filters the trend to its province.
    page.select_option("#trend-by", "province")
    page.get_by_role("button", name="查看趋势").click()
    page.wait_for_url(re.compile("by=province"))
    tile = page.locator('a.tile[data-province="甘肃省"]')
    expect(tile).to_be_visible()
    tile.click()
    page.wait_for_url(re.compile("province="))
    assert [("q", "协商"), ("province", "甘肃省")] == url_args(page)
    expect(page.locator(".chip")).to_have_text(re.compile("省份：\\s*甘肃省"))
    in_gansu = page.request.get(base_url + "/api/trend?q=协商&province=甘肃省").json()
    totals = page.locator(".trend-table tbody td:nth-child(2)").all_inner_texts()
    assert sum(r["articles_total"] for r in in_gansu["rows"]) == sum(map(int, totals)) == 2  # 武威, 平凉


def test_concordance_lines_up_and_sorts(page, base_url: str) -> None:
    from playwright.sync_api import expect

    page.goto(base_url + "/search?q=协商")
    page.locator("a.to-kwic").click()
    page.wait_for_url(re.compile(r"/kwic\?q="))
    total = int(page.locator("[data-total]").get_attribute("data-total"))
    lines = page.locator("li.kwic-line")
    assert min(total, 50) == lines.count()
    # the match column lines up: every match starts at the same x
    xs = {round(b["x"]) for b in page.locator(".kwic-match").evaluate_all("els => els.map(e => e.getBoundingClientRect())")}
    assert 1 == len(xs)
    assert {"协商", "協商"} == set(page.locator(".kwic-match").all_inner_texts())  # as written

    page.locator('a.sort[data-sort="left"]').click()
    page.wait_for_url(re.compile("sort=left"))
    expect(page.locator(".sorts .is-active")).to_have_text("左侧词")
    lefts = page.locator(".kwic-left").all_inner_texts()
    keys = [re.sub(r"[\W_]+", "", search_key(s))[::-1] for s in lefts]
    assert keys == sorted(keys) and len(set(keys)) > 1

    # a narrower context keeps the sort
    page.select_option("#kwic-width", "10")
    page.get_by_role("button", name="查看").click()
    page.wait_for_url(re.compile("width=10"))
    assert ("sort", "left") in url_args(page)
    assert all(len(s) <= 10 for s in page.locator(".kwic-left").all_inner_texts())

    # a line's match opens its paragraph
    first = page.locator(".kwic-match").first
    anchor = first.get_attribute("href").rsplit("#", 1)[1]
    first.click()
    page.wait_for_url(re.compile(r"/doc/.*#p\d+$"))
    expect(page.locator(f"#{anchor}")).to_be_in_viewport()


def test_copy_a_citation_with_one_click(browser, base_url: str) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(base_url + "/search?q=协商")
        hit = page.locator("li.hit").first
        hit.locator(".cite > summary").click()
        reference = hit.locator("p.cite-text")
        expect(reference).to_be_visible()
        button = hit.locator('button[data-copy^="cite-gb-"]')
        button.click()
        expect(button).to_have_text("已复制")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == reference.inner_text()
        assert re.search(r"\[EB/OL\]\. .*\[\d{4}-\d\d-\d\d\]\. http://127\.0\.0\.1:\d+/doc/[^ ]+#p\d+\.$", copied)
        hit.locator('button[data-copy^="cite-bib-"]').click()
        assert page.evaluate("navigator.clipboard.readText()").startswith("@misc{cppcc")

        page.goto(base_url + "/doc/002_d20d80895677d984-1")
        page.locator(".cite > summary").click()
        page.locator('button[data-copy="cite-gb-doc"]').click()
        assert page.evaluate("navigator.clipboard.readText()").startswith("政协济南市市中区委员会. ")
    finally:
        context.close()


@pytest.fixture(scope="module")
def many_years_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample reports with their work years spread over 2010-2025 by a manifest (16 years)."""
    src = tmp_path_factory.mktemp("years-src")
    for f in SAMPLES.iterdir():
        if f.is_file():
            shutil.copy(f, src / f.name)
    years = [2010, 2014, 2018, 2022, 2025]
    files = sorted(p.name for p in src.glob("*.txt"))
    overrides = "".join(f'[[override]]\nfile = "{name}"\nyear = {y}\n\n' for name, y in zip(files, years, strict=True))
    (src / "manifest.toml").write_text(overrides, encoding="utf-8")
    out = tmp_path_factory.mktemp("years-index")
    build_index([src], out)
    return out


@pytest.mark.parametrize("width", [1280, 390])
def test_every_year_of_the_histogram_fits_without_scrolling(browser, many_years_index: Path, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        with serve(many_years_index) as url:
            page.goto(url + "/")
            box = page.locator(".histogram").bounding_box()
            cols = page.locator(".histogram .bar-col")
            assert 16 == cols.count()  # 2010..2025, the years between as empty columns
            for b in cols.evaluate_all("els => els.map(e => e.getBoundingClientRect().toJSON())"):
                assert box["x"] - 0.5 <= b["x"] and b["x"] + b["width"] <= box["x"] + box["width"] + 0.5
            assert page.locator(".histogram").evaluate("e => getComputedStyle(e).overflowX") == "visible"
            assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/trend?q=协商,提案", "/trend?q=协商&by=province", "/kwic?q=协商&width=40", "/search?q=协商&group=article"])
def test_research_pages_fit_a_phone(browser, base_url: str, path: str) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(base_url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
        if path.startswith("/trend?q=协商,"):
            expect(page.locator("svg.chart-narrow")).to_be_visible()
            expect(page.locator("svg.chart-wide")).to_be_hidden()
        if path.startswith("/kwic"):
            boxes = page.locator(".kwic-match").evaluate_all("els => els.map(e => e.getBoundingClientRect().toJSON())")
            assert boxes and all(0 <= b["x"] and b["x"] + b["width"] <= 390 for b in boxes)
    finally:
        context.close()
