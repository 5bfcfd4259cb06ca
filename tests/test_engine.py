"""End to end on the five sample reports: real files -> real index -> searches."""

from __future__ import annotations

import re
from html import unescape

import pytest

from search.engine import ArticleNotFound, BadRequest, SearchEngine, SearchRequest
from search.normalize import search_key
from search.query import QuerySyntaxError

EXPECTED_ARTICLES = [
    ("山东省", "潍坊市", "", 2024),
    ("山东省", "聊城市", "", 2024),
    ("山东省", "济南市", "市中区", 2024),
    ("山东省", "淄博市", "", 2025),
    ("甘肃省", "武威市", "", 2024),
    ("甘肃省", "平凉市", "", 2024),
]

PINYIN_GLOSS = re.compile(r"\([a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")


@pytest.fixture(scope="module")
def paragraphs(engine: SearchEngine) -> list:
    """Every indexed paragraph (what `cppcc-search export` writes)."""
    return list(engine.iter_matches(SearchRequest()))


def scan(paragraphs: list, *keys: str) -> set[str]:
    """Ids of the paragraphs whose search key holds every key: the recall oracle."""
    return {p.id for p in paragraphs if all(search_key(k) in search_key(p.text) for k in keys)}


def ids(engine: SearchEngine, query: str, **filters: object) -> set[str]:
    """The typed words' matches (no synonyms: their recall is compared with a scan)."""
    return {h.id for h in engine.iter_matches(SearchRequest(query=query, expand=False, **filters))}


def test_six_articles_with_their_regions_and_years(engine: SearchEngine) -> None:
    found = [(a.province, a.city, a.district, a.year) for a in engine.articles()]
    assert sorted(found) == sorted(EXPECTED_ARTICLES)
    assert all(a.title and a.paragraphs > 5 for a in engine.articles())


def test_no_pinyin_gloss_or_boilerplate_is_left(paragraphs: list) -> None:
    text = "\n".join(p.text for p in paragraphs)
    assert not PINYIN_GLOSS.findall(text)
    for junk in ("版權所有", "版权所有", "打印本页", "Notice:", "当前位置", "▲", "</b>"):
        assert junk not in text, junk


@pytest.mark.parametrize(
    "query",
    ["协商", "提案", "社情民意", "营商环境", "民主监督", "委员工作室", "书香政协", "新质生产力",
     "有事多商量", "习近平", "中国式现代化", "75周年", "政", "担当", "擔當", "協商議政", "乡村振兴",
     "生态", "界别", "2024年"],
)  # fmt: skip
def test_recall_equals_a_substring_scan(engine: SearchEngine, paragraphs: list, query: str) -> None:
    expected = scan(paragraphs, query)
    assert expected, f"{query} should occur in the sample reports"
    assert ids(engine, query) == expected


@pytest.mark.parametrize(("a", "b"), [("协商", "提案"), ("委员", "界别"), ("政协", "營商環境")])
def test_and_of_two_terms_equals_the_scan(engine: SearchEngine, paragraphs: list, a: str, b: str) -> None:
    assert ids(engine, f"{a} {b}") == scan(paragraphs, a, b)


def test_or_and_not(engine: SearchEngine, paragraphs: list) -> None:
    assert ids(engine, "营商环境 OR 书香政协") == scan(paragraphs, "营商环境") | scan(paragraphs, "书香政协")
    assert ids(engine, "协商 -政协") == scan(paragraphs, "协商") - scan(paragraphs, "政协")
    assert ids(engine, "协商 NOT 政协") == ids(engine, "协商 -政协")


def test_phrase_search_finds_the_exact_phrase(engine: SearchEngine, paragraphs: list) -> None:
    phrase = '"全过程人民民主"'
    assert ids(engine, phrase) == scan(paragraphs, "全过程人民民主") != set()
    # words apart do not make the phrase
    assert ids(engine, '"民主协商"') == scan(paragraphs, "民主协商")


