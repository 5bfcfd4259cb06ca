"""Stated figures: numbers as reports write them, the rules of figures.toml, the figures of
the five sample reports (a table written by hand), storage across incremental builds,
and the /figures page with its JSON, CSV and CLI twins."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from search import integrity
from search.cli import main
from search.engine import SearchEngine, SearchRequest
from search.figure_table import figure_table
from search.figures import (
    FigureRulesError,
    UnknownMetric,
    extract,
    load_rules,
    parse_number,
    store_figures,
)
from search.indexer import build_index
from search.settings import Settings
from webui.app import create_app

from .conftest import SAMPLES


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("1,978", 1978), ("1978", 1978), ("一千九百七十八", 1978), ("2.3万", 23000),
        ("99.6", 99.6), ("二十二", 22), ("十五", 15), ("两百", 200), ("百", 100),
        ("一万二千", 12000), ("13.7万", 137000), ("三", 3),
    ],
)  # fmt: skip
def test_numbers_as_reports_write_them(written: str, value: float) -> None:
    assert value == parse_number(written)


def facts(text: str, section: str = "") -> list[tuple[str, str, float, str, str, str]]:
    """(metric, qualifier, value, unit, approx, number as written) of each figure in text."""
    return [(f.metric, f.qualifier, f.value, f.unit, f.approx, text[f.start : f.end]) for f in extract(text, section=section)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the qualifier is kept; a following clause counts the same thing
        ("全年征集提案1,978件，立案1,500件，提案办复率达99.6%。",
         [("提案", "征集", 1978, "件", "", "1,978"), ("提案", "立案", 1500, "件", "", "1,500"),
          ("提案", "办复率", 99.6, "%", "", "99.6")]),
        # Chinese numerals, 近/余/多 kept as approx
        ("收到委员提案一千九百七十八件。", [("提案", "收到", 1978, "件", "", "一千九百七十八")]),
        ("开展各类协商活动近400次，组织委员视察30余次，参与委员2.3万人次。",
         [("协商", "", 400, "次", "近", "近400"), ("视察调研", "视察", 30, "次", "余", "30余"),
          ("委员参与", "参与", 23000, "人次", "", "2.3万")]),
        ("报送社情民意信息270余篇，被全国政协采用12篇。",
         [("社情民意信息", "报送", 270, "篇", "余", "270余"), ("社情民意信息", "采用", 12, "篇", "", "12")]),
        ("全市地区生产总值达到3,200亿元，增长5.6%；一般公共预算收入128.6亿元，同比增长4.1%。",
         [("地区生产总值", "达到", 3200, "亿元", "", "3,200"), ("GDP增长", "增长", 5.6, "%", "", "5.6"),
          ("财政收入", "", 128.6, "亿元", "", "128.6"), ("财政收入增长", "增长", 4.1, "%", "", "4.1")]),
        # traditional text is matched through its search key
        ("立案提案503件，反映社情民意信息1978篇。",
         [("提案", "立案", 503, "件", "", "503"), ("社情民意信息", "反映", 1978, "篇", "", "1978")]),
        ("組織委員開展基層協商1186次。", [("协商", "基层", 1186, "次", "", "1186")]),
        # phrasings of other committees' reports
        ("全年共收到委员和各参加单位提案612件，经审查立案558件，立案率91.2%。",
         [("提案", "收到", 612, "件", "", "612"), ("提案", "立案", 558, "件", "", "558"),
          ("提案", "立案率", 91.2, "%", "", "91.2")]),
        ("编报《社情民意》126期，被全国政协采用8篇、省政协采用35篇。",
         [("社情民意信息", "编报", 126, "期", "", "126"), ("社情民意信息", "采用", 8, "篇", "", "8"),
          ("社情民意信息", "采用", 35, "篇", "", "35")]),
        ("召开双月协商座谈会6次，组织视察23次、调研41次，委员参加履职活动2.3万人次。",
         [("协商", "双月", 6, "次", "", "6"), ("视察调研", "视察", 23, "次", "", "23"),
          ("视察调研", "调研", 41, "次", "", "41"), ("委员参与", "参加", 23000, "人次", "", "2.3万")]),
        # government reports: the proposals they answered, not the number of the deputies' suggestions
        ("办理市人大代表议案2件、建议268件和市政协提案411件，办复率和满意率均为100%。",
         [("提案", "办理", 411, "件", "", "411")]),
        ("242件政协提案全部办结。", [("提案", "办结", 242, "件", "", "242")]),
        # no figure: ordinals, "every", targets, plans, other people's inspections, the start of a range
        ("保障每一次协商、每一件提案都高效运转。", []),
        ("第一次协商会议召开。", []),
        ("预期目标：地区生产总值增长5%左右。", []),
        ("总书记两次视察河北。", []),
        ("三次莅遂视察调研。", []),
        ("财政收入由5亿元增长到8.2亿元。", []),
    ],
)  # fmt: skip
def test_rules_read_the_figures_a_reader_would(text: str, expected: list) -> None:
    assert expected == facts(text)


def test_plans_are_no_results() -> None:
    assert [] == facts("征集提案500件。", section="2025年工作打算")
    assert [("提案", "征集", 500, "件", "", "500")] == facts("征集提案500件。", section="一、2024年工作回顾")


P500 = [("提案", "征集", 500, "件", "", "500")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a total over several years is no year's figure (2026 山东 and 江苏 term reports)
        ("五年来，共征集提案4245件。", []),
        ("过去五年，征集提案500件。", []),
        ("本届以来，征集提案500件。", []),
        ("“十四五”期间征集提案500件。", []),
        ("近三年征集提案500件。", []),
        ("二十年来征集提案500件。", []),
        # ... nor are the later sentences of a paragraph that opens with several years
        ("五年来，我们坚持依法行政。办理人大代表建议和政协提案4245件。", []),
        # ... unless they name their year
        ("五年来，我们坚持依法行政。2024年征集提案500件。", P500),
        # one year, or a year's date, is no period
        ("一年来，征集提案500件。", P500),
        ("2024年以来，征集提案500件。", P500),
        ("2024年中征集提案500件。", P500),
        ("征集提案500件。五年来累计征集提案2400件。", P500),
    ],
)
def test_totals_over_several_years_are_no_years_figures(text: str, expected: list) -> None:
    assert expected == facts(text)


def test_a_plan_chapter_gives_no_figures_down_to_its_sub_sections() -> None:
    from search.documents import Paragraph
    from search.figures import FigureWriter
    from search.normalize import search_key

    texts = [("一、2024年工作回顾", True), ("全年征集提案500件。", False), ("二、2025年工作安排", True),
             ("（一）加强提案工作", True), ("力求征集提案600件。", False), ("三、加强自身建设", True),
             ("开展专题调研12次。", False)]  # fmt: skip
    paras = [Paragraph(i, t, is_heading=h) for i, (t, h) in enumerate(texts)]
    w = FigureWriter()
    w.add(0, 100, paras, [search_key(t) for t, _ in texts])
    assert [(101, "提案", 500.0), (106, "视察调研", 12.0)] == [(r[1], r[3], r[5]) for r in w.rows]


def test_rules_are_checked_when_loaded(tmp_path: Path) -> None:
    bad = tmp_path / "figures.toml"
    bad.write_text("[[metric]]\nname = \"x\"\nunits = [\"件\"]\npatterns = ['提案{n}(']\n", encoding="utf-8")
    with pytest.raises(FigureRulesError, match="does not compile"):
        load_rules(bad)
    bad.write_text("multi_year = ['五年(']\n", encoding="utf-8")
    with pytest.raises(FigureRulesError, match="multi_year pattern .* does not compile"):
        load_rules(bad)
    with pytest.raises(UnknownMetric, match="没有这个指标"):
        load_rules().metric("没有的指标")


# Every figure of the metrics that the five sample reports state, read by hand from
# the reports (data/reports): (article, metric, qualifier, number as written, unit).
# Left out on purpose: counts that mix several kinds (开展各类调研、协商、监督75场次), parts
# of a figure (其中涉及民生类提案92件, 其中16篇报全国政协), and activities of other kinds.
WEIFANG, LIAOCHENG, JINAN = "000_3d8829ce62a8e2e7-1", "001_b71b22b026f0be1c-1", "002_d20d80895677d984-1"
ZIBO, WUWEI, PINGLIANG = "003_6f9b58bfd72148e0-1", "004_3677e2e64993d42a-1", "004_3677e2e64993d42a-2"
SAMPLE_FIGURES = sorted([
    (WEIFANG, "协商", "重点", "32", "项"),                 # 组织32项重点协商
    (WEIFANG, "提案", "征集", "811", "件"),                # 征集提案811件，立案597件
    (WEIFANG, "提案", "立案", "597", "件"),
    (WEIFANG, "协商", "提案办理", "7", "场次"),            # 召开7场次提案办理协商会
    (WEIFANG, "提案", "督办", "141", "件"),                # 对141件提案进行督办
    (WEIFANG, "提案", "签批", "56", "件"),                 # 签批重点提案56件
    (WEIFANG, "提案", "提交", "328", "件"),                # 提交提案328件
    (WEIFANG, "社情民意信息", "编报", "975", "篇"),        # 编报政协信息975篇，上级采用517篇
    (WEIFANG, "社情民意信息", "采用", "517", "篇"),
    (WEIFANG, "委员参与", "参与", "1558", "人次"),         # 参与委员1558人次
    (LIAOCHENG, "协商", "", "10", "项"),                   # 完成協商任務10項
    (LIAOCHENG, "提案", "立案", "503", "件"),              # 立案提案503件
    (LIAOCHENG, "社情民意信息", "反映", "1978", "篇"),     # 反映社情民意信息1978篇
    (LIAOCHENG, "社情民意信息", "采用", "35", "篇"),       # 35篇社情民意信息被省政協采用
    (LIAOCHENG, "社情民意信息", "采纳", "36", "篇"),       # 36篇社情民意信息被市委採納
    (LIAOCHENG, "协商", "", "270余", "次"),                # 協商議事活動270余次
    (JINAN, "视察调研", "调研", "10余", "次"),             # 开展调研10余次
    (JINAN, "视察调研", "调研", "3", "次"),                # “老商埠、新变局”专题“商量”调研3次
    (JINAN, "协商", "专题", "4", "次"),                    # 专题协商活动4次
    (JINAN, "视察调研", "调研", "7", "次"),                # 专题调研7次
    (JINAN, "委员参与", "参与", "60余", "人次"),           # 政协委员60余人次参与其中
    (JINAN, "视察调研", "调研", "3", "次"),                # 在反复调研3次的基础上
    (JINAN, "提案", "征集", "171", "件"),                  # 共征集提案171,立案151件
    (JINAN, "提案", "立案", "151", "件"),
    (JINAN, "社情民意信息", "收集整理", "500余", "篇"),    # 收集整理社情民意信息500余篇
    (JINAN, "社情民意信息", "采用", "3", "篇"),            # 3篇信息被全国政协采用
    (JINAN, "社情民意信息", "采纳", "1", "篇"),            # 1篇得到国家有关部委重视采纳
    (JINAN, "社情民意信息", "采用", "20余", "篇"),         # 20余篇信息被省政协采用
    (JINAN, "社情民意信息", "采用", "160余", "篇"),        # 160余篇信息被市政协采用
    (JINAN, "社情民意信息", "签批", "4", "篇"),            # 4篇信息得到区委、区政府主要负责同志签批
    (JINAN, "协商", "", "20余", "次"),                     # 调研视察和协商20余次
    (JINAN, "视察调研", "调研视察", "20余", "次"),         # 参与调研视察20余次
    (JINAN, "提案", "提交", "21", "件"),                   # 提交集体提案21件
    (ZIBO, "提案", "", "636", "件"),                       # 全年636件提案承载民意
    (ZIBO, "协商", "", "167", "场次"),                     # 167场次协商激荡智慧
    (ZIBO, "协商", "", "百余", "场次"),                    # 百余场次协商活动
    (ZIBO, "视察调研", "调研", "16", "次"),                # 16次深入调研
    (ZIBO, "提案", "", "305", "件"),                       # 305件提案……顺利办结
    (ZIBO, "社情民意信息", "采用", "102", "篇"),           # 102篇信息被全国政协采用
    (ZIBO, "视察调研", "视察", "37", "次"),                # 组织37次“委员看发展”视察
    (WUWEI, "委员参与", "参与", "124", "名"),              # 124名政协委员参与诉前调解
    (WUWEI, "社情民意信息", "报送", "28", "条"),           # 报送社情民意信息28条
    (WUWEI, "协商", "", "2.1万", "场次"),                  # 累计开展协商议事活动2.1万场次
    (PINGLIANG, "协商", "双月", "20", "次"),               # 常委会协商、界别协商和双月协商20次
    (PINGLIANG, "协商", "基层", "1186", "次"),             # 组织委员开展基层协商1186次
    (PINGLIANG, "视察调研", "调研视察", "20", "次"),       # 开展监督性调研视察活动20次
    (PINGLIANG, "提案", "办理", "452", "件"),              # 协调办理提案452件、现场督办24件
    (PINGLIANG, "提案", "督办", "24", "件"),
    (PINGLIANG, "提案", "提交", "85", "件"),               # 提交提案85件、会议发言及社情民意信息75篇
    (PINGLIANG, "社情民意信息", "", "75", "篇"),
    (PINGLIANG, "委员参与", "参与", "29", "名"),           # 推荐29名民主党派中的政协委员参与项目论证
])  # fmt: skip


def stored(engine: SearchEngine) -> list[tuple[str, str, str, str, str]]:
    with engine.selection() as (st, _):
        return sorted((f.article_id, f.metric, f.qualifier, f.number, f.unit) for f in store_figures(st.store))


def test_the_sample_reports_give_every_figure_a_reader_would_and_no_other(engine: SearchEngine) -> None:
    assert SAMPLE_FIGURES == stored(engine)


def test_values_sentences_and_paragraphs_are_the_reports_own(engine: SearchEngine) -> None:
    with engine.selection() as (st, _):
        figs = {(f.article_id, f.number, f.unit): f for f in store_figures(st.store)}
    f = figs[(LIAOCHENG, "270余", "次")]
    assert (270.0, "余", "270余") == (f.value, f.approx, f.shown)
    assert f.sentence.endswith("協商議事活動270余次,協商解決民生問題522個。")  # the stored original
    doc = engine.document(LIAOCHENG)
    assert f.sentence in next(p.text for p in doc.paragraphs if p.position == f.position)
    assert 21000 == figs[(WUWEI, "2.1万", "场次")].value


def test_figures_of_carried_over_files_survive_an_incremental_build(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("000_3d8829ce62a8e2e7.txt", "001_b71b22b026f0be1c.txt"):
        shutil.copy(SAMPLES / name, src / name)
    index = tmp_path / "index"
    build_index([src], index)
    shutil.copy(SAMPLES / "003_6f9b58bfd72148e0.txt", src / "003_6f9b58bfd72148e0.txt")  # a new file
    (src / "001_b71b22b026f0be1c.txt").unlink()  # a deleted one
    report = build_index([src], index)
    assert (report.incremental, report.files_reused, report.files_read) == (True, 1, 1)
    e = SearchEngine(index)
    try:
        expected = [r for r in SAMPLE_FIGURES if r[0] in (WEIFANG, ZIBO)]
        assert expected == stored(e)
        # a changed file: its old figures go, its new ones come
        path = src / "000_3d8829ce62a8e2e7.txt"
        path.write_text(path.read_text(encoding="utf-8").replace("征集提案811件", "征集提案812件"), encoding="utf-8")
        build_index([src], index)
        changed = [r if r[1:4] != ("提案", "征集", "811") else (*r[:3], "812", r[4]) for r in expected]
        assert sorted(changed) == stored(e)
    finally:
        e.close()


def test_table_by_committee_and_year_with_filters(engine: SearchEngine) -> None:
    t = figure_table(engine, "提案")
    assert ["山东省 › 济南市 › 市中区", "山东省 › 淄博市", "山东省 › 潍坊市", "山东省 › 聊城市", "甘肃省 › 平凉市"] == [
        r.label for r in t.rows
    ]
    weifang = next(r for r in t.rows if r.city == "潍坊市")
    assert [("征集", 811.0), ("立案", 597.0), ("督办", 141.0), ("签批", 56.0), ("提交", 328.0)] == [
        (f.qualifier, f.value) for f in weifang.cells[2024]
    ]
    assert "提交" == t.charted  # the most stated qualifier, when none is chosen
    registered = figure_table(engine, "提案", SearchRequest(provinces=("山东省",)), qualifier="立案")
    assert [("济南市", 151.0), ("潍坊市", 597.0), ("聊城市", 503.0)] == [(f.city, f.value) for f in registered.figures]
    assert ((2024, 597.0),) == next(r for r in registered.rows if r.city == "潍坊市").series
    # the query narrows to figures in matching paragraphs
    signed = figure_table(engine, "提案", SearchRequest(query="签批")).figures
    assert [(WEIFANG, "征集"), (WEIFANG, "立案"), (WEIFANG, "督办"), (WEIFANG, "签批")] == [
        (f.article_id, f.qualifier) for f in signed
    ]


def test_api_figures(client) -> None:
    data = client.get("/api/figures?metric=社情民意信息&qualifier=采用&province=山东省").get_json()
    assert ("社情民意信息", "采用") == (data["metric"], data["qualifier"])
    keys = {"article_id", "province", "city", "district", "year", "value", "unit", "qualifier", "paragraph_id", "text"}
    assert all(keys <= set(r) for r in data["rows"])
    assert sorted([517.0, 35.0, 3.0, 20.0, 160.0, 102.0]) == sorted(r["value"] for r in data["rows"])
    r = next(r for r in data["rows"] if r["value"] == 160.0)
    assert (JINAN, "余", "160余篇信息被市政协采用") == (r["article_id"], r["approx"], r["statement"])
    assert r["paragraph_id"].startswith(JINAN + "-p") and "160余篇" in r["text"]


def test_figures_page_links_each_number_to_its_paragraph(client) -> None:
    html = client.get("/figures?metric=提案").get_data(as_text=True)
    assert 'href="/doc/000_3d8829ce62a8e2e7-1?q=%22811%E4%BB%B6%22#p' in html
    assert 3 == html.count("<svg class=\"spark\"")  # one per committee stating the charted 提交
    assert "<span class=\"fv\">811</span>" in html
    doc = client.get("/doc/000_3d8829ce62a8e2e7-1?q=%22811%E4%BB%B6%22").get_data(as_text=True)
    assert "<mark>811件</mark>" in doc


def test_figures_csv_and_bad_metric(client) -> None:
    text = client.get("/figures.csv?metric=协商").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len([r for r in SAMPLE_FIGURES if r[1] == "协商"]) == len(rows) and {"协商"} == {r["metric"] for r in rows}
    assert "21000.0" in {r["value"] for r in rows}
    for url in ("/figures?metric=没有", "/api/figures?metric=没有", "/figures.csv?metric=没有"):
        resp = client.get(url)
        assert 400 == resp.status_code and "没有这个指标" in resp.get_data(as_text=True)


def test_cli_figures_json_is_the_api(client, sample_index: Path) -> None:
    result = CliRunner().invoke(main, ["figures", "--metric", "提案", "--json", "--index-dir", str(sample_index)])
    assert 0 == result.exit_code, result.output
    assert client.get("/api/figures?metric=提案").get_json() == json.loads(result.output)
    bad = CliRunner().invoke(main, ["figures", "--metric", "x", "--index-dir", str(sample_index)])
    assert 1 == bad.exit_code and "没有这个指标" in bad.output


def test_an_index_built_before_figures_existed_shows_none(sample_index: Path, tmp_path: Path) -> None:
    old = tmp_path / "index"
    shutil.copytree(sample_index, old)
    for f in old.glob("gen-*/figures.json"):
        f.unlink()
        # what an older build recorded: no figures file in its checksum
        report = f.parent / "build.json"
        data = json.loads(report.read_text(encoding="utf-8"))
        data["checksum"] = integrity.record(f.parent)
        report.write_text(json.dumps(data), encoding="utf-8")
    e = SearchEngine(old)
    try:
        assert () == figure_table(e, "提案").figures
    finally:
        e.close()
    app = create_app(Settings().with_index(old))
    resp = app.test_client().get("/figures?metric=提案")
    assert 200 == resp.status_code and "没有报告写明" in resp.get_data(as_text=True)


def test_the_unstated_qualifier_is_a_choice_of_its_own_not_all(sample_index: Path) -> None:
    app = create_app(Settings().with_index(sample_index))
    client = app.test_client()
    html = client.get("/figures?metric=提案").get_data(as_text=True)
    assert '<option value="" selected>' not in html  # 全部 is what an empty choice shows
    assert '<option value="未写明">（未写明）' in html
    every = client.get("/api/figures?metric=提案").get_json()["rows"]
    unstated = client.get("/api/figures?metric=提案&qualifier=未写明").get_json()["rows"]
    assert unstated and len(unstated) < len(every)
    assert all(r["qualifier"] == "" for r in unstated)
