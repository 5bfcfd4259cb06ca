"""Article metadata: region, work year (with evidence), title synthesis, paragraphs, overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.documents import ArticleDraft, Block, Paragraph, Region
from search.metadata import describe, detect_year
from search.regions import NATIONAL

REPORTS = Path(__file__).resolve().parent.parent / "data" / "reports"


def draft(title: str, subtitle: str, *blocks: str, published: str = "", lead: str = "") -> ArticleDraft:
    return ArticleDraft(title, subtitle, tuple(Block(b, b.startswith("#")) for b in blocks), published, lead)


# Title, subtitle, lead and opening blocks copied from the five sample reports.
SEEDS = {
    "weifang": draft(
        "奋进新征程 展现新作为", "潍坊市政协2024年工作综述",
        "日月其迈，时节岁新。回望2024年市政协履职日历，一次次“接地气”的调查研究。",
        "2024年是新中国成立和人民政协成立75周年。过去一年，在市委坚强领导下，在更好潍坊建设中迈出了坚实步伐。",
        lead="□本报通讯员 张进 于桐",
    ),
    "liaocheng": draft(
        "", "",
        "完成協商任務10項,立案提案503件,反映社情民意信息1978篇",
        "翻開2024年的履職成績單,聊城市政協與時代發展“合轍”,與黨政工作“同頻”",
        "2024年是新中國成立75周年,也是人民政協成立75周年。對聊城市政協而言,這一年是改革創新、聚力突破的一年。",
        lead="■ 本報記者 張穎",
    ),
    "jinan": draft(
        "中国人民政治协商会议第十届济南市市中区委员会常务委员会工作报告", "",
        "各位委员:", "#一、2024年工作回顾",
        "2024年,是中华人民共和国和中国人民政治协商会议成立75周年。一年来,在中共济南市市中区委的坚强领导下",
        published="2025-01-07",
    ),
    "zibo": draft(
        "淄博政协这一年|以实干实绩交出履职新答卷", "",
        "齐鲁网·闪电新闻1月13日讯 时代浪潮,奔涌向前。这便是淄博市政协奏出的2025年“履职乐章”。",
        "2025年,淄博市政协发挥专门协商机构作用,深调研、建真言、谋良策。",
        "2026年,淄博市政协将继续胸怀“国之大者”。",
    ),
    "wuwei": draft(
        "凝心聚力促发展 团结奋斗启新程", "政协武威市委员会亮点工作综述",
        "近年来,武威市政协深入学习贯彻党的二十大和二十届二中、三中全会精神",
        "联合市中级人民法院推进诉源治理,2024年以来共有124名政协委员参与诉前调解",
        "与复旦大学合作举办委员培训班。乌鲁木齐市政协来武威考察交流。",
    ),
    "pingliang": draft(
        "履职尽责担使命 奋发进取展作为", "政协平凉市委员会亮点工作综述",
        "春华秋实,驻足回望,硕果盈枝满庭芳,弦歌不辍谱华章。",
        "政协平凉市委员会成立于2002年11月,前身为政协甘肃省委员会平凉地区工作委员会,履职历程已有22年。",
        "二十二年来,平凉市政协团结带领全市政协委员和各界群众",
    ),
}

EXPECTED = {
    "weifang": (Region("山东省", "潍坊市", "", "370700000000"), 2024),
    "liaocheng": (Region("山东省", "聊城市", "", "371500000000"), 2024),
    "jinan": (Region("山东省", "济南市", "市中区", "370103000000"), 2024),
    "zibo": (Region("山东省", "淄博市", "", "370300000000"), 2025),
    "wuwei": (Region("甘肃省", "武威市", "", "620600000000"), 2024),
    "pingliang": (Region("甘肃省", "平凉市", "", "620800000000"), 2024),
}


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_region_and_year_of_hand_built_seed_drafts(name: str) -> None:
    article = describe(SEEDS[name], article_id=f"{name}-1", source=f"{name}.txt")
    assert EXPECTED[name] == (article.region, article.year)


def test_missing_title_is_synthesised_from_region_and_year() -> None:
    article = describe(SEEDS["liaocheng"], article_id="001-1", source="001.txt")
    assert "聊城市政协2024年工作综述" == article.title


def test_missing_title_uses_the_subtitle_when_there_is_one() -> None:
    d = draft("", "——潍坊市政协2024年工作综述", "过去一年，潍坊市政协积极履职。")
    assert "潍坊市政协2024年工作综述" == describe(d, article_id="a-1", source="a.txt").title


@pytest.mark.parametrize(
    ("title", "subtitle", "body", "published", "expected"),
    [
        ("潍坊市政协2024年工作综述", "", [], "", 2024),
        ("", "", ["回望2024年市政协履职日历"], "", 2024),
        ("政府工作报告", "", ["一、2024年工作回顾", "2024年,全市经济稳中向好。"], "2025-01-07", 2024),
        ("", "", ["2025年,淄博市政协发挥作用。", "2026年,淄博市政协将继续努力。"], "", 2025),
        # years after the delivery date are plans
        ("", "", ["2024年是关键之年。", "2025年目标是增长5%。"], "2025-01-20", 2024),
        # no year at all, delivered in January, reviewing "过去一年"
        ("", "", ["过去一年,市政协认真履职。"], "2025-01-15", 2024),
        ("", "", ["过去一年,市政协认真履职。"], "", None),
        ("", "", ["成立于2002年11月", "二十二年来,市政协砥砺奋进"], "", 2024),
    ],
)
def test_detect_year(title: str, subtitle: str, body: list[str], published: str, expected: int | None) -> None:
    assert expected == detect_year(title, subtitle, body, published=published)[0]


def test_year_evidence_explains_the_choice() -> None:
    year, evidence = detect_year("", "", ["一、2024年工作回顾"], published="2025-01-07")
    assert 2024 == year
    assert {"review", "mention"} == {e.reason for e in evidence}


def test_delivery_date_in_the_subtitle_caps_years() -> None:
    body = ["一、过去一年工作回顾", "2006年是十一五开局年。", "2007年,我们将加快发展。"]
    assert 2006 == detect_year("政府工作报告", "（2007年1月30日）", body)[0]


def test_paragraphs_carry_section_heading_and_themes() -> None:
    d = draft("t", "", "导语", "#一、提案工作", "立案提案503件", published="2025-01-07")
    article = describe(d, article_id="x-1", source="x.txt")
    assert (
        Paragraph(0, "导语", "", False, ()),
        Paragraph(1, "#一、提案工作", "#一、提案工作", True, ()),
        Paragraph(2, "立案提案503件", "#一、提案工作", False, ("提案工作",)),
    ) == article.paragraphs
    assert "x-1-p2" == article.paragraph_id(2)


def test_overrides_beat_detection() -> None:
    overrides = {"year": 2023, "city": "聊城", "title": "改过的标题", "published": "2024-02-01"}
    article = describe(SEEDS["weifang"], article_id="a-1", source="a.txt", overrides=overrides)
    assert ("改过的标题", Region("山东省", "聊城市", "", "371500000000"), 2023, "2024-02-01") == (
        article.title, article.region, article.year, article.published,
    )


def test_unknown_overridden_place_is_kept_as_given() -> None:
    article = describe(SEEDS["weifang"], article_id="a-1", source="a.txt", overrides={"city": "桃花源市"})
    assert Region("", "桃花源市", "", "") == article.region


def test_end_to_end_on_the_sample_reports() -> None:
    clean = pytest.importorskip("search.clean")
    if not hasattr(clean, "parse_document"):
        pytest.skip("search.clean.parse_document has not landed yet")
    got = []
    for path in sorted(REPORTS.glob("*.txt")):
        for n, d in enumerate(clean.parse_document(path.read_text(encoding="utf-8")), start=1):
            a = describe(d, article_id=f"{path.stem}-{n}", source=path.name)
            got.append((a.region.path(), a.year))
    assert [
        (("山东省", "潍坊市"), 2024),
        (("山东省", "聊城市"), 2024),
        (("山东省", "济南市", "市中区"), 2024),
        (("山东省", "淄博市"), 2025),
        (("甘肃省", "武威市"), 2024),
        (("甘肃省", "平凉市"), 2024),
    ] == got


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        ("陕西省2026年政府工作报告", ["首页", "政府信息公开"], 2025),  # session year minus one
        ("2025年山东省政府工作报告", ["一、2024年工作回顾", "2025年是十四五收官之年。"], 2024),
        ("潍坊市政协2024年工作综述", ["2024年是关键之年。"], 2024),  # not a session report
    ],
)
def test_session_report_title_year_is_the_delivery_year(title: str, body: list[str], expected: int) -> None:
    assert expected == detect_year(title, "", body)[0]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("2021年中华人民共和国国务院政府工作报告", NATIONAL),
        ("政协全国委员会常务委员会工作报告", NATIONAL),
        ("2025年山东省政府工作报告", Region("山东省", code="370000000000")),
        ("2020年唐县政府工作报告", Region("河北省", "保定市", "唐县", "130627000000")),
    ],
)
def test_national_titles_ignore_places_in_the_body(title: str, expected: Region) -> None:
    d = draft(title, "", "加快海南自由贸易港建设。", "支持海南全面深化改革开放。")
    assert expected == describe(d, article_id="n-1", source="n.txt").region


def test_a_place_named_only_deep_in_the_body_is_a_topic_not_the_author() -> None:
    opening = [Block("同志们：现在，我向大会作报告。")] + [
        Block(f"第{i}部分。我们坚持改革开放，推动经济社会发展取得新成就。") for i in range(12)
    ]
    later = [Block("我们坚持一个中国原则，推进祖国和平统一，台湾同胞是我们的骨肉兄弟，台湾问题终将解决。")] * 3
    draft = ArticleDraft(title="全面建设小康社会 开创新局面", subtitle="", blocks=tuple(opening + later))
    article = describe(draft, article_id="x-1", source="x.txt")
    assert article.region == Region()
    # the same text about a place named up front keeps that place
    named = ArticleDraft(
        title="全面建设小康社会 开创新局面",
        subtitle="",
        blocks=(Block("一年来，聊城市政协围绕中心、服务大局，扎实履职。"), *opening, *later),
    )
    assert describe(named, article_id="x-1", source="x.txt").region.city == "聊城市"


# -- document type, level, delivery date and work year ------------------------------------

GANSU_2026 = """2026年甘肃省政府工作报告
——二〇二六年一月二十七日在甘肃省十四届人民代表大会第四次会议上
来源：甘肃日报
甘肃省省长 任振鹤
各位代表：
我代表省人民政府，向大会报告工作，请与《甘肃省国民经济和社会发展第十五个五年规划纲要（草案）》一并审议，并请省政协委员和其他列席人员提出意见。
“十四五”时期工作回顾
“十四五”时期是甘肃发展极不寻常、极不平凡的五年。2022年全省生产总值比2020年增长百分之十二，2021年以来累计新增就业一百万人。
"""

HEBEI_2005 = """政府工作报告——在河北省第十届人民代表大会第三次会议上

