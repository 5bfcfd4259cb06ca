"""search.research on the sample index, every backend: grouped results, trends, the
concordance and citations, each checked against what the engine's public API says
paragraph by paragraph."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from search import engine as engine_module
from search import research
from search.engine import BadRequest, SearchEngine, SearchRequest
from search.indexer import build_index
from search.normalize import search_key

from .conftest import SAMPLES


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
@pytest.mark.parametrize("query", ["协商", "委员 提案", ""])
def test_groups_are_the_articles_of_the_matches_in_rank_order(engine: SearchEngine, query: str, sort: str) -> None:
    req = SearchRequest(query=query, sort=sort, per_page=2, group="article")
    hits = list(engine.iter_matches(req))
    order = list(dict.fromkeys(h.article_id for h in hits))  # each article at its best paragraph
    per_article = Counter(h.article_id for h in hits)
    best = defaultdict(list)
    for h in hits:
        best[h.article_id].append(h.id)
    seen = []
    for page in (1, 2, 3, 4):
        gp = research.group_articles(engine, replace(req, page=page))
        assert (len(order), len(hits)) == (gp.total, gp.paragraphs)
        for g in gp.groups:
            assert per_article[g.article_id] == g.matches
            assert best[g.article_id][: research.GROUP_HITS] == [h.id for h in g.hits]
            assert all(h.snippet for h in g.hits)
        seen += [g.article_id for g in gp.groups]
    assert order == seen
    assert gp.pages == -(-len(order) // 2)


@pytest.mark.parametrize("native", [False, True], ids=["listed", "native"])
@pytest.mark.parametrize("sort", ["relevance", "newest"])
@pytest.mark.parametrize("query", ["委员 OR 协商", "民主监督 OR 社情民意"])  # articles with 1-25 matches
def test_groups_from_a_short_ranked_prefix_equal_grouping_the_full_ranking(
    engine: SearchEngine, query: str, sort: str, native: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page of articles ranks only the best paragraphs until its articles have all come,
    growing that prefix 4x at a time; with a prefix of one paragraph every page needs it
    grown, and each page still equals the grouping of the whole ranking. `native`: a
    backend that counts and ranks on its own (tantivy) does so without listing the
    matches, as it does for large match sets."""
    monkeypatch.setattr(research, "GROUP_PREFIX", 1)
    monkeypatch.setattr(engine_module, "NATIVE_RANK_MIN", 0 if native else 10**9)
    req = SearchRequest(query=query, sort=sort, per_page=1, group="article")
    with engine.match_set(req) as ms:
        ranked = ms.ranked(None)
        arts = [int(ms.columns.article[d]) for d, _ in ranked]
        ids = {a: ms.store.articles[a].id for a in arts}
        order = [ids[a] for a in dict.fromkeys(arts)]
        best = defaultdict(list)
        for (d, s), a in zip(ranked, arts, strict=True):
            best[ids[a]].append((ms.hit(d).id, round(s, 5)))
    assert len(order) >= 4
    for page, article_id in enumerate(order, start=1):
        gp = research.group_articles(engine, replace(req, page=page))
        (g,) = gp.groups
        assert g.article_id == article_id
        assert [(h.id, round(h.score, 5)) for h in g.hits] == best[article_id][: research.GROUP_HITS]
        assert (gp.total, g.matches) == (len(order), len(best[article_id]))


@pytest.mark.parametrize(
    ("query", "filters"),
    [("协商", {}), ("委员 OR 协商", {"provinces": ("山东省",)}), ("委员 -协商", {"year_from": 2025}), ('"提出 建议"', {})],
)
def test_article_counts_equal_counting_the_listed_matches(engine: SearchEngine, query: str, filters: dict) -> None:
    """Counted by the backend where it can (tantivy, a query without spaced phrases),
    listed and counted otherwise: the same per-article numbers either way."""
    req = SearchRequest(query=query, **filters)
    with engine.match_set(req) as ms:
        counted = ms.article_counts()
        listed = np.bincount(ms.columns.article[ms.docs], minlength=len(ms.store.articles))
    assert counted.tolist() == listed.tolist()
    assert counted.sum() == engine.search(req).total > 0


def test_grouped_hits_of_a_traditional_query_are_highlighted(engine: SearchEngine) -> None:
    gp = research.group_articles(engine, SearchRequest(query="協商", group="article"))
    assert gp.groups and all("<mark>" in h.snippet for g in gp.groups for h in g.hits)
    assert gp.paragraphs == engine.search(SearchRequest(query="协商")).total


def test_group_value_is_checked(engine: SearchEngine) -> None:
    with pytest.raises(BadRequest, match="paragraph"):
        engine.search(SearchRequest(query="协商", group="paragraph"))


def _oracle(engine: SearchEngine, query: str, req: SearchRequest, key) -> tuple[Counter, Counter, Counter]:
    """(matching articles, matching paragraphs, filtered corpus articles) per key, counted
    from the hits of iter_matches."""
    arts, paras, corpus = Counter(), Counter(), Counter()
    seen: set[str] = set()
    for h in engine.iter_matches(replace(req, query=query)):
        paras[key(h)] += 1
        if h.article_id not in seen:
            seen.add(h.article_id)
            arts[key(h)] += 1
    seen = set()
    for h in engine.iter_matches(replace(req, query="")):
        if h.article_id not in seen:
            seen.add(h.article_id)
            corpus[key(h)] += 1
    return arts, paras, corpus


