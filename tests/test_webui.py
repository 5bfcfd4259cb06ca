"""The web front end through Flask's test client, over the real index of the sample reports."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from html import unescape
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from markupsafe import escape
from werkzeug.datastructures import MultiDict

from search.engine import SearchRequest
from search.normalize import search_key
from search.settings import Settings
from webui.app import create_app
from webui.params import BadParameter, Links, parse_request, request_args

# --- fixtures -------------------------------------------------------------------------------


# --- helpers: read what the user sees ---------------------------------------------------------


def html_of(resp) -> str:
    return resp.get_data(as_text=True)


def shown_total(html: str) -> int:
    """The result count printed in the summary line."""
    m = re.search(r'data-total="(\d+)"', html)
    assert m, "no result count on the page"
    return int(m.group(1))


def hit_items(html: str) -> list[str]:
    return re.findall(r'<li class="hit">(.*?)</li>\s*(?=<li class="hit">|</ol>)', html, re.S)


def hit_links(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'<h2 class="hit-title">\s*<a href="([^"]+)"', html)]


def facet_links(html: str, facet: str) -> dict[str, str]:
    """value -> href of every toggle link of one facet in the sidebar."""
    found = re.findall(
        r'<a class="toggle" href="([^"]+)" data-facet="' + facet + r'" data-value="([^"]*)"', html
    )
    return {unescape(value): unescape(href) for href, value in found}


def args_of(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query)


# --- params: URL <-> SearchRequest ------------------------------------------------------------


@pytest.mark.parametrize(
    "query_string, expected",
    [
        ("", SearchRequest()),
        ("q=+协商+", SearchRequest(query="协商")),
        (
            "q=协商&province=山东省&city=济南市&city=潍坊市&city=济南市&year=2024&theme=协商议政",
            SearchRequest(
                query="协商",
                provinces=("山东省",),
                cities=("济南市", "潍坊市"),
                years=(2024,),
                themes=("协商议政",),
            ),
        ),
        ("year_from=2025&year_to=2023", SearchRequest(year_from=2023, year_to=2025)),
        ("year_from=&year_to=&province=", SearchRequest()),
        ("page=3&per_page=50&sort=newest", SearchRequest(page=3, per_page=50, sort="newest")),
        (
            "doc_type=政府工作报告&level=市级&doc_type=+党代会报告+&doc_type=政府工作报告&level=",
            SearchRequest(doc_types=("政府工作报告", "党代会报告"), levels=("市级",)),
        ),
    ],
)
def test_parse_request(query_string: str, expected: SearchRequest) -> None:
    assert expected == parse_request(MultiDict(parse_qsl(query_string, keep_blank_values=True)))


@pytest.mark.parametrize(
    "query_string, message_part",
    [
        ("page=abc", "page"),
        ("page=0", "page"),
        ("per_page=101", "per_page"),
        ("per_page=0", "per_page"),
        ("year_from=xyz", "year_from"),
        ("year_to=99999", "year_to"),
        ("year=二〇二四", "year"),
        ("sort=random", "sort"),
        ("q=" + "政" * 501, "太长"),
    ],
)
def test_parse_request_rejects(query_string: str, message_part: str) -> None:
    with pytest.raises(BadParameter, match=message_part):
        parse_request(MultiDict(parse_qsl(query_string)))


def test_request_args_round_trip() -> None:
    req = SearchRequest(
        query="协商 OR 议政",
        provinces=("山东省",),
        cities=("济南市",),
        districts=("市中区",),
        years=(2024, 2025),
        year_from=2020,
        year_to=2025,
        themes=("协商议政",),
        doc_types=("政协常委会工作报告", "政协提案工作报告"),
        levels=("县级",),
        page=2,
        per_page=50,
        sort="oldest",
    )
    assert req == parse_request(MultiDict(request_args(req)))
    assert [] == request_args(SearchRequest())
    assert [("doc_type", "政府工作报告"), ("doc_type", "其他"), ("level", "全国")] == request_args(
        SearchRequest(doc_types=("政府工作报告", "其他"), levels=("全国",))
    )


def test_links_toggle_reset_page_and_keep_the_rest() -> None:
    links = Links(SearchRequest(query="协商", cities=("济南市",), page=3), "/search")
    assert [("q", "协商"), ("city", "济南市"), ("city", "潍坊市")] == args_of(
        links.toggle("city", "潍坊市")
    )
    assert [("q", "协商")] == args_of(links.toggle("city", "济南市"))
    assert [("q", "协商"), ("city", "济南市"), ("page", "4")] == args_of(links.page(4))
    assert "/search" == Links(SearchRequest(), "/search").current()
    typed = Links(SearchRequest(query="协商", doc_types=("政府工作报告",), page=2), "/search")
    assert [("q", "协商"), ("doc_type", "政府工作报告"), ("doc_type", "党代会报告")] == args_of(
        typed.toggle("doc_type", "党代会报告")
    )
    assert [("q", "协商"), ("doc_type", "政府工作报告"), ("level", "省级")] == args_of(
        typed.toggle("level", "省级")
    )
    assert [("q", "协商")] == args_of(typed.toggle("doc_type", "政府工作报告"))
    assert "/search?q=%E5%8D%8F%E5%95%86" == Links(
        SearchRequest(query="协商", doc_types=("其他",), levels=("全国",)), "/search"
    ).clear_filters()


# --- search page ------------------------------------------------------------------------------


def test_home_is_the_browse_view(client, engine) -> None:
    everything = engine.search(SearchRequest())
    resp = client.get("/")
    html = html_of(resp)
    assert 200 == resp.status_code
    assert 'lang="zh-CN"' in html and 'name="viewport"' in html
    assert everything.total == shown_total(html) > 0
    assert min(20, everything.total) == len(hit_items(html))
    provinces = {fv.value for fv in everything.facets["province"]}
    assert {"山东省", "甘肃省"} <= provinces
    assert provinces == set(facet_links(html, "province"))


def test_search_shows_count_time_and_highlighted_hits(client, engine) -> None:
    expected = engine.search(SearchRequest(query="协商"))
    html = html_of(client.get("/search?q=协商"))
    assert expected.total == shown_total(html) > 20
    assert "用时" in html and "毫秒" in html
    hits = hit_items(html)
    assert 20 == len(hits)
    assert all(
        re.search("<mark>[协協]商</mark>", h) for h in hits
    )  # the corpus has traditional text
    assert 'value="协商"' in html  # the box keeps the query
    first = expected.hits[0]
    assert f"/doc/{first.article_id}?q=%E5%8D%8F%E5%95%86#p{first.position}" == hit_links(html)[0]
    # region path and year of the first hit are shown
    path = " › ".join(p for p in (first.province, first.city, first.district) if p)
    assert path in unescape(hits[0])


def test_traditional_query_finds_the_same(client) -> None:
    simplified = shown_total(html_of(client.get("/search?q=协商")))
    traditional = client.get("/search?q=協商")
    assert simplified == shown_total(html_of(traditional))
    assert 'value="協商"' in html_of(traditional)
    assert simplified == client.get("/api/search?q=協商").get_json()["total"]


def test_phrase_search(client, engine) -> None:
    data = client.get('/api/search?q="营商环境"&per_page=100').get_json()
    assert engine.search(SearchRequest(query='"营商环境"', per_page=100)).total == data["total"] > 0
    assert all("营商环境" in search_key(h["text"]) for h in data["hits"])


def test_region_drill_down_province_then_city(client, engine) -> None:
    html = html_of(client.get("/search?q=协商"))
    to_shandong = facet_links(html, "province")["山东省"]
    assert [("q", "协商"), ("province", "山东省")] == args_of(to_shandong)

    html = html_of(client.get(to_shandong))
    in_shandong = engine.search(SearchRequest(query="协商", provinces=("山东省",)))
    assert in_shandong.total == shown_total(html)
    cities = facet_links(html, "city")
    assert {fv.value for fv in in_shandong.facets["city"] if fv.parent == "山东省"} == set(cities)
    assert {"济南市", "潍坊市"} <= set(cities)
    assert "武威市" not in cities  # a 甘肃省 city is not offered under 山东省

    html = html_of(client.get(cities["济南市"]))
    in_jinan = engine.search(SearchRequest(query="协商", provinces=("山东省",), cities=("济南市",)))
    assert in_jinan.total == shown_total(html) > 0
    assert in_jinan.total < in_shandong.total
    assert all("山东省 › 济南市" in unescape(h) for h in hit_items(html))
    # breadcrumb: 全部地区 and 山东省 are links that widen, 济南市 is where we are
    crumbs = re.search(r'<nav class="breadcrumb".*?</nav>', html, re.S).group(0)
    assert ">全部地区</a>" in crumbs and ">山东省</a>" in crumbs
    assert '<span class="here" aria-current="location">济南市</span>' in crumbs
    widen = unescape(re.search(r'<a href="([^"]+)">全部地区</a>', crumbs).group(1))
    assert [("q", "协商")] == args_of(widen)
    # unselecting the province also drops its city
    assert [("q", "协商")] == args_of(facet_links(html, "province")["山东省"])


def test_region_tree_opens_down_to_districts_and_unpicks_whole_branches(client) -> None:
    html = html_of(client.get("/search?province=山东省&city=济南市&district=市中区"))
    assert shown_total(html) > 0
    assert ["市中区"] == list(facet_links(html, "district"))
    assert "/search" == facet_links(html, "province")["山东省"]
    assert [("province", "山东省")] == args_of(facet_links(html, "city")["济南市"])
    assert [("province", "山东省"), ("city", "济南市")] == args_of(
        facet_links(html, "district")["市中区"]
    )
    crumbs = re.search(r'<nav class="breadcrumb".*?</nav>', html, re.S).group(0)
    widen_to_city = unescape(re.search(r'<a href="([^"]+)">济南市</a>', crumbs).group(1))
    assert [("province", "山东省"), ("city", "济南市")] == args_of(widen_to_city)


def test_multi_select_is_or_within_a_facet_and_across_facets(client) -> None:
    def total(qs: str) -> int:
        return client.get("/api/search?" + qs).get_json()["total"]

    jinan, weifang = total("city=济南市"), total("city=潍坊市")
    assert jinan > 0 and weifang > 0
    assert jinan + weifang == total("city=济南市&city=潍坊市")
    assert 0 == total("province=甘肃省&city=济南市")
    html = html_of(client.get("/search?city=济南市&city=潍坊市"))
    assert jinan + weifang == shown_total(html)
    chips = re.findall(r'<a class="chip" href="([^"]+)"', html)
    assert [[("city", "潍坊市")], [("city", "济南市")]] == [args_of(unescape(c)) for c in chips]
    assert 'class="clear-all" href="/search"' in html


def test_year_range_filters_and_is_removable(client, engine) -> None:
    everything = engine.search(SearchRequest())
    in_2024 = {fv.value: fv.count for fv in everything.facets["year"]}["2024"]
    data = client.get("/api/search?year_from=2024&year_to=2024&per_page=100").get_json()
    assert in_2024 == data["total"]
    assert {2024} == {h["year"] for h in data["hits"]}
    html = html_of(client.get("/search?year_from=2024&year_to=2024"))
    assert in_2024 == shown_total(html)
    assert "2024–2024" in html
    assert '<option value="2024" selected>' in html


def test_pagination(client, engine) -> None:
    total = engine.search(SearchRequest(query="协商")).total
    one = hit_links(html_of(client.get("/search?q=协商&per_page=5")))
    two = hit_links(html_of(client.get("/search?q=协商&per_page=5&page=2")))
    assert 5 == len(one) == len(two)
    assert not set(one) & set(two)
    last = -(-total // 5)
    html = html_of(client.get("/search?q=协商&per_page=5"))
    assert f">{last}</a>" in html and 'rel="next"' in html
    beyond = client.get("/search?q=协商&page=999")
    assert 200 == beyond.status_code
    assert [] == hit_items(html_of(beyond))
    assert "第 999 页没有结果" in html_of(beyond)
    assert [] == client.get("/api/search?q=协商&page=999").get_json()["hits"]


@pytest.mark.parametrize("sort, newest_first", [("newest", True), ("oldest", False)])
def test_sort_by_year(client, sort: str, newest_first: bool) -> None:
    hits = client.get(f"/api/search?q=协商&per_page=100&sort={sort}").get_json()["hits"]
    years = [h["year"] for h in hits if h["year"] is not None]
    assert len(years) > 1
    assert sorted(years, reverse=newest_first) == years


# --- JSON and CSV twins -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "query_string, search_request",
    [
        ("q=协商", SearchRequest(query="协商")),
        ("", SearchRequest()),
        (
            "q=协商&province=山东省&theme=协商议政&sort=newest&per_page=7&page=2",
            SearchRequest(
                query="协商",
                provinces=("山东省",),
                themes=("协商议政",),
                sort="newest",
                per_page=7,
                page=2,
            ),
        ),
        (
            "q=协商&doc_type=政府工作报告&doc_type=政协工作综述&level=市级",
            SearchRequest(query="协商", doc_types=("政府工作报告", "政协工作综述"), levels=("市级",)),
        ),
    ],
)
def test_api_search_is_the_engine_page(client, engine, query_string, search_request) -> None:
    resp = client.get("/api/search?" + query_string)
    assert 200 == resp.status_code
    assert "application/json" == resp.mimetype
    assert engine.search(search_request).to_dict() == resp.get_json()
    assert "协商" in resp.get_data(as_text=True) or not search_request.query  # not \u-escaped


def test_csv_exports_every_match(client, engine) -> None:
    total = engine.search(SearchRequest(query="协商", provinces=("山东省",))).total
    resp = client.get("/search.csv?q=协商&province=山东省")
    assert 200 == resp.status_code
    assert resp.mimetype == "text/csv"
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    body = resp.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert [
        "id",
        "article_id",
        "title",
        "province",
        "city",
        "district",
        "year",
        "delivered",
        "doc_type",
        "level",
        "themes",
        "section",
        "text",
    ] == rows[0]
    assert total == len(rows) - 1 > 20  # not just one page
    assert {"山东省"} == {r[3] for r in rows[1:]}
    assert all("协商" in search_key(r[12]) for r in rows[1:])
    with_themes = [r[10] for r in rows[1:] if ";" in r[10]]
    assert with_themes, "themes are joined with ';'"


def test_csv_of_no_match_is_just_the_header(client) -> None:
    body = client.get("/search.csv?q=不存在的词语组合xyzzy").get_data().decode("utf-8-sig")
    assert 1 == len(list(csv.reader(io.StringIO(body))))


def test_api_articles_and_articles_page(client, engine) -> None:
    articles = engine.articles()
    data = client.get("/api/articles").get_json()
    assert len(articles) == data["total"] == len(data["articles"]) >= 6
    assert [a.to_dict() for a in articles] == data["articles"]
    html = html_of(client.get("/articles"))
    assert all(f'href="/doc/{a.id}"' in html for a in articles)


# --- document view ----------------------------------------------------------------------------


def test_document_view(client, engine) -> None:
    hit = next(h for h in engine.search(SearchRequest(query="协商", per_page=50)).hits if "协商" in h.text)
    doc = engine.document(hit.article_id, query="协商")
    resp = client.get(f"/doc/{hit.article_id}?q=协商")
    html = html_of(resp)
    assert 200 == resp.status_code
    assert [p.anchor for p in doc.paragraphs] == re.findall(r'id="(p\d+)"', html)
    assert f'id="p{hit.position}" class="para matched"' in html
    assert doc.match_count == html.count("para matched") + html.count("para heading matched") > 0
    assert "<mark>协商</mark>" in html
    assert f"{doc.article.paragraphs} 段" in html
    assert doc.article.source in html
    assert unescape(doc.article.title) in unescape(html)
    headings = [p for p in doc.paragraphs if p.is_heading]
    if headings:
        assert re.search(r'<h[23] id="p\d+" class="para heading', html)
    assert 'href="/search?q=%E5%8D%8F%E5%95%86"' in html  # back to the search


def test_document_back_link_returns_to_the_referring_search(client, engine) -> None:
    article_id = engine.articles()[0].id
    referrer = (
        "http://localhost/search?q=%E5%8D%8F%E5%95%86&province=%E5%B1%B1%E4%B8%9C%E7%9C%81&page=2"
    )
    html = html_of(client.get(f"/doc/{article_id}?q=协商", headers={"Referer": referrer}))
    back = 'href="/search?q=%E5%8D%8F%E5%95%86&amp;province=%E5%B1%B1%E4%B8%9C%E7%9C%81&amp;page=2"'
    assert back in html
    # Also in the sticky sidebar, so the way back is in sight deep in a long report.
    side = re.search(r'<aside class="doc-side".*?</aside>', html, re.S).group(0)
    assert f'<p class="side-back"><a {back}>' in side
    assert "<kbd>n</kbd> / <kbd>p</kbd>" in html  # the match-jump keys are told
    other = html_of(
        client.get(f"/doc/{article_id}", headers={"Referer": "https://evil.example/search?q=x"})
    )
    assert 'class="back-link"' in other and "evil.example" not in other


@pytest.mark.parametrize(
    ("path", "label"),
    [("/figures", "返回数字对比"), ("/kwic", "返回索引行"), ("/trend", "返回趋势"), ("/articles", "返回全部文章"),
     ("/search", "返回检索结果"), ("/", "返回检索结果")],
)  # fmt: skip
def test_the_way_back_from_a_document_leads_to_the_page_it_was_opened_from(client, engine, path: str, label: str) -> None:
    """From /figures it led to /search?q="1057件", a search nobody ran."""
    article_id = engine.articles()[0].id
    came_from = f"{path}?q=%E5%8D%8F%E5%95%86&province=%E5%B1%B1%E4%B8%9C%E7%9C%81"
    html = html_of(client.get(f"/doc/{article_id}?q=协商", headers={"Referer": f"http://localhost{came_from}"}))
    assert f'<a href="{escape(came_from)}" class="back-link">‹ {label}</a>' in html
    assert f'<p class="side-back"><a href="{escape(came_from)}">‹ {label}</a></p>' in html
    # a JSON twin is no page to go back to: a search for the query
    api = html_of(client.get(f"/doc/{article_id}?q=协商", headers={"Referer": "http://localhost/api/search?q=x"}))
    assert '<a href="/search?q=%E5%8D%8F%E5%95%86" class="back-link">‹ 返回检索结果</a>' in api


def test_api_document(client, engine) -> None:
    article_id = engine.articles()[0].id
    doc = engine.document(article_id, query="政协")
    data = client.get(f"/api/doc/{article_id}?q=政协").get_json()
    assert doc.article.to_dict() == data["article"]
    assert [p.anchor for p in doc.paragraphs] == [p["anchor"] for p in data["paragraphs"]]
    assert doc.match_count == data["match_count"] > 0


def test_unknown_document_is_404(client) -> None:
    resp = client.get("/doc/no-such-article")
    assert 404 == resp.status_code
    assert "没有找到这篇文章" in html_of(resp) and "no-such-article" in html_of(resp)
    api = client.get("/api/doc/no-such-article")
    assert 404 == api.status_code and "error" in api.get_json()


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ['""', '协商 "  "', 'title:""'])
def test_malformed_query_is_400_with_a_message(client, query: str) -> None:
    resp = client.get("/search", query_string={"q": query})
    assert 400 == resp.status_code
    html = html_of(resp)
    assert 'class="query-error"' in html and "Traceback" not in html
    assert 'class="facets"' in html  # the sidebar stays
    api = client.get("/api/search", query_string={"q": query})
    assert 400 == api.status_code
    assert ["error"] == list(api.get_json())
    assert api.get_json()["error"]
    csv_resp = client.get("/search.csv", query_string={"q": query})
    assert 400 == csv_resp.status_code and "error" in csv_resp.get_json()


@pytest.mark.parametrize(
    ("query", "notice", "found"),
    [
        ("场场“聚", "引号没有配对", "场场“聚"),
        ("-固守圆心筑同心", "按原文", "-固守圆心筑同心"),
        ("title:", "普通文字", None),
    ],
)
def test_pasted_text_is_searched_with_a_notice(client, query: str, notice: str, found: str | None) -> None:
    api = client.get("/api/search", query_string={"q": query})
    assert 200 == api.status_code
    d = api.get_json()
    assert [n for n in d["notices"] if notice in n]
    if found is not None:
        assert d["total"] >= 1 and all(found in h["text"] for h in d["hits"])
    html = html_of(client.get("/search", query_string={"q": query}))
    assert '<p class="notice" role="status">' in html and notice in html


def test_malformed_query_page_keeps_the_filters_for_the_next_try(client) -> None:
    resp = client.get(
        "/search", query_string={"q": '协商 ""', "province": "山东省", "sort": "newest"}
    )
    html = html_of(resp)
    assert 400 == resp.status_code
    assert "引号里是空的" in html  # the engine's own message
    assert 'value="协商 &#34;&#34;"' in html  # the box keeps the query to fix
    assert '<input type="hidden" name="province" value="山东省">' in html
    assert '<input type="hidden" name="sort" value="newest">' in html


@pytest.mark.parametrize(
    "query_string, names",
    [
        ("page=abc", "page"),
        ("year_from=xyz", "year_from"),
        ("per_page=101", "per_page"),
        ("sort=bogus", "sort"),
        ("year=20x4", "year"),
    ],
)
def test_bad_params_are_400_not_500(client, query_string: str, names: str) -> None:
    resp = client.get("/search?q=协商&" + query_string)
    assert 400 == resp.status_code
    assert names in html_of(resp)
    api = client.get("/api/search?q=协商&" + query_string)
    assert 400 == api.status_code and names in api.get_json()["error"]


def test_unknown_route_is_a_friendly_404(client) -> None:
    resp = client.get("/nowhere")
    assert 404 == resp.status_code and "没有这个页面" in html_of(resp)
    assert {"error": "没有这个页面。"} == client.get("/api/nowhere").get_json()


def test_missing_index_is_503_explaining_what_to_run(tmp_path: Path) -> None:
    client = create_app(Settings().with_index(tmp_path / "empty")).test_client()
    resp = client.get("/search?q=协商")
    assert 503 == resp.status_code
    assert "cppcc-search index" in html_of(resp)
    api = client.get("/api/search?q=协商")
    assert 503 == api.status_code and "cppcc-search index" in api.get_json()["error"]


# --- escaping ---------------------------------------------------------------------------------

XSS = "<script>alert(1)</script>"


def test_query_is_escaped_everywhere(client) -> None:
    for url in ("/search", "/doc/x", "/articles", "/search.csv"):
        resp = client.get(url, query_string={"q": XSS})
        assert "<script>alert(1)" not in resp.get_data(as_text=True)
    assert "application/json" == client.get("/api/search", query_string={"q": XSS}).mimetype
    html = html_of(client.get("/search", query_string={"q": XSS}))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_filter_values_are_escaped_in_chips_and_facets(client) -> None:
    resp = client.get(
        "/search", query_string={"province": XSS, "theme": '"><img src=x onerror=alert(1)>'}
    )
    html = html_of(resp)
    assert 200 == resp.status_code
    assert 0 == shown_total(html)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the chip shows it as text
    assert resp.headers["Content-Security-Policy"].startswith("default-src 'self'")


@pytest.mark.parametrize("arg", ["doc_type", "level"])
def test_a_hostile_type_or_level_is_text_and_can_be_unpicked(client, arg: str) -> None:
    hostile = '"><img src=x onerror=alert(1)><script>alert(1)</script>'
    resp = client.get("/search", query_string={"q": "协商", arg: hostile})
    html = html_of(resp)
    assert 200 == resp.status_code and 0 == shown_total(html)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    label = {"doc_type": "文档类型", "level": "层级"}[arg]
    chip = re.search(r'<a class="chip" href="([^"]+)".*?</a>', html, re.S)
    assert f'<span class="chip-label">{label}：</span>{escape(hostile)}<span' in chip.group(0)
    assert [("q", "协商")] == args_of(unescape(chip.group(1)))
    # The picked value is listed in its facet (count 0), its link unpicks it.
    assert {hostile: "/search?q=%E5%8D%8F%E5%95%86"} == {
        v: u for v, u in facet_links(html, arg).items() if v == hostile
    }
    api = client.get("/api/search", query_string={"q": "协商", arg: hostile}).get_json()
    assert {"value": hostile, "count": 0, "selected": True} in api["facets"][arg]


def test_csv_defuses_cells_that_spreadsheets_would_run(client) -> None:
    from webui.views import _cell

    assert [_cell(v) for v in ["=1+1", "+86", "-协商", "@x", "协商", 2024, ""]] == [
        "'=1+1", "'+86", "'-协商", "'@x", "协商", 2024, "",
    ]  # fmt: skip
    rows = list(csv.reader(io.StringIO(client.get("/search.csv?q=协商").get_data(as_text=True).lstrip("\ufeff"))))
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


# --- long facet lists ---------------------------------------------------------------------------


def test_split_top_folds_long_lists_but_never_a_picked_value() -> None:
    from search.facets import FacetValue
    from webui.sidebar import FACET_SHOWN, split_top

    short = [FacetValue(f"v{i}", 100 - i) for i in range(FACET_SHOWN + 2)]
    assert (tuple(short), ()) == split_top(short)  # "更多 2 个" is not worth a toggle
    values = [FacetValue(f"v{i}", 100 - i, selected=(i == 25)) for i in range(31)]
    top, rest = split_top(values)
    assert [f"v{i}" for i in range(FACET_SHOWN)] + ["v25"] == [v.value for v in top]
    assert 31 - FACET_SHOWN - 1 == len(rest) and all(not v.selected for v in rest)


def test_long_facet_list_shows_the_top_and_folds_the_rest(client, engine, monkeypatch) -> None:
    from webui import sidebar

    FACET_SHOWN = 5  # the sample corpus has 13 themes; the real default folds 31 provinces
    monkeypatch.setattr(sidebar, "FACET_SHOWN", FACET_SHOWN)
    themes = engine.search(SearchRequest()).facets["theme"]
    assert len(themes) > FACET_SHOWN + sidebar.FACET_SLACK
    html = html_of(client.get("/"))
    section = re.search(r'<section class="facet facet-theme">.*?</section>', html, re.S).group(0)
    shown, folded = section.split('<details class="more">')
    assert [fv.value for fv in themes[:FACET_SHOWN]] == list(facet_links(shown, "theme"))
    assert [fv.value for fv in themes[FACET_SHOWN:]] == list(facet_links(folded, "theme"))
    assert f"更多 {len(themes) - FACET_SHOWN} 个" in folded and "收起" in folded
    # Pick the last theme: it moves out of the fold, so it can be seen and unpicked.
    last = themes[-1].value
    html = html_of(client.get(facet_links(html, "theme")[last]))
    section = re.search(r'<section class="facet facet-theme">.*?</section>', html, re.S).group(0)
    shown = section.split('<details class="more">')[0]
    assert last in facet_links(shown, "theme")


# --- the year histogram -----------------------------------------------------------------------


def test_year_bars_fill_the_gaps_so_the_axis_is_time() -> None:
    from search.engine import SearchPage
    from search.facets import FacetValue
    from webui.sidebar import year_bars

    req = SearchRequest(years=(2021, 2030))
    page = SearchPage(
        req,
        total=5,
        hits=(),
        facets={"year": (FacetValue("2019", 10), FacetValue("2021", 5, True), FacetValue("2024", 20))},
    )
    bars = year_bars(page, Links(req, "/search"))
    assert [*map(str, range(2019, 2025)), "2030"] == [b.value for b in bars]  # picked beyond: alone
    by_year = {b.value: b for b in bars}
    assert (10, 50) == (by_year["2019"].count, by_year["2019"].percent)
    assert by_year["2021"].selected and by_year["2030"].selected  # picked, even with no paragraphs
    assert [("year", "2030")] == args_of(by_year["2021"].url)  # the link unpicks 2021
    assert [("year", "2021")] == args_of(by_year["2030"].url)
    assert ("", 0) == (by_year["2020"].url, by_year["2020"].count)  # a gap is not a link
    far = replace(page, request=SearchRequest(years=(1900, 2021, 2100)))
    assert ["1900", *map(str, range(2019, 2025)), "2100"] == [b.value for b in year_bars(far, Links(far.request, "/"))]
    nothing = SearchPage(SearchRequest(years=(2030, 1900)), total=0, hits=(), facets={"year": ()})
    assert ["1900", "2030"] == [b.value for b in year_bars(nothing, Links(nothing.request, "/"))]


@pytest.mark.parametrize(
    ("first", "last", "labelled"),
    [
        (2001, 2025, ["2005", "2010", "2015", "2020"]),  # every 5 years; 2025 is the edge
        (1980, 2025, ["1980", "1990", "2000", "2010", "2020"]),
        (1921, 2025, ["1940", "1960", "1980", "2000"]),  # 105 years: every 20, not 10 run together
        (1700, 2025, ["1700", "1800", "1900"]),
    ],
)
def test_a_compact_histogram_labels_few_enough_years_to_read(first: int, last: int, labelled: list) -> None:
    from webui.sidebar import MAX_TICKS, YearBar, year_ticks

    bars = [YearBar(str(y), 1, 10, False, True, "") for y in range(first, last + 1)]
    ticks = year_ticks(bars)
    assert labelled == sorted(ticks) and len(ticks) <= MAX_TICKS


def test_many_years_make_a_compact_histogram_with_a_year_list(client, engine, monkeypatch) -> None:
    from webui import sidebar

    monkeypatch.setattr(sidebar, "HISTOGRAM_LABELLED", 1)  # the sample corpus has two years
    years = {fv.value: fv.count for fv in engine.search(SearchRequest()).facets["year"]}
    html = html_of(client.get("/"))
    section = re.search(r'<section class="facet facet-year">.*?</section>', html, re.S).group(0)
    assert 'class="histogram is-compact"' in section
    for year, count in years.items():
        assert f'aria-label="{year} 年：{count} 段"' in section
    listed = re.findall(
        r'data-facet="year" data-value="(\d+)".*?<span class="count">(\d+)</span>', section, re.S
    )
    assert sorted(years.items(), reverse=True) == [(y, int(c)) for y, c in listed]
    assert f"逐年列表（{len(years)} 年）" in section
    monkeypatch.undo()
    assert "is-compact" not in html_of(client.get("/"))


# --- no results ---------------------------------------------------------------------------------


def empty_box(html: str) -> str:
    return unescape(re.search(r'<div class="empty">(.*?)</div>', html, re.S).group(1))


def test_no_results_under_filters_says_what_each_filter_costs(client, engine) -> None:
    html = html_of(client.get("/search?q=协商&province=甘肃省&city=济南市"))
    assert 0 == shown_total(html)
    box = empty_box(html)
    relax = dict(
        (text, url)
        for url, text in re.findall(r'<a class="relax" href="([^"]+)">(\d+) 段</a>', box)
    )
    in_gansu = engine.search(SearchRequest(query="协商", provinces=("甘肃省",))).total
    in_jinan = engine.search(SearchRequest(query="协商", cities=("济南市",))).total
    anywhere = engine.search(SearchRequest(query="协商")).total
    assert 0 < in_gansu and 0 < in_jinan
    assert f"去掉「城市：济南市」可找到 {in_gansu} 段" in re.sub(r"<[^>]+>", "", box)
    assert f"去掉「省份：甘肃省」可找到 {in_jinan} 段" in re.sub(r"<[^>]+>", "", box)
    assert [("q", "协商")] == args_of(relax[str(anywhere)])
    assert shown_total(html_of(client.get(relax[str(in_gansu)]))) == in_gansu


def test_no_results_anywhere_says_so(client) -> None:
    box = empty_box(html_of(client.get("/search?q=火星基地&province=山东省")))
    assert "不加筛选也没有结果" in box and 'class="relax"' not in box


def test_a_picked_place_the_tree_cannot_show_stays_unpickable(client) -> None:
    # 济南市 picked under 甘肃省: no paragraph, so the tree has no branch for it.
    html = html_of(client.get("/search?province=甘肃省&city=济南市&district=市中区"))
    assert 0 == shown_total(html)
    cities, districts = facet_links(html, "city"), facet_links(html, "district")
    assert [("province", "甘肃省"), ("district", "市中区")] == args_of(cities["济南市"])
    assert [("province", "甘肃省"), ("city", "济南市")] == args_of(districts["市中区"])


def test_hit_titles_mark_the_query_and_stay_escaped(client) -> None:
    html = client.get("/search?q=协商&city=济南市").get_data(as_text=True)
    assert "中国人民政治<mark>协商</mark>会议" in html
    html = client.get("/search?q=<script>").get_data(as_text=True)
    assert "<script>" not in html.split("<body", 1)[1].replace('<script src="/static/app.js', "")


@pytest.mark.parametrize(
    "url",
    [
        "/search?page=" + "9" * 5000,
        "/search?per_page=" + "1" * 5000,
        "/search?year=" + "2" * 5000,
        "/api/search?year_from=" + "2" * 5000,
    ],
)
def test_huge_numbers_are_a_400_not_a_500(client, url: str) -> None:
    assert client.get(url).status_code == 400


def test_a_malformed_referer_does_not_break_the_document_view(client, engine) -> None:
    article = engine.articles()[0]
    resp = client.get(f"/doc/{article.id}", headers={"Referer": "http://[::1/search"})
    assert resp.status_code == 200


def test_the_search_box_allows_what_the_server_accepts(client) -> None:
    from search.query import MAX_QUERY_LENGTH

    assert f'maxlength="{MAX_QUERY_LENGTH}"' in client.get("/").get_data(as_text=True)


# --- document type, level, work year and delivery date ------------------------------------------


def hand_made_page(req: SearchRequest):
    """A SearchPage as the engine would return it once types and levels are detected."""
    from search.engine import Hit, SearchPage
    from search.facets import FacetValue

    def hit(n: int, **meta: str) -> Hit:
        return Hit(
            id=f"a-1-p{n}", article_id="a-1", title="市中区政协常委会工作报告", province="山东省",
            city="济南市", district="市中区", year=2024, themes=(), section="", text="协商",
            snippet="<mark>协商</mark>", position=n, **meta,
        )  # fmt: skip

    hits = (
        hit(3, doc_type="政协常委会工作报告", level="县级", delivered="2025-01-07", published="2025-01-07"),
        hit(4, doc_type="", level="", delivered=""),
        hit(5, doc_type=XSS, level="", delivered="2026"),
    )
    facets = {
        "doc_type": (FacetValue("政协常委会工作报告", 40, True), FacetValue("政府工作报告", 7)),
        "level": (FacetValue("县级", 30), FacetValue("其他级别", 9), FacetValue("全国", 2), FacetValue("市级", 15)),
        "year": (FacetValue("2024", 47),),
    }  # fmt: skip
    return SearchPage(req, total=len(hits), hits=hits, facets=facets)


def test_hits_show_type_level_and_delivery_and_nothing_when_unknown(app) -> None:
    from webui.views import render_search

    req = SearchRequest(query="协商", doc_types=("政协常委会工作报告",))
    with app.test_request_context("/search"):
        html = render_search(hand_made_page(req))
    known, unknown, hostile = hit_items(html)
    assert '<span class="doc-type" title="文档类型">政协常委会工作报告</span>' in known
    assert '<span class="level" title="层级">县级</span>' in known
    assert '<span class="delivered" title="网页发布的日期">发布 <time datetime="2025-01-07">2025-01-07</time>' in known
    assert '2024 年度</span>' in known
    for cls in ("doc-type", "level", "delivered"):
        assert f'class="{cls}"' not in unknown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</span>" in hostile and "<script>" not in hostile
    # a delivery year alone, from the text (a session), not the page
    assert '<span class="delivered" title="作报告的日期">报告 <time datetime="2026">2026</time>' in hostile


def test_type_and_level_facets_toggle_like_themes(app) -> None:
    from webui.views import render_search

    req = SearchRequest(query="协商", doc_types=("政协常委会工作报告",))
    with app.test_request_context("/search"):
        html = render_search(hand_made_page(req))
    types = re.search(r'<section class="facet facet-doc-type">.*?</section>', html, re.S).group(0)
    assert "<h2 class=\"facet-title\">文档类型</h2>" in types
    assert {
        "政协常委会工作报告": [("q", "协商")],  # picked: the link unpicks it
        "政府工作报告": [("q", "协商"), ("doc_type", "政协常委会工作报告"), ("doc_type", "政府工作报告")],
    } == {v: args_of(u) for v, u in facet_links(types, "doc_type").items()}
    assert 'aria-current="true"' in types.split("政府工作报告")[0]
    levels = re.search(r'<section class="facet facet-level">.*?</section>', html, re.S).group(0)
    # Top-down, not by count; an unexpected level comes last.
    assert ["全国", "市级", "县级", "其他级别"] == list(facet_links(levels, "level"))
    counts = re.findall(r'data-value="([^"]+)".*?<span class="count">(\d+)</span>', levels, re.S)
    assert [("全国", "2"), ("市级", "15"), ("县级", "30"), ("其他级别", "9")] == counts
    assert [("q", "协商"), ("doc_type", "政协常委会工作报告"), ("level", "全国")] == args_of(
        facet_links(levels, "level")["全国"]
    )


def test_type_and_level_facets_are_left_out_when_the_index_has_none(app) -> None:
    from search.engine import SearchPage
    from webui.views import render_search

    with app.test_request_context("/search"):
        html = render_search(SearchPage(SearchRequest(), total=0, hits=()))
    assert "facet-doc-type" not in html and "facet-level" not in html
    assert "facet-theme" in html  # the others still say 无


def test_year_facet_says_it_is_the_work_year(client) -> None:
    html = html_of(client.get("/search?year=2024"))
    section = re.search(r'<section class="facet facet-year">.*?</section>', html, re.S).group(0)
    assert ">工作年度</h2>" in section
    assert '<p class="facet-note">报告回顾的工作年度，不是发布年份</p>' in section
    assert '<span class="chip-label">工作年度：</span>2024<span' in html


def test_hits_show_the_delivery_date_of_their_article(client, engine) -> None:
    page = engine.search(SearchRequest(query="协商", per_page=100))
    items = hit_items(html_of(client.get("/search?q=协商&per_page=100")))
    assert len(page.hits) == len(items)
    dated = [(h, item) for h, item in zip(page.hits, items, strict=True) if h.delivered]
    assert dated and len(dated) < len(items)  # 002 (市中区) gives 发布日期; the others do not
    for h, item in zip(page.hits, items, strict=True):
        shown = re.findall(r'<span class="delivered"[^>]*>(报告|发布) <time datetime="([^"]+)">', item)
        assert ([h.dated] if h.delivered else []) == shown
        assert f"{h.year} 年度" in item if h.year else "年度" not in item


def test_document_view_and_articles_page_show_type_level_and_delivery(client, engine) -> None:
    for article in engine.articles():
        html = html_of(client.get(f"/doc/{article.id}"))
        meta = re.search(r'<dl class="doc-meta">.*?</dl>', html, re.S).group(0)
        for cls, value in (("doc-type", article.doc_type), ("level", article.level)):
            assert (f'<dd class="{cls}">{escape(value)}</dd>' in meta) == bool(value)
        spoken = bool(article.delivered) and article.delivered != article.published  # a dateline, a session
        assert ('<dt title="作报告的日期">报告日期</dt><dd class="delivered"><time datetime="'
                f'{article.delivered}">{article.delivered}</time></dd>' in meta) == spoken  # fmt: skip
        assert ('<dt title="网页发布的日期">发布日期</dt><dd class="published"><time datetime="'
                f'{article.published}">{article.published}</time></dd>' in meta) == bool(article.published)  # fmt: skip
        assert ("<dt title=\"报告回顾的工作年度，不是发布年份\">工作年度</dt>" in meta) == bool(article.year)
        data = client.get(f"/api/doc/{article.id}").get_json()["article"]
        assert (article.doc_type, article.level, article.delivered) == (
            data["doc_type"], data["level"], data["delivered"],
        )  # fmt: skip
    assert any(a.delivered for a in engine.articles())
    html = html_of(client.get("/articles"))
    assert ">文档类型</th>" in html and ">层级</th>" in html and ">日期</th>" in html
    for a in engine.articles():
        label, date = a.dated
        if date:
            title = "作报告的日期" if label == "报告" else "网页发布的日期"
            assert f'<time datetime="{date}" title="{title}">{date}</time>' in html


def test_a_report_delivered_on_one_day_and_published_on_another_shows_both_and_cites_the_publication() -> None:
    """辽宁's 2026 report was delivered on 2026-01-27 (its dateline) and its page published
    on 2026-02-01: the site labelled the first 发布 and cited it as the publication date."""
    from search.results import ArticleSummary, dated

    assert ("报告", "2026-01-27") == dated("2026-01-27", "2026-02-01")
    assert ("发布", "2025-01-07") == dated("2025-01-07", "2025-01-07")  # the page's date stood in
    assert ("报告", "2026") == dated("2026", "")  # a session year from the text
    assert ("", "") == dated("", "")
    a = ArticleSummary(id="x-1", title="t", province="", city="", district="", year=2025, published="2026-02-01",
                       source="x.txt", paragraphs=1, delivered="2026-01-27")  # fmt: skip
    assert ("报告", "2026-01-27") == a.dated


def test_no_results_under_type_and_level_says_what_each_costs(client, engine) -> None:
    html = html_of(client.get("/search?q=协商&doc_type=不存在的类型&level=市级"))
    assert 0 == shown_total(html)
    box = re.sub(r"<[^>]+>", "", empty_box(html))
    for label, rest in (
        ("文档类型：不存在的类型", SearchRequest(query="协商", levels=("市级",))),
        ("层级：市级", SearchRequest(query="协商", doc_types=("不存在的类型",))),
    ):
        n = engine.search(rest).total
        assert (f"去掉「{label}」可找到 {n} 段" in box) == bool(n)
    assert f"不加任何筛选可找到 {engine.search(SearchRequest(query='协商')).total} 段" in box


def test_a_bad_query_keeps_the_type_and_level_filters(client) -> None:
    resp = client.get("/search", query_string={"q": '""', "doc_type": "政府工作报告", "level": "省级"})
    html = html_of(resp)
    assert 400 == resp.status_code
    assert '<input type="hidden" name="doc_type" value="政府工作报告">' in html
    assert '<input type="hidden" name="level" value="省级">' in html


def test_csv_filters_by_type_and_level(client, engine) -> None:
    req = SearchRequest(query="协商", doc_types=("政府工作报告",), levels=("市级",))
    body = client.get("/search.csv?q=协商&doc_type=政府工作报告&level=市级").get_data()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert engine.search(req).total == len(rows) - 1
    assert all((r[8], r[9]) == ("政府工作报告", "市级") for r in rows[1:])


@pytest.mark.parametrize("arg", ["doc_type", "level"])
def test_each_detected_type_and_level_filters_the_page(client, engine, arg: str) -> None:
    values = engine.search(SearchRequest()).facets[arg]
    if not values:
        pytest.skip(f"the sample index has no {arg} yet (detection is not in this build)")
    links = facet_links(html_of(client.get("/")), arg)
    assert {fv.value for fv in values} == set(links)
    for fv in values:
        html = html_of(client.get(links[fv.value]))
        assert fv.count == shown_total(html)
        assert all(f">{escape(fv.value)}</span>" in item for item in hit_items(html))


def test_too_many_values_of_one_filter_is_a_clear_400(client) -> None:
    url = "/search?q=协商&" + "&".join(f"province=省{i}" for i in range(60))
    resp = client.get(url)
    assert resp.status_code == 400
    assert "最多可选 50 个值" in resp.get_data(as_text=True)
    assert client.get("/api/search?q=协商&" + "&".join(f"theme=t{i}" for i in range(51))).status_code == 400


@pytest.mark.parametrize("arg", ["province", "city", "district", "theme", "doc_type", "level"])
@pytest.mark.parametrize("path", ["/search", "/", "/trend", "/kwic", "/api/search", "/search.csv"])
def test_an_over_long_filter_value_is_a_clear_400(client, arg: str, path: str) -> None:
    """Every link of a page repeats the filters: 196 values of 1,300 characters made a 105 MB page."""
    resp = client.get(f"{path}?q=协商&{arg}={'山' * 101}")
    assert 400 == resp.status_code
    assert f"参数 {arg} 的值太长（101 个字符），最多 100 个字符。" in resp.get_data(as_text=True)
    assert 200 == client.get(f"{path}?q=协商&{arg}={'山' * 100}").status_code  # no such place: nothing found


@pytest.mark.parametrize("host", ["a..b", "x" * 64, ".".join(["a" * 60] * 5)])
@pytest.mark.parametrize("path", ["/search?q=协商", "/doc/002_d20d80895677d984-1", "/kwic?q=协商", "/api/search?q=协商"])
def test_a_host_header_no_link_can_be_made_for_is_a_400_not_a_500(client, host: str, path: str) -> None:
    """werkzeug refuses such a Host, so Flask has no URL adapter: the error page used to
    call url_for for its links and crash outside Flask's error handling (a bare 500)."""
    resp = client.get(path, headers={"Host": host})
    assert 400 == resp.status_code
    body = resp.get_data(as_text=True)
    if path.startswith("/api/"):
        assert {"error": "请求头中的主机名（Host）无效。"} == resp.get_json()
    else:
        assert "请求头中的主机名（Host）无效。" in body and "Traceback" not in body
    assert host not in body


