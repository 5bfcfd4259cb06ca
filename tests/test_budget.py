"""The per-request time budget and the caps on what one request may ask for."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path

import pytest

from search import budget
from search.engine import SearchEngine, SearchRequest
from search.limits import MAX_DEPTH, MAX_OR_BRANCHES, MAX_TERMS, PageTooDeep, QueryTooComplex
from search.settings import Settings, SettingsError
from webui.app import create_app

SPENT = 1e-9  # a budget every request has used up by its first check


def test_a_spent_budget_stops_a_search_and_a_generous_one_changes_nothing(engine: SearchEngine) -> None:
    req = SearchRequest(query="协商 OR 提案 -北京", per_page=5)
    alone = engine.search(req).to_dict()
    engine.clear_cache()
    with budget.limit(SPENT), pytest.raises(budget.OverBudget, match="time budget of 1e-09 s"):
        engine.search(req)
    with budget.limit(60):
        assert alone == engine.search(req).to_dict()
    assert budget.current() is None  # the block closed its budget
    budget.check()  # and without one nothing is ever over


def test_an_export_stops_once_its_rows_have_used_the_budget(engine: SearchEngine) -> None:
    req = SearchRequest(query="协商")
    total = len(list(engine.iter_matches(req)))  # the match set is cached: only the rows cost time now
    with budget.limit(SPENT):
        rows = engine.iter_matches(req)
    assert rows.total == total > 1
    with pytest.raises(budget.OverBudget, match="cut short"):
        list(rows)
    with budget.limit(60):
        assert total == len(list(engine.iter_matches(req)))


@pytest.fixture()
def spent_app(sample_index: Path):
    return create_app(replace(Settings().with_index(sample_index), request_budget=SPENT))


def test_over_budget_page_says_the_query_is_too_broad_and_keeps_the_filters(spent_app) -> None:
    resp = spent_app.test_client().get("/search?q=协商&province=山东省")
    html = resp.get_data(as_text=True)
    assert 503 == resp.status_code
    assert "检索范围太大" in html and "筛选条件" in html
    assert 'name="province" value="山东省"' in html  # the next try keeps them
    api = spent_app.test_client().get("/api/search?q=协商")
    assert 503 == api.status_code and "检索范围太大" in api.get_json()["error"]


def test_over_budget_csv_says_in_the_file_that_it_was_cut(spent_app) -> None:
    engine = spent_app.extensions["cppcc_search"]
    total = len(list(engine.iter_matches(SearchRequest(query="协商"))))  # cached; no budget outside a request
    resp = spent_app.test_client().get("/search.csv?q=协商")
    assert 200 == resp.status_code
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "id"
    assert rows[-1][0].startswith("# 导出超出时间预算") and f"{total} 条中的前" in rows[-1][0]


def test_the_budget_comes_from_the_environment() -> None:
    assert 5.0 == Settings.from_env({}).request_budget
    assert 0.5 == Settings.from_env({"CPPCC_REQUEST_BUDGET": "0.5"}).request_budget
    assert 0.0 == Settings.from_env({"CPPCC_REQUEST_BUDGET": "0"}).request_budget
    for bad in ("-1", "soon", "1e9", "٣"):
        with pytest.raises(SettingsError, match="CPPCC_REQUEST_BUDGET"):
            Settings.from_env({"CPPCC_REQUEST_BUDGET": bad})


# --- caps -------------------------------------------------------------------------------------


def test_too_many_terms_or_alternatives_are_refused(engine: SearchEngine) -> None:
    many = " ".join(f"词{i}" for i in range(MAX_TERMS + 1))
    with pytest.raises(QueryTooComplex, match=f"{MAX_TERMS + 1} 个词"):
        engine.search(SearchRequest(query=many))
    spaced = '"' + " ".join(["的"] * (MAX_TERMS + 1)) + '"'  # each piece of a spaced phrase is a term
    with pytest.raises(QueryTooComplex):
        engine.search(SearchRequest(query=spaced))
    ors = " OR ".join(f"词{i}" for i in range(MAX_OR_BRANCHES + 1))
    with pytest.raises(QueryTooComplex, match=f"{MAX_OR_BRANCHES + 1} 个选项"):
        engine.search(SearchRequest(query=ors))
    with pytest.raises(QueryTooComplex):
        engine.iter_matches(SearchRequest(query=ors))
    at_cap = " OR ".join(f"词{i}" for i in range(MAX_OR_BRANCHES))
    assert 0 == engine.search(SearchRequest(query=at_cap)).total


def test_a_page_past_the_deepest_is_refused_but_a_page_past_the_last_is_not(engine: SearchEngine) -> None:
    total = engine.search(SearchRequest(query="")).total
    assert total > 1
    per_page = 1
    deepest = MAX_DEPTH // per_page
    if total > deepest:  # pragma: no cover - the sample index has fewer paragraphs
        with pytest.raises(PageTooDeep):
            engine.search(SearchRequest(page=deepest + 1, per_page=per_page))
    # beyond the last page: an empty page, nothing ranked, so no cap needed
    assert () == engine.search(SearchRequest(page=deepest + 1, per_page=per_page)).hits


def test_deep_pages_on_a_large_result_set(engine: SearchEngine, monkeypatch) -> None:
    import search.engine as engine_module
    import search.limits as limits

    total = engine.search(SearchRequest(query="")).total
    monkeypatch.setattr(limits, "MAX_DEPTH", 10)
    monkeypatch.setattr(engine_module, "MAX_DEPTH", 10)
    assert total > 12
    assert 5 == len(engine.search(SearchRequest(page=2, per_page=5)).hits)  # 10: the deepest
    with pytest.raises(PageTooDeep, match="前 10 条"):
        engine.search(SearchRequest(page=3, per_page=5))
    with pytest.raises(PageTooDeep):
        engine.search(SearchRequest(query="协商", page=3, per_page=5))


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("/search?q=a&q=b", "参数 q 只能出现一次"),
        ("/search?q=协商&page=1&page=2", "参数 page 只能出现一次"),
        ("/search?sort=newest&sort=oldest", "参数 sort 只能出现一次"),
        ("/search?" + "&".join(f"theme=t{i % 40}&city=c{i % 40}&level=l{i % 40}" for i in range(70)), "网址参数太多"),
        ("/search?q=" + " OR ".join(f"词{i}" for i in range(MAX_OR_BRANCHES + 1)), "一组 OR"),
        ("/search?q=" + "+".join(f"词{i}" for i in range(MAX_TERMS + 1)), "个词"),
        ("/search?q=" + "长" * 201, "太长"),
    ],
)
def test_each_cap_is_a_clear_400_on_the_page_and_the_api(sample_index: Path, url: str, says: str) -> None:
    client = create_app(Settings().with_index(sample_index)).test_client()
    page = client.get(url)
    assert 400 == page.status_code and says in page.get_data(as_text=True)
    api = client.get("/api" + url)
    assert 400 == api.status_code and says in api.get_json()["error"]


def test_checked_loops_stop_once_the_budget_is_spent() -> None:
    items = list(range(1000))
    assert items == list(budget.checked(items))  # no budget open: every item
    with budget.limit(60):
        assert items == list(budget.checked(items, every=10))
    with budget.limit(SPENT):
        seen = []
        with pytest.raises(budget.OverBudget):
            for i in budget.checked(items, every=10):
                seen.append(i)
        assert seen == []  # checked before the first item


@pytest.mark.parametrize("url", ["/api/kwic?q=协商", "/api/trend?q=协商", "/api/search?q=协商&group=article", "/api/figures?metric=提案"])
def test_the_research_views_answer_a_spent_budget_with_a_503(spent_app, url: str) -> None:
    resp = spent_app.test_client().get(url)
    assert 503 == resp.status_code, resp.get_data(as_text=True)[:200]
    assert "检索范围太大" in resp.get_json()["error"]