@pytest.mark.parametrize(
    "filters",
    [{}, {"provinces": ("山东省",)}, {"themes": ("提案工作",)}, {"year_from": 2025}],
    ids=["all", "province", "theme", "year"],
)
def test_trend_by_year_counts_and_shares_against_the_years_articles(engine: SearchEngine, filters: dict) -> None:
    req = SearchRequest(**filters)
    queries = ("协商", "提案", "数字化")
    t = research.trend(engine, req, queries, ("year",))
    assert queries == t.queries
    for q in queries:
        arts, paras, corpus = _oracle(engine, q, req, lambda h: h.year)
        rows = t.rows_of(q)
        years = [r.year for r in rows]
        assert years == list(range(min(corpus), max(corpus) + 1))  # every year of the span
        for r in rows:
            assert (arts[r.year], paras[r.year], corpus[r.year]) == (r.articles, r.paragraphs, r.articles_total)
            assert r.share == (round(r.articles / r.articles_total, 4) if r.articles_total else None)
    d = t.to_dict()
    assert ["queries", "by", "rows", "undated"] == list(d)
    assert ["query", "year", "articles", "paragraphs", "articles_total", "share"] == list(d["rows"][0])


def test_trend_by_province_and_by_year_and_province(engine: SearchEngine) -> None:
    req = SearchRequest()
    by_p = research.trend(engine, req, ("协商",), ("province",))
    arts, paras, corpus = _oracle(engine, "协商", req, lambda h: h.province)
    assert {r.province: (r.articles, r.paragraphs, r.articles_total) for r in by_p.rows} == {
        p: (arts[p], paras[p], corpus[p]) for p in corpus
    }
    assert ["query", "province", "articles", "paragraphs", "articles_total", "share"] == list(by_p.to_dict()["rows"][0])
    both = research.trend(engine, req, ("协商",), ("year", "province"))
    arts, paras, corpus = _oracle(engine, "协商", req, lambda h: (h.year, h.province))
    assert {(r.year, r.province): (r.articles, r.paragraphs, r.articles_total) for r in both.rows} == {
        k: (arts[k], paras[k], corpus[k]) for k in corpus
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [("year", ("year",)), ("", ("year",)), ("province", ("province",)), ("province,year", ("year", "province")),
     ("year, province", ("year", "province"))],
)  # fmt: skip
def test_parse_by(text: str, expected: tuple[str, ...]) -> None:
    assert expected == research.parse_by(text)


@pytest.mark.parametrize("text", ["city", "year,city", "decade"])
def test_parse_by_refuses_other_dimensions(text: str) -> None:
    with pytest.raises(BadRequest, match=re.escape(repr(text))):
        research.parse_by(text)


def test_split_queries() -> None:
    assert ("协商", "提案") == research.split_queries(" 协商，提案,, 协商 ")
    with pytest.raises(BadRequest, match="最多比较 4"):
        research.split_queries("a,b,c,d,e")


def _occurrences(engine: SearchEngine, query: str) -> list[tuple[str, int, str]]:
    """(paragraph id, start, text as written) of every occurrence, by a plain scan."""
    key = search_key(query)
    out = []
    for h in engine.iter_matches(SearchRequest(query=query)):
        k = search_key(h.text)
        out += [(h.id, m.start(), h.text[m.start() : m.end()]) for m in re.finditer(re.escape(key), k)]
    return out