各位代表：

现在，我代表河北省人民政府向大会作工作报告，请予审议。请省政协各位委员和列席会议的同志提出意见。

一、2004年工作回顾

过去的一年，全省人民在党中央、国务院和中共河北省委领导下，锐意进取，开拓创新，圆满实现省十届人大二次会议确定的各项目标任务。
"""

LAIYUAN_2021 = """2021年涞源县政府工作报告

各位代表：
现在，我代表涞源县人民政府向大会报告工作，请连同《涞源县国民经济和社会发展第十四个五年规划纲要和2035年远景目标（草案）》一并审议，并请县政协委员和列席会议的同志提出意见。
一、回顾“十三五”，我们以脱贫攻坚为统揽，全面建成小康社会取得决定性成就
“十三五”时期是涞源发展史上具有里程碑意义的五年。全县生产总值比2015年增长百分之四十，五年来累计脱贫三万人。
"""

NPC_2007 = """第十届全国人民代表大会第五次会议关于政府工作报告的决议

第十届全国人民代表大会第五次会议听取和审议了国务院总理温家宝所作的政府工作报告。会议充分肯定国务院过去一年的工作，决定批准这个报告。
"""

CPC_1921 = """北京共产主义组织的报告 (一大)

同志们，北京共产主义组织仅仅是在十个月以前才产生的。我们的工作成果是微不足道的。北京的工人运动刚刚开始。
"""

GUANGDONG_2026 = """政府工作报告
——2026年1月26日在广东省第十四届
人民代表大会第五次会议上
广东省省长 孟凡利
各位代表：
现在，我代表省人民政府，向大会报告工作，请予审议，并请各位政协委员和其他列席人员提出意见。
一、2025年和“十四五”时期工作回顾
2025年是中国式现代化进程中具有重要意义的一年，也是广东改革发展历程中很不平凡的一年。
"""

LANZHOU_DECEMBER = """兰州市政府工作报告（2021年12月21日 张伟文）
各位代表：
现在，我代表市人民政府，向大会报告工作，请予审议，并请市政协委员和其他列席人员提出意见。
过去一年，全市经济稳中向好，兰州新区建设提速。
"""

TERM_2003 = """2003年中华人民共和国国务院政府工作报告