def test_phrase_with_a_space_keeps_its_pieces_together(engine: SearchEngine, paragraphs: list) -> None:
    together = re.compile(r"议政[\W_]*协商")
    expected = {p.id for p in paragraphs if together.search(search_key(p.text))}
    assert ids(engine, '"议政 协商"') == expected
    assert ids(engine, '"议政 协商"') < ids(engine, "议政 协商")  # the pieces apart do not count
    assert ids(engine, '政协 -"议政 协商"') == scan(paragraphs, "政协") - expected


@pytest.mark.parametrize("query", ["。", "%", "：", "?", "😀", "1"])
def test_a_query_of_punctuation_or_symbols_looks_for_it(engine: SearchEngine, paragraphs: list, query: str) -> None:
    assert ids(engine, query) == scan(paragraphs, query)


def test_traditional_and_simplified_queries_match_both(engine: SearchEngine, paragraphs: list) -> None:
    simp = engine.search(SearchRequest(query="协商"))
    trad = engine.search(SearchRequest(query="協商"))
    assert simp.total == trad.total > 0
    cities = {h.city for h in engine.iter_matches(SearchRequest(query="协商"))}
    assert "聊城市" in cities  # the traditional-script report
    liaocheng = engine.search(SearchRequest(query="协商", cities=("聊城市",)))
    assert any("協商" in unescape(h.snippet) for h in liaocheng.hits)


def test_title_search(engine: SearchEngine) -> None:
    found = {h.article_id for h in engine.iter_matches(SearchRequest(query="title:综述"))}
    titles = {a.id: a.title for a in engine.articles()}
    assert found == {i for i, t in titles.items() if "综述" in search_key(t)} != set()


def test_highlights_are_exactly_the_matched_text(engine: SearchEngine) -> None:
    for query in ("协商", "協商", "营商环境", "民主监督", "习近平"):
        page = engine.search(SearchRequest(query=query, per_page=50))
        assert page.hits
        for hit in page.hits:
            marked = re.findall(r"<mark>(.*?)</mark>", hit.snippet)
            assert marked, hit.id
            assert {search_key(unescape(m)) for m in marked} == {search_key(query)}


def test_snippets_escape_everything_but_mark(engine: SearchEngine) -> None:
    page = engine.search(SearchRequest(query="协商", per_page=100))
    for hit in page.hits:
        # <mark> and the lost-character placeholder are the only markup (search.snippets)
        assert re.sub(r"</?mark>|<span class=\"lost\"[^>]*>|</span>", "", hit.snippet).count("<") == 0


def test_filters_or_within_and_across_facets(engine: SearchEngine) -> None:
    q = "协商"
    weifang = engine.search(SearchRequest(query=q, cities=("潍坊市",))).total
    liaocheng = engine.search(SearchRequest(query=q, cities=("聊城市",))).total
    both = engine.search(SearchRequest(query=q, cities=("潍坊市", "聊城市")))
    assert both.total == weifang + liaocheng > 0
    gansu = engine.search(SearchRequest(query=q, provinces=("甘肃省",), per_page=100))
    assert gansu.total > 0 and {h.province for h in gansu.hits} == {"甘肃省"}
    zibo = engine.search(SearchRequest(query=q, provinces=("山东省",), years=(2025,), per_page=100))
    assert zibo.total > 0 and {h.city for h in zibo.hits} == {"淄博市"}
    ranged = engine.search(SearchRequest(query=q, year_from=2025, year_to=2025))
    assert ranged.total == zibo.total


