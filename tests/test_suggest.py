from __future__ import annotations

import pytest

from search.engine import SearchEngine, SearchRequest
from search.suggest import plain_form, variants


def test_variants_closest_first() -> None:
    wild = {("", "商环境"): ["营商环境"]}
    got = variants("宫商环境", lambda left, right: wild.get((left, right), []))
    assert got[0] == "营商环境"  # a character the text holds in that place
    assert "商宫环境" in got and "宫商 环境" in got and "商环境" in got
    assert [] == variants("协" * 13)  # pasted text, not a typo
    assert [] == variants("协")


@pytest.mark.parametrize(
    ("filters", "resolved", "notice"),
    [
        ({"provinces": ("山东",)}, {"provinces": ("山东省",)}, "筛选条件「山东」按「山东省」查找。"),
        ({"cities": ("濟南",)}, {"cities": ("济南市",)}, "筛选条件「濟南」按「济南市」查找。"),
        ({"provinces": ("山東省",)}, {"provinces": ("山东省",)}, "筛选条件「山東省」按「山东省」查找。"),
    ],
)
def test_short_and_traditional_place_names_in_filters(engine: SearchEngine, filters: dict, resolved: dict, notice: str) -> None:
    page = engine.search(SearchRequest(query="协商", **filters))
    exact = engine.search(SearchRequest(query="协商", **resolved))
    assert page.total == exact.total > 0
    assert [h.id for h in page.hits] == [h.id for h in exact.hits]
    assert (notice,) == page.notices
    assert all(getattr(page.request, k) == v for k, v in resolved.items())


def test_unknown_places_stay_as_given(engine: SearchEngine) -> None:
    page = engine.search(SearchRequest(query="协商", provinces=("亚特兰蒂斯",)))
    assert (0, (), ("亚特兰蒂斯",)) == (page.total, page.notices, page.request.provinces)


def test_a_query_with_no_hits_suggests_close_ones_that_have_some(engine: SearchEngine) -> None:
    page = engine.search(SearchRequest(query="协商议证"))
    assert 0 == page.total
    best, n = page.suggestions[0]
    assert "协商议政" == best and n == engine.search(SearchRequest(query="协商议政")).total > 0
    assert page.to_dict()["suggestions"][0] == {"query": "协商议政", "total": n}
    # the other words of the query stay; a filter stays too
    page = engine.search(SearchRequest(query="委员 协商议证", provinces=("山东省",)))
    assert page.suggestions and all(q.startswith("委员 ") for q, _ in page.suggestions)
    assert page.suggestions[0][1] == engine.search(SearchRequest(query=page.suggestions[0][0], provinces=("山东省",))).total
    assert () == engine.search(SearchRequest(query="协商")).suggestions  # hits: nothing to suggest


def test_the_page_offers_the_suggestions(sample_index) -> None:
    from search.settings import Settings
    from webui.app import create_app

    client = create_app(Settings().with_index(sample_index)).test_client()
    html = client.get("/search?q=协商议证").get_data(as_text=True)
    assert '您是不是要找：<a class="suggestion" href="/search?q=%E5%8D%8F%E5%95%86%E8%AE%AE%E6%94%BF">协商议政</a>' in html
    page = client.get("/search?q=协商&province=山东").get_data(as_text=True)
    assert "筛选条件「山东」按「山东省」查找。" in page
    assert '<input type="hidden" name="province" value="山东省">' in page


@pytest.mark.parametrize(
    ("query", "plain"),
    [
        ("委员 and 提案", "委员 AND 提案"),
        ("委员 or 提案", "委员 OR 提案"),
        ("委员 Not 提案", "委员 NOT 提案"),
        ("+委员", "委员"),
        ("委员*", "委员"),
        ("委员？", "委员"),
        ("(委员)", "委员"),
        ("（委员 OR 提案） 协商", "委员 OR 提案 协商"),
        ("委员，提案、协商;议政", "委员 提案 协商 议政"),
        ("-(北京) 委员*", "-北京 委员"),
        ('"委员*，" and 提案', '"委员*，" AND 提案'),  # a quoted phrase stays as written
        ("5G+工业互联网", "5G+工业互联网"),  # a plus inside a word is text
        ("*", ""),
    ],
)
def test_other_engines_syntax_is_read_as_this_ones(query: str, plain: str) -> None:
    assert plain == plain_form(query)


@pytest.mark.parametrize("query", ["委员 and 提案", "委员 or 提案", "+委员", "委员*", "(委员)", "委员，提案"])
def test_a_query_in_another_engines_syntax_is_first_offered_in_this_ones(engine: SearchEngine, query: str) -> None:
    page = engine.search(SearchRequest(query=query))
    assert 0 == page.total  # these marks are text here, and the reports hold none of them
    best, n = page.suggestions[0]
    assert (best, n) == (plain_form(query), engine.search(SearchRequest(query=best)).total)
    assert n > 0