@pytest.mark.parametrize("sort", research.KWIC_SORTS)
def test_concordance_lists_every_occurrence_as_written(engine: SearchEngine, sort: str) -> None:
    expected = _occurrences(engine, "协商")
    full = research.concordance(engine, SearchRequest(query="协商"), width=12, sort=sort, limit=10_000)
    assert len(expected) == full.total == len(full.lines)
    assert Counter((i, w) for i, _, w in expected) == Counter((x.paragraph_id, x.match) for x in full.lines)
    assert {"协商", "協商"} == {x.match for x in full.lines}  # the Traditional ones stay Traditional
    for x in full.lines:
        assert len(x.left) <= 12 and len(x.right) <= 12
        assert x.paragraph_id == f"{x.article_id}-p{x.position}"
    if sort == "left":  # by the nearest words: punctuation skipped
        keys = [re.sub(r"[\W_]+", "", search_key(x.left))[::-1] for x in full.lines]
        assert keys == sorted(keys) and keys != [search_key(x.left)[::-1] for x in full.lines]
    elif sort == "right":
        keys = [re.sub(r"[\W_]+", "", search_key(x.right)) for x in full.lines]
        assert keys == sorted(keys)
    elif sort == "year":
        assert [x.year for x in full.lines] == sorted(x.year for x in full.lines)
    else:
        places = [(x.province, x.city, x.district) for x in full.lines]
        assert places == sorted(places)
    # pages are consecutive slices of the same order
    page2 = research.concordance(engine, SearchRequest(query="协商", page=2, per_page=7), width=12, sort=sort)
    assert full.lines[7:14] == page2.lines
    assert page2.pages == -(-full.total // 7)


def test_concordance_with_filters_and_two_terms(engine: SearchEngine) -> None:
    req = SearchRequest(query="协商 提案", cities=("聊城市",))
    k = research.concordance(engine, req, limit=10_000)
    hits = list(engine.iter_matches(req))
    assert {x.paragraph_id for x in k.lines} == {h.id for h in hits}
    assert {x.match for x in k.lines} <= {"协商", "協商", "提案"}
    assert all(x.city == "聊城市" for x in k.lines)


@pytest.mark.parametrize(("width", "sort"), [(9, "year"), (41, "year"), (20, "random")])
def test_concordance_refuses_bad_width_and_sort(engine: SearchEngine, width: int, sort: str) -> None:
    with pytest.raises(BadRequest):
        research.concordance(engine, SearchRequest(query="协商"), width=width, sort=sort)


def test_concordance_stops_at_its_limit(engine: SearchEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    full = research.concordance(engine, SearchRequest(query="协商"), limit=10_000)
    monkeypatch.setattr(research, "KWIC_MAX_OCCURRENCES", 10)
    cut = research.concordance(engine, SearchRequest(query="协商"), limit=10_000)
    assert (False, True) == (full.truncated, cut.truncated)
    assert 10 <= cut.total < full.total  # whole paragraphs: the last one may add a few


def test_concordance_needs_a_term(engine: SearchEngine) -> None:
    with pytest.raises(BadRequest, match="需要检索词"):
        research.concordance(engine, SearchRequest(query=""))


@pytest.mark.parametrize(
    ("doc_type", "place", "body"),
    [
        ("政协常委会工作报告", ("山东省", "济南市", "市中区"), "政协济南市市中区委员会"),
        ("政协工作综述", ("山东省", "聊城市", ""), "政协聊城市委员会"),
        ("政府工作报告", ("上海市", "", ""), "上海市人民政府"),
        ("政府工作报告", ("全国", "", ""), "国务院"),
        ("人大决议与报告", ("河北省", "保定市", "顺平县"), "保定市顺平县人民代表大会"),
        ("党代会报告", ("全国", "", ""), "中国共产党中央委员会"),
        ("其他", ("河北省", "", ""), ""),
        ("政府工作报告", ("", "", ""), ""),
    ],
)
def test_issuing_body(doc_type: str, place: tuple[str, str, str], body: str) -> None:
    assert body == research.issuing_body(doc_type, *place)


def test_citation_formats() -> None:
    c = research.citation(
        article_id="002_d20d80895677d984-1", title="中国人民政治协商会议第十届济南市市中区委员会常务委员会工作报告",
        doc_type="政协常委会工作报告", province="山东省", city="济南市", district="市中区", year=2024,
        date_issued="2025-01-07", url="http://x.test/doc/002_d20d80895677d984-1#p3", cited=date(2026, 11, 29),
        position=3,
    )  # fmt: skip
    assert (
        "政协济南市市中区委员会. 中国人民政治协商会议第十届济南市市中区委员会常务委员会工作报告[EB/OL]. "
        "(2025-01-07)[2026-11-29]. http://x.test/doc/002_d20d80895677d984-1#p3."
    ) == c.gbt7714
    lines = c.bibtex.splitlines()
    assert re.fullmatch(r"@misc\{cppcc2024[0-9a-f]{8}p3,", lines[0]) and lines[-1] == "}"
    assert "  author = {{政协济南市市中区委员会}}," in lines
    assert "  year = {2025}," in lines and "  urldate = {2026-11-29}," in lines
    assert "  url = {http://x.test/doc/002_d20d80895677d984-1#p3}," in lines
    assert "  note = {政协常委会工作报告；工作年度 2024；第 4 段}" in lines  # #p3 is the fourth paragraph
    # no body, no date: the reference starts with the title; special characters escaped in BibTeX
    bare = research.citation(
        article_id="x", title="100% & 50_{a}", doc_type="其他", province="", city="", district="", year=None,
        date_issued="", url="http://x.test/doc/x", cited=date(2026, 1, 2),
    )  # fmt: skip
    assert "100% & 50_{a}[EB/OL]. [2026-01-02]. http://x.test/doc/x." == bare.gbt7714
    assert r"  title = {{100\% \& 50\_\{a\}}}," in bare.bibtex.splitlines()
    assert "author" not in bare.bibtex


def test_paragraph_ids_survive_a_rebuild_of_the_same_sources(
    engine: SearchEngine, backend: str, tmp_path: Path
) -> None:
    before = {h.id: h.text for h in engine.iter_matches(SearchRequest())}
    build_index([SAMPLES], tmp_path / "again", backend=backend, full=True)
    again = SearchEngine(tmp_path / "again")
    try:
        assert before == {h.id: h.text for h in again.iter_matches(SearchRequest())}
    finally:
        again.close()
