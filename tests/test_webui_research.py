"""The research pages through Flask's test client and the CLI twins, over the sample index:
each page, its JSON and CSV twins and the CLI say the same thing."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from html import unescape
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from click.testing import CliRunner

from search import research
from search.cli import main
from search.engine import SearchEngine, SearchRequest


def cli_json(sample_index: Path, *args: str) -> dict:
    result = CliRunner().invoke(main, [*args, "--json", "--index-dir", str(sample_index)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def csv_rows(resp) -> list[list[str]]:
    text = resp.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def args_of(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(unescape(url)).query)


# results by article -------------------------------------------------------------------


def test_group_article_json_adds_groups_and_keeps_paragraph_facets(client, sample_index: Path) -> None:
    plain = client.get("/api/search?q=协商&per_page=2").get_json()
    grouped = client.get("/api/search?q=协商&per_page=2&group=article").get_json()
    assert plain["facets"] == grouped["facets"] and plain["total"] == grouped["total"]
    assert ["group", "articles_total", "groups"] == list(grouped)[-3:]
    g = grouped["groups"][0]
    assert ["article_id", "title", "province", "city", "district", "year", "doc_type", "matches", "hits"] == list(g)
    assert 1 <= len(g["hits"]) <= 3 and all(h["article_id"] == g["article_id"] for h in g["hits"])
    per_article: dict[str, int] = {}
    for h in client.get("/api/search?q=协商&per_page=100").get_json()["hits"]:
        per_article[h["article_id"]] = per_article.get(h["article_id"], 0) + 1
    assert len(per_article) == grouped["articles_total"]
    assert all(per_article[x["article_id"]] == x["matches"] for x in grouped["groups"])
    assert grouped == cli_json(sample_index, "search", "协商", "--per-page", "2", "--group", "article")


def test_a_group_page_past_the_deepest_paragraph_is_refused_as_its_json_twin_is(client, monkeypatch) -> None:
    """The HTML page of articles asks the paragraph search for one hit only (for its
    sidebar), yet refuses a page past MAX_DEPTH as the JSON twin does; a page past the
    last one is an empty page in both."""
    from search import engine, limits
    from webui import views

    for module in (limits, engine, views):
        monkeypatch.setattr(module, "MAX_DEPTH", 10)
    for page, status in ((2, 200), (3, 400), (99, 200)):  # 协商: 43 paragraphs; 99 x 5 is past them
        url = f"/search?q=协商&group=article&per_page=5&page={page}"
        html, api = client.get(url), client.get(url.replace("/search", "/api/search"))
        assert (html.status_code, api.status_code) == (status, status), url
        if status == 400:
            assert "超出了可翻到的前 10 条结果" in html.get_data(as_text=True)


def test_group_article_page_lists_articles_and_its_links_keep_the_mode(client) -> None:
    html = client.get("/search?q=协商&group=article&per_page=2").get_data(as_text=True)
    articles = re.findall(r'<li class="hit group" data-article="([^"]+)"', html)
    assert 2 == len(articles) and len(set(articles)) == 2
    assert "筛选项中的数字仍是段落数" in html
    sort_link = re.search(r'<a class="sort" href="([^"]+)" data-sort="newest"', html).group(1)
    assert ("group", "article") in args_of(sort_link)
    page2 = re.search(r'<a rel="next" href="([^"]+)"', html).group(1)
    assert {("group", "article"), ("page", "2")} <= set(args_of(page2))
    back = re.search(r'<a href="([^"]+)" data-group="">按段落</a>', html).group(1)
    assert ("group", "article") not in args_of(back)
    assert 400 == client.get("/search?q=协商&group=paragraph").status_code


# trends ----------------------------------------------------------------------------


def test_trend_json_csv_cli_and_page_agree(client, sample_index: Path, engine: SearchEngine) -> None:
    d = client.get("/api/trend?q=协商,数字化&province=山东省").get_json()
    expected = research.trend(engine, SearchRequest(provinces=("山东省",)), ("协商", "数字化")).to_dict()
    assert expected == d
    assert ["协商", "数字化"] == d["queries"] and ["year"] == d["by"]
    assert d == cli_json(sample_index, "trend", "协商", "数字化", "--province", "山东省")
    rows = csv_rows(client.get("/trend.csv?q=协商,数字化&province=山东省"))
    assert ["query", "year", "articles", "paragraphs", "articles_total", "share"] == rows[0]
    assert [[str(v) for v in r.values()] for r in d["rows"]] == rows[1:]
    html = client.get("/trend?q=协商,数字化&province=山东省").get_data(as_text=True)
    assert html.count('<svg class="chart') == 2  # wide and narrow
    for r in d["rows"]:
        assert f'data-year="{r["year"]}"' in html
    assert "省份：</span>山东省" in html  # the filter is shown and removable


def _report(year: int, body: str) -> str:
    return (f"政协某某市委员会常务委员会工作报告\n——{year + 1}年1月27日在政协某某市委员会会议上\n各位委员：\n"
            f"现在，我代表政协某某市委员会常务委员会向大会报告工作，请予审议。\n{body}\n")  # fmt: skip


def test_the_trend_page_starts_a_few_years_before_the_first_use(tmp_path: Path, backend: str) -> None:
    """A word first used in 2024, on reports from 2010: the page does not draw 11 empty
    years, and says which years it left out; JSON and CSV keep them all."""
    from search.indexer import build_index
    from search.settings import Settings
    from webui.app import create_app

    (tmp_path / "src").mkdir()
    for year, body in ((2010, "我们围绕中心工作开展协商。"), (2018, "我们围绕乡村振兴开展协商。"),
                       (2024, "我们围绕新质生产力开展协商。")):  # fmt: skip
        (tmp_path / "src" / f"r{year}.txt").write_text(_report(year, body), encoding="utf-8")
    build_index([tmp_path / "src"], tmp_path / "index", backend=backend)
    client = create_app(Settings().with_index(tmp_path / "index")).test_client()
    html = client.get("/trend?q=新质生产力").get_data(as_text=True)
    assert re.findall(r'<tr data-year="(\d+)">', html) == [str(y) for y in range(2024, 2020, -1)]
    assert "2010–2020 年的 2 篇文章都没有用到这个词，图表从 2021 年起（JSON、CSV 含全部年份）。" in html
    years = [r["year"] for r in client.get("/api/trend?q=新质生产力").get_json()["rows"]]
    assert years == list(range(2010, 2025))
    # a word used from the first year on: nothing left out
    html = client.get("/trend?q=协商").get_data(as_text=True)
    assert "trend-left-out" not in html and '<tr data-year="2010">' in html
    html = client.get("/trend?q=乡村振兴,新质生产力").get_data(as_text=True)
    assert "2010–2014 年的 1 篇文章都没有用到这些词，图表从 2015 年起" in html


def test_trend_by_province_tiles_link_to_the_province(client) -> None:
    d = client.get("/api/trend?q=协商&by=province").get_json()
    assert ["query", "province", "articles", "paragraphs", "articles_total", "share"] == list(d["rows"][0])
    html = client.get("/trend?q=协商&by=province").get_data(as_text=True)
    tiles = dict((unescape(p), unescape(h)) for h, p in re.findall(r'<a class="tile" href="([^"]+)" data-province="([^"]+)"', html))
    assert set(tiles) == {r["province"] for r in d["rows"]}
    assert [("q", "协商"), ("province", "山东省")] == args_of(tiles["山东省"])
    # each tile says how many articles its share is of, and the measure says 当地, not 当年
    shandong = next(r for r in d["rows"] if r["province"] == "山东省")
    assert f">{shandong['articles']}/{shandong['articles_total']} 篇</text>" in html
    assert ">占当地文章比例</option>" in html and "占当年文章比例" not in html
    assert 'data-province="北京市"' in html and "北京市：无文章" in html  # every province has its square


def test_trend_by_year_and_province_table(client) -> None:
    d = client.get("/api/trend?q=协商&by=year,province").get_json()
    assert d["by"] == ["year", "province"]
    html = client.get("/trend?q=协商&by=province,year").get_data(as_text=True)
    for r in d["rows"]:
        assert f'{r["articles"]}/{r["articles_total"]}</td>' in html


@pytest.mark.parametrize(
    ("url", "part"),
    [("/api/trend?q=a,b,c,d,e", "最多比较 4"), ("/api/trend?q=协商&by=city", "by"), ("/api/trend?q=", "至少一个"),
     ("/trend.csv?q=协商&measure=x", "measure"), ("/api/trend?q=协商&year=abc", "year")],
)  # fmt: skip
def test_trend_refuses_bad_arguments_with_a_reason(client, url: str, part: str) -> None:
    resp = client.get(url)
    assert 400 == resp.status_code and part in resp.get_json()["error"]


@pytest.mark.parametrize("by", ["year", "province", "year,province"])
def test_trend_page_escapes_the_queries_in_text_and_svg(client, by: str) -> None:
    html = client.get("/trend", query_string={"q": '<b>协商</b>,"x"&', "by": by}).get_data(as_text=True)
    assert "<b>" not in html and "&lt;b&gt;协商&lt;/b&gt;" in html


def test_trend_page_without_a_query_explains_itself(client) -> None:
    resp = client.get("/trend")
    assert 200 == resp.status_code and "输入一至四个检索词" in resp.get_data(as_text=True)


# concordance ------------------------------------------------------------------------


def test_kwic_json_csv_cli_and_page_agree(client, sample_index: Path) -> None:
    d = client.get("/api/kwic?q=协商&width=15&sort=left&per_page=10&page=2").get_json()
    assert ["query", "total", "paragraphs", "page", "per_page", "width", "sort", "truncated", "lines"] == list(d)
    assert (2, 10, 15, "left") == (d["page"], d["per_page"], d["width"], d["sort"])
    line = d["lines"][0]
    assert ["left", "match", "right", "paragraph_id", "article_id", "year", "province", "city", "district"] == list(line)[:9]
    assert d == cli_json(sample_index, "kwic", "协商", "--width", "15", "--sort", "left", "--per-page", "10", "--page", "2")
    rows = csv_rows(client.get("/kwic.csv?q=协商&width=15&sort=left"))
    assert list(research.KWIC_CSV_COLUMNS) == rows[0] and d["total"] == len(rows) - 1
    assert [line[k] or "" for k in ("left", "match", "right")] == rows[11][:3]
    html = client.get("/kwic?q=协商&width=15&sort=left&page=2&per_page=10").get_data(as_text=True)
    ids = re.findall(r'<li class="kwic-line" data-paragraph="([^"]+)"', html)
    assert [x["paragraph_id"] for x in d["lines"]] == ids
    # each line links to its paragraph; the sort links keep width and filters, drop the page
    article, position = line["paragraph_id"].rsplit("-p", 1)
    assert f'href="/doc/{article}?q=%E5%8D%8F%E5%95%86#p{position}"' in html
    right = re.search(r'<a class="sort" href="([^"]+)" data-sort="right"', html).group(1)
    assert {("q", "协商"), ("width", "15"), ("sort", "right"), ("per_page", "10")} == set(args_of(right))


@pytest.mark.parametrize(
    ("url", "part"),
    [("/api/kwic?q=协商&width=9", "10–40"), ("/api/kwic?q=协商&width=x", "width"), ("/api/kwic?q=协商&sort=newest", "排序"),
     ("/api/kwic?q=", "需要检索词"), ("/kwic.csv?q=协商&width=41", "10–40")],
)  # fmt: skip
def test_kwic_refuses_bad_arguments_with_a_reason(client, url: str, part: str) -> None:
    resp = client.get(url)
    assert 400 == resp.status_code, resp.get_data(as_text=True)
    assert part in resp.get_json()["error"]


def test_kwic_html_escapes_the_text(client) -> None:
    html = client.get("/kwic?q=" + "<b>协商</b>").get_data(as_text=True)
    assert "<b>协商</b>" not in html


# citations and permalinks --------------------------------------------------------------


def test_doc_json_carries_its_citation(client) -> None:
    d = client.get("/api/doc/002_d20d80895677d984-1").get_json()
    c = d["citation"]
    assert ["gbt7714", "bibtex"] == list(c)
    assert re.fullmatch(
        r"政协济南市市中区委员会\. 中国人民政治协商会议第十届济南市市中区委员会常务委员会工作报告\[EB/OL\]\. "
        r"\(2025-01-07\)\[\d{4}-\d\d-\d\d\]\. http://localhost/doc/002_d20d80895677d984-1\.",
        c["gbt7714"],
    )
    assert c["bibtex"].startswith("@misc{cppcc2024") and "url = {http://localhost/doc/002_d20d80895677d984-1}" in c["bibtex"]


def test_every_hit_and_the_document_offer_a_citation(client) -> None:
    html = client.get("/search?q=协商&per_page=5").get_data(as_text=True)
    hits = re.findall(r'<a href="/doc/([^"?]+)\?q=[^"#]*#p(\d+)">', html)
    gb = re.findall(r'<p class="cite-text" id="cite-gb-([^"]+)">(.*?)</p>', html)
    assert 5 == len(gb)
    for (article, position), (box, text) in zip(hits, gb, strict=True):
        assert f"{article}-p{position}" == box
        assert unescape(text).endswith(f"http://localhost/doc/{article}#p{position}.")
    doc = client.get("/doc/002_d20d80895677d984-1").get_data(as_text=True)
    assert 'id="cite-gb-doc"' in doc and 'data-copy="cite-bib-doc"' in doc


def test_a_cited_paragraph_number_counts_from_one_as_the_document_shows_it(client, engine: SearchEngine) -> None:
    hit = next(h for h in engine.search(SearchRequest(query="协商", per_page=20)).hits if h.position > 0)
    html = client.get("/search?q=协商&per_page=20").get_data(as_text=True)
    box = re.search(rf'<pre class="cite-text" id="cite-bib-{re.escape(hit.id)}">(.*?)</pre>', html, re.S).group(1)
    assert f"第 {hit.position + 1} 段" in unescape(box)
    doc = client.get(f"/doc/{hit.article_id}").get_data(as_text=True)
    ids = re.findall(r'<(?:p|h\d) id="(p\d+)" class="para', doc)
    assert f"p{hit.position}" == ids[hit.position]  # the (position + 1)th paragraph of the document
    assert f'<a class="pilcrow" href="#p{hit.position}" title="第 {hit.position + 1} 段（本段链接）"' in doc
    group = client.get("/search?q=协商&group=article").get_data(as_text=True)
    numbers = re.findall(r'#p(\d+)" title="第 (\d+) 段">¶(\d+)</a>', group)
    assert numbers and all(int(p) + 1 == int(n) == int(shown) for p, n, shown in numbers)


DATED_REPORT = """当前位置: 首页 > 政协要闻
政协某某市委员会常务委员会工作报告
发布日期:2026-02-01 09:30 访问次数: 字号:[ ]
政协某某市委员会常务委员会工作报告
——2026年1月27日在政协某某市第五届委员会第五次会议上
各位委员：
现在，我代表政协某某市委员会常务委员会向大会报告工作，请予审议。
过去一年，我们坚持团结和民主两大主题，认真履行政治协商、民主监督、参政议政职能，全年征集提案500件，立案450件。
"""


def test_a_report_delivered_and_published_on_different_days_shows_both_and_cites_the_publication(
    tmp_path: Path, backend: str
) -> None:
    """The dateline's day is when it was delivered (报告), the page's when it was published
    (发布); GB/T 7714 dates an online document by its publication."""
    from search.indexer import build_index
    from search.settings import Settings
    from webui.app import create_app

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "dated.txt").write_text(DATED_REPORT, encoding="utf-8")
    build_index([tmp_path / "src"], tmp_path / "index", backend=backend)
    client = create_app(Settings().with_index(tmp_path / "index")).test_client()
    doc = client.get("/doc/dated-1").get_data(as_text=True)
    assert '<dt title="作报告的日期">报告日期</dt><dd class="delivered"><time datetime="2026-01-27">' in doc
    assert '<dt title="网页发布的日期">发布日期</dt><dd class="published"><time datetime="2026-02-01">' in doc
    hits = client.get("/search?q=提案").get_data(as_text=True)
    assert '<span class="delivered" title="作报告的日期">报告 <time datetime="2026-01-27">2026-01-27</time></span>' in hits
    api = client.get("/api/search?q=提案").get_json()["hits"][0]
    assert ("2026-01-27", "2026-02-01") == (api["delivered"], api["published"])
    citation = client.get("/api/doc/dated-1").get_json()["citation"]
    assert "[EB/OL]. (2026-02-01)[" in citation["gbt7714"] and "date = {2026-02-01}" in citation["bibtex"]
    articles = client.get("/articles").get_data(as_text=True)
    assert '<time datetime="2026-01-27" title="作报告的日期">2026-01-27</time>' in articles


def test_a_title_two_years_from_its_date_is_pointed_out_to_the_reader(tmp_path: Path, backend: str) -> None:
    """米易县2024年政府工作报告 in the 267 reports is the 2022 report: the page says so."""
    from search.indexer import build_index
    from search.settings import Settings
    from webui.app import create_app

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "mislabelled.txt").write_text(
        "某某县2024年政府工作报告\n——2022年1月24日在某某县第十八届人民代表大会第一次会议上\n各位代表：\n"
        "现在，我代表县人民政府向大会报告工作，请予审议。\n一年来，全县经济平稳运行，营商环境持续优化。\n",
        encoding="utf-8",
    )
    (tmp_path / "src" / "dated.txt").write_text(DATED_REPORT, encoding="utf-8")
    build_index([tmp_path / "src"], tmp_path / "index", backend=backend)
    client = create_app(Settings().with_index(tmp_path / "index")).test_client()
    doc = client.get("/doc/mislabelled-1").get_data(as_text=True)
    assert "标题写的是 2024 年，报告日期却是 2022-01-24：这份文件可能是另一年的报告，引用前请核对原文。" in doc
    assert "doc-check" not in client.get("/doc/dated-1").get_data(as_text=True)  # 2026-01-27, no year in its title


def test_citations_name_the_configured_public_url_not_the_host_header(sample_index: Path) -> None:
    from search.settings import Settings
    from webui.app import create_app

    default = create_app(Settings().with_index(sample_index)).test_client()
    doc = default.get("/api/doc/002_d20d80895677d984-1", headers={"Host": "cppcc.test"}).get_json()
    assert "url = {http://cppcc.test/doc/002_d20d80895677d984-1}" in doc["citation"]["bibtex"]
    public = create_app(replace(Settings().with_index(sample_index), public_url="https://example.org")).test_client()
    for host in ("cppcc.test", "evil.example"):
        doc = public.get("/api/doc/002_d20d80895677d984-1", headers={"Host": host}).get_json()
        assert doc["citation"]["gbt7714"].endswith(" https://example.org/doc/002_d20d80895677d984-1.")
        html = public.get("/search?q=协商&per_page=3", headers={"Host": host}).get_data(as_text=True)
        gb = re.findall(r'<p class="cite-text" id="cite-gb-[^"]+">(.*?)</p>', html)
        assert 3 == len(gb) and all("https://example.org/doc/" in unescape(t) for t in gb)
        assert host not in html


def test_paragraph_permalink_redirects_to_the_paragraph(client, engine: SearchEngine) -> None:
    hit = engine.search(SearchRequest(query="协商", per_page=1)).hits[0]
    resp = client.get(f"/p/{hit.id}")
    assert 302 == resp.status_code
    assert resp.headers["Location"] == f"/doc/{hit.article_id}#p{hit.position}"
    assert 404 == client.get(f"/p/{hit.article_id}-p99999").status_code
    assert 404 == client.get("/p/nothing").status_code