def test_a_lost_character_is_a_labelled_placeholder_in_the_text_and_the_contents(client, engine) -> None:
    # the 聊城 sample lost the last character of a heading: 以“新作为”彰显新〓
    page = engine.search(SearchRequest(query="彰显新"))
    html = html_of(client.get(f"/doc/{page.hits[0].article_id}"))
    placeholder = '<span class="lost" title="原文此处字符缺失">〓</span>'
    toc = html[html.index('<ol class="toc">') :]
    assert placeholder in toc[: toc.index("</ol>")]
    assert html.count("〓") == html.count(placeholder)  # never a bare 〓 (a black block)


def test_the_pager_links_first_last_and_two_either_side_with_gaps() -> None:
    from webui.sidebar import page_numbers

    assert page_numbers(1, 1) == [1]
    assert page_numbers(1, 0) == []
    assert page_numbers(1, 9) == [1, 2, 3, None, 9]
    assert page_numbers(5, 9) == [1, None, 3, 4, 5, 6, 7, None, 9]
    assert page_numbers(4, 9) == [1, 2, 3, 4, 5, 6, None, 9]
    assert page_numbers(12, 9) == [1, None, 9]  # beyond the last page
    assert len(page_numbers(250, 500)) == 9  # not one entry per page


@pytest.mark.parametrize("query", ["NOT 协商", "协商 OR 提案", "协商"])
def test_the_count_names_the_query_without_saying_the_paragraphs_contain_it(client, engine, query: str) -> None:
    """找到 N 段包含「NOT 协商」 said the opposite of what the query asks."""
    total = engine.search(SearchRequest(query=query)).total
    html = html_of(client.get("/search", query_string={"q": query}))
    count = re.search(r'<p class="count">(.*?)<span class="elapsed">', html, re.S).group(1)
    assert f'检索「<span class="q">{escape(query)}</span>」，找到 <strong data-total="{total}">{total}</strong> 段' == count.strip()


@pytest.mark.parametrize(
    ("path", "current"),
    [("/", None), ("/trend", "/trend"), ("/kwic", "/kwic"), ("/figures", "/figures"), ("/articles", "/articles")],
)
def test_every_page_links_the_research_views_and_marks_the_one_shown(client, path: str, current: str | None) -> None:
    """No page linked /figures, and 趋势 and 索引行 showed only beside a search's results."""
    html = html_of(client.get(path))
    nav = re.search(r'<nav class="site-nav" aria-label="站点">(.*?)</nav>', html, re.S).group(1)
    links = re.findall(r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>', nav)
    assert [(h, t) for h, _, t in links] == [("/trend", "趋势"), ("/kwic", "索引行"), ("/figures", "数字对比"), ("/articles", "全部文章")]
    assert [h for h, c, _ in links if c] == ([current] if current else [])
    for href, _, _ in links:
        assert 200 == client.get(href).status_code