def test_facet_counts_add_up_and_ignore_their_own_filter(engine: SearchEngine) -> None:
    page = engine.search(SearchRequest(query="委员"))
    assert sum(v.count for v in page.facets["province"]) == page.total
    assert sum(v.count for v in page.facets["year"]) == page.total
    assert sum(v.count for v in page.facets["city"]) == page.total
    shandong = {v.value: v.count for v in page.facets["province"]}["山东省"]
    assert shandong == sum(v.count for v in page.facets["city"] if v.parent == "山东省")
    chosen = engine.search(SearchRequest(query="委员", provinces=("甘肃省",)))
    assert [(v.value, v.count) for v in chosen.facets["province"]] == [
        (v.value, v.count) for v in page.facets["province"]
    ]
    assert [v.value for v in chosen.facets["province"] if v.selected] == ["甘肃省"]
    assert {v.value for v in chosen.facets["city"]} == {"武威市", "平凉市"}
    assert chosen.total == sum(v.count for v in chosen.facets["city"])
    themes = {v.value for v in page.facets["theme"]}
    assert "委员与机关建设" in themes


def test_district_facet_knows_its_city(engine: SearchEngine) -> None:
    page = engine.search(SearchRequest(query=""))
    assert [(v.value, v.parent) for v in page.facets["district"]] == [("市中区", "济南市")]


def test_pagination_covers_every_match_once(engine: SearchEngine) -> None:
    req = SearchRequest(query="政协", per_page=7)
    first = engine.search(req)
    seen: list[str] = []
    for n in range(1, first.pages + 1):
        seen += [h.id for h in engine.search(SearchRequest(query="政协", per_page=7, page=n)).hits]
    assert len(seen) == len(set(seen)) == first.total
    assert engine.search(SearchRequest(query="政协", per_page=7, page=first.pages + 1)).hits == ()


def test_sort_by_year(engine: SearchEngine) -> None:
    newest = [h.year for h in engine.search(SearchRequest(query="协商", sort="newest", per_page=100)).hits]
    oldest = [h.year for h in engine.search(SearchRequest(query="协商", sort="oldest", per_page=100)).hits]
    assert newest == sorted(newest, reverse=True) and newest[0] == 2025
    assert oldest == sorted(oldest)


def test_relevance_puts_dense_paragraphs_first(engine: SearchEngine) -> None:
    hits = engine.search(SearchRequest(query="提案")).hits
    assert hits[0].score >= hits[-1].score
    assert search_key(hits[0].text).count("提案") >= search_key(hits[-1].text).count("提案")


def test_browse_lists_everything(engine: SearchEngine, paragraphs: list) -> None:
    page = engine.search(SearchRequest())
    assert page.total == len(paragraphs)
    assert {v.value for v in page.facets["province"]} == {"山东省", "甘肃省"}


def test_document_view_highlights_matching_paragraphs(engine: SearchEngine) -> None:
    hit = engine.search(SearchRequest(query="社情民意")).hits[0]
    doc = engine.document(hit.article_id, "社情民意")
    assert doc.article.id == hit.article_id
    assert [p.position for p in doc.paragraphs] == list(range(len(doc.paragraphs)))
    target = next(p for p in doc.paragraphs if p.position == hit.position)
    assert target.matched and "<mark>社情民意</mark>" in target.html
    assert all(("<mark>" in p.html) == p.matched for p in doc.paragraphs)
    assert any(p.is_heading for p in doc.paragraphs)
    assert doc.match_count == len({h.id for h in engine.iter_matches(SearchRequest(query="社情民意")) if h.article_id == hit.article_id})


def test_unknown_document(engine: SearchEngine) -> None:
    with pytest.raises(ArticleNotFound):
        engine.document("no-such-article")


@pytest.mark.parametrize(
    "request_",
    [
        SearchRequest(page=0),
        SearchRequest(per_page=0),
        SearchRequest(per_page=1000),
        SearchRequest(sort="random"),
        SearchRequest(year_from=2025, year_to=2024),
        SearchRequest(years=(99999,)),
    ],
)
def test_bad_requests_are_named_errors(engine: SearchEngine, request_: SearchRequest) -> None:
    with pytest.raises(BadRequest):
        engine.search(request_)


def test_malformed_query_is_a_named_error(engine: SearchEngine) -> None:
    with pytest.raises(QuerySyntaxError):
        engine.search(SearchRequest(query='""'))


