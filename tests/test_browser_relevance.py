"""What a person sees of the lenient syntax, synonyms, roles and suggestions (headless Chromium)."""

from __future__ import annotations

import re

import pytest

from tests.test_browser import base_url, total, url_args  # noqa: F401 - fixtures and helpers

pytestmark = pytest.mark.browser


def _search(tab, text: str) -> None:  # noqa: ANN001
    tab.fill("#q", text)
    tab.press("#q", "Enter")
    tab.wait_for_url(re.compile(r"/search\?"))


def test_pasted_text_synonyms_roles_and_suggestions_as_seen(page, base_url: str) -> None:  # noqa: F811
    from playwright.sync_api import expect

    page.goto(base_url + "/")
    _search(page, "场场“聚")  # pasted with half a quotation
    expect(page.locator("p.notice").first).to_contain_text("引号没有配对")
    assert total(page) > 0 and "场场“聚" in page.locator(".snippet").first.inner_text()

    _search(page, "统战")
    expanded = page.locator("p.notice.expanded")
    expect(expanded).to_contain_text("也搜索了：统一战线。")
    wide = total(page)
    expanded.get_by_role("link", name="只搜索输入的词").click()
    page.wait_for_url(re.compile(r"expand=0"))
    assert ("expand", "0") in url_args(page) and 0 < total(page) < wide

    _search(page, "始终坚持")
    page.goto(page.url + "&per_page=50")
    expect(page.locator(".hit-meta .role-heading").first).to_have_text("标题")
    first = page.locator("li.hit").first
    assert first.locator(".role").count() == 0  # a body paragraph leads

    _search(page, "协商议证")
    assert 0 == total(page)
    page.locator("a.suggestion").first.click()
    page.wait_for_url(re.compile(r"q=%E5%8D%8F%E5%95%86%E8%AE%AE%E6%94%BF"))
    assert total(page) > 0