各位代表:

本届政府1998年3月就职，任期即将结束。现在，我代表国务院，向第十届全国人民代表大会第一次会议报告过去五年的工作，对今年的工作提出建议。

一、过去五年政府工作的回顾

五年来，国内生产总值比1997年增长百分之四十六。1998年以来，我们实施积极的财政政策。
"""


def _article(text: str, **overrides: object):
    from search.clean import parse_document

    (d,) = parse_document(text)
    return describe(d, article_id="t-1", source="t.txt", overrides=overrides)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the work year is the year before the session, whatever older years the review names
        (GANSU_2026, ("2026年甘肃省政府工作报告", "政府工作报告", "省级", ("甘肃省",), 2025, "2026-01-27")),
        # a five-year review: "比2015年增长" is a base year, not the year reviewed
        (LAIYUAN_2021, ("2021年涞源县政府工作报告", "政府工作报告", "县级", ("河北省", "保定市", "涞源县"), 2020, "2021")),
        # title and dateline on one line; no date: the review heading gives the year
        (HEBEI_2005, ("河北省2005年政府工作报告", "政府工作报告", "省级", ("河北省",), 2004, "")),
        # a resolution: the numbered national session is the delivery year
        (NPC_2007, ("第十届全国人民代表大会第五次会议关于政府工作报告的决议", "人大决议与报告", "全国", ("全国",), 2006, "2007")),
        # a party congress reviews the years up to its own; "(一大)" is national whatever place it names
        (CPC_1921, ("北京共产主义组织的报告 (一大)", "党代会报告", "全国", ("全国",), 1921, "1921")),
        # a bare title is completed with place and session year
        (GUANGDONG_2026, ("广东省2026年政府工作报告", "政府工作报告", "省级", ("广东省",), 2025, "2026-01-26")),
        # a session in December reviews the year that is ending
        (LANZHOU_DECEMBER, ("兰州市政府工作报告", "政府工作报告", "市级", ("甘肃省", "兰州市"), 2021, "2021-12-21")),
        # a term report delivered in 2003 reviews up to 2002, not 1997
        (TERM_2003, ("2003年中华人民共和国国务院政府工作报告", "政府工作报告", "全国", ("全国",), 2002, "2003")),
    ],
)
def test_type_level_region_years_of_reports_nobody_tuned_for(text: str, expected: tuple) -> None:
    a = _article(text)
    assert expected == (a.title, a.doc_type, a.level, a.region.path(), a.year, a.delivered)


def test_a_made_title_names_the_detected_type_never_a_committee() -> None:
    text = "各位代表：\n现在，我代表河北省人民政府向大会作工作报告，请予审议。\n一、2011年工作回顾\n刚刚过去的2011年，全省经济平稳较快发展。"
    a = _article(text, published="2012-01-06")
    assert ("河北省2012年政府工作报告", "政府工作报告", 2011) == (a.title, a.doc_type, a.year)


def test_the_page_date_is_the_delivery_date_when_nothing_better_is_found() -> None:
    d = draft("", "", "过去一年,市政协认真履职。", published="2025-01-15")
    a = describe(d, article_id="a-1", source="a.txt")
    assert ("2025-01-15", 2024) == (a.delivered, a.year)


def test_no_year_from_unrelated_dates_in_the_body() -> None:
    d = draft("关于加强社区治理的几点思考", "", "社区建设比2015年有很大进步。", "早在1998年就开始试点。")
    a = describe(d, article_id="a-1", source="a.txt")
    assert (None, "", "其他") == (a.year, a.delivered, a.doc_type)


def test_doc_type_override_changes_what_the_years_mean() -> None:
    d = draft("2025年工作报告", "", "各位委员：", "一年来，我们认真履职。")
    detected = describe(d, article_id="a-1", source="a.txt")
    overridden = describe(d, article_id="a-1", source="a.txt", overrides={"doc_type": "政协常委会工作报告"})
    assert ("其他", 2025) == (detected.doc_type, detected.year)  # the title's year is the year told of
    assert ("政协常委会工作报告", 2024) == (overridden.doc_type, overridden.year)  # the session's year


@pytest.mark.parametrize(
    ("region", "opening", "expected"),
    [
        (Region("北京市", code="110000000000"), "我代表北京市人民政府，向大会报告工作", "省级"),
        (Region("北京市", "北京市", "海淀区", "110108000000"), "", "县级"),
        (Region("河南省", "济源市", "", "419001000000"), "", "县级"),  # county-level city under the province
        (Region("河北省", code="130000000000"), "现在，我代表市人民政府，向大会报告工作", "市级"),
        (Region("河北省", code="130000000000"), "现在，我代表省人民政府，向大会报告工作", "省级"),
        (Region(), "我代表县人民政府向大会报告工作", "县级"),
        (Region(), "各位代表：", ""),
    ],
)
def test_level_from_the_region_and_the_issuing_body(region: Region, opening: str, expected: str) -> None:
    from search.metadata import detect_level

    assert expected == detect_level(region, [opening])


@pytest.mark.parametrize(
    ("title", "delivered", "disagrees"),
    [
        ("米易县2024年政府工作报告", "2022-01-24", 2024),  # the 2022 report under the 2024 name
        ("江苏省2003年政府工作报告", "2010-02-20", 2003),
        ("2025年上海市政府工作报告", "2025-01-15", None),
        ("2024年工作报告", "2025-01-07", None),  # a CPPCC report names the year it reviews
        ("关于甘肃省“九五”计划和2010年远景目标纲要的报告", "1996-02-03", None),  # a plan names years ahead
        ("政府工作报告", "2022-01-24", None),
        ("米易县2024年政府工作报告", "", None),
    ],
)
def test_a_title_year_far_from_the_delivery_is_a_point_to_check(title: str, delivered: str, disagrees: int | None) -> None:
    from search.metadata import title_disagrees

    assert disagrees == title_disagrees(title, delivered)