def test_json_shape(engine: SearchEngine) -> None:
    d = engine.search(SearchRequest(query="协商", per_page=2)).to_dict()
    assert list(d) == ["query", "total", "page", "per_page", "notices", "type_prior", "expanded", "suggestions", "hits", "facets"]
    assert list(d["facets"]) == ["province", "city", "district", "year", "theme", "doc_type", "level"]
    assert list(d["hits"][0]) == [
        "id", "article_id", "title", "province", "city", "district", "year", "delivered", "published",
        "doc_type", "level", "themes", "section", "role", "text", "snippet", "duplicates", "duplicate_ids",
    ]  # fmt: skip
    assert list(d["facets"]["province"][0]) == ["value", "count", "selected"]


def test_iter_matches_rejects_a_bad_query_before_iterating(engine: SearchEngine) -> None:
    with pytest.raises(QuerySyntaxError):
        engine.iter_matches(SearchRequest(query='协商 ""'))


def test_cached_matches_give_the_same_pages(engine: SearchEngine) -> None:
    req = SearchRequest(query="委员", cities=("济南市",))
    engine.clear_cache()
    cold = engine.search(req)
    warm = engine.search(req)
    assert cold.to_dict() == warm.to_dict()
    other = engine.search(SearchRequest(query="委员", cities=("潍坊市",)))  # same query, other filter
    assert {h.city for h in other.hits} == {"潍坊市"}


def test_hit_anchor_names_its_paragraph(engine: SearchEngine) -> None:
    hit = engine.search(SearchRequest(query="提案")).hits[0]
    doc = engine.document(hit.article_id, "提案")
    assert hit.anchor in {p.anchor for p in doc.paragraphs if p.matched}
    assert doc.to_dict()["match_count"] == doc.match_count


@pytest.mark.parametrize("sort", ["relevance", "newest"])
def test_no_match_is_an_empty_page(engine: SearchEngine, sort: str) -> None:
    page = engine.search(SearchRequest(query="民主协商", sort=sort))
    assert (page.total, page.hits) == (0, ())
    assert list(engine.iter_matches(SearchRequest(query="民主协商", sort=sort))) == []


def test_browsing_shows_the_first_real_paragraph_of_every_article_first(engine: SearchEngine) -> None:
    hits = engine.search(SearchRequest(per_page=6)).hits
    assert sorted(h.article_id for h in hits) == sorted(a.id for a in engine.articles())
    assert [h.year for h in hits] == sorted((h.year for h in hits), reverse=True)
    for h in hits:  # not 各位委员: nor a heading, and nothing substantial before it
        doc = engine.document(h.article_id)
        first = next(p for p in doc.paragraphs if not p.is_heading and len(p.text) >= 40)
        assert h.position == first.position


def test_a_title_does_not_drown_the_paragraphs(engine: SearchEngine) -> None:
    """协商 is in one report's title (中国人民政治协商会议…): its paragraphs must not fill the top."""
    top = engine.search(SearchRequest(query="协商", per_page=8)).hits
    assert len({h.article_id for h in top}) >= 3
    densest = max(engine.iter_matches(SearchRequest(query="协商")), key=lambda h: search_key(h.text).count("协商"))
    assert densest.id in {h.id for h in top[:3]}


def test_headings_do_not_outrank_the_paragraphs_under_them(engine: SearchEngine) -> None:
    """展現協商民主新作為 (a heading, 9 characters) ranked third for 协商 before headings were
    given a lower weight: BM25 favours short fields."""
    for query in ("协商", "民主"):
        top = engine.search(SearchRequest(query=query, per_page=3)).hits
        headings = {
            (p.position, d.article.id)
            for d in {engine.document(h.article_id) for h in top}
            for p in d.paragraphs
            if p.is_heading
        }
        assert [h.id for h in top if (h.position, h.article_id) in headings] == []
