"""Cleaning raw report text into articles, paragraphs and headings."""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

import pytest

from search.clean import (
    build_article,
    display_width,
    has_pdf_signature,
    is_byline,
    is_heading,
    is_title_line,
    parse_document,
    rejoin_paragraphs,
    remove_pdf_spaces,
    remove_word_spaces,
    split_articles,
    split_long_paragraph,
    subtitle_of,
    unwrap_lines,
    wrap_width,
)
from search.documents import ArticleDraft, Block
from search.glosses import LOST_MARK, is_mojibake_line, mojibake_runs
from search.pages import (
    decode_escapes,
    html_to_text,
    normalize_spacing,
    strip_site_suffix,
    unescape_entities,
)

REPORTS = Path(__file__).resolve().parent.parent / "data" / "reports"
GOVREPORTS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "govreports"
BODY = (
    "市政协坚持围绕中心、服务大局，深入开展调查研究，提出意见建议50余条，推动解决了一批实际问题。"
)
BODY2 = "围绕加快转变经济发展方式，组织委员深入企业调研，形成专题报告3篇，得到市委主要领导批示。"
OPEN = "市政协坚持围绕中心、服务大局，深入开展调查研究，组织委员就建筑垃圾渣土治理开展专项视察，市各民主党派参加政协调研视察"


@cache
def sample(stem: str) -> tuple[ArticleDraft, ...]:
    path = next(REPORTS.glob(f"{stem}_*.txt"))
    return tuple(parse_document(path.read_text(encoding="utf-8")))


def all_blocks() -> list[str]:
    return [
        b.text
        for stem in ("000", "001", "002", "003", "004")
        for a in sample(stem)
        for b in a.blocks
    ]


# --- HTML and spacing --------------------------------------------------------------------


def test_html_to_text_breaks_blocks_and_drops_scripts_and_navigation():
    page = (
        "<html><head><style>p{color:red}</style><script>var a='政协';</script></head><body>"
        "<nav>首页 | 政协动态</nav><header>站点标题</header>"
        "<h1>工作报告</h1><p>第一段&nbsp;内容&amp;要点</p><div>第二段<br>第三段</div>"
        "<ul><li>一项</li><li>二项</li></ul><footer>版权所有</footer></body></html>"
    )
    lines = [line for line in normalize_spacing(html_to_text(page)).split("\n") if line]
    assert ["工作报告", "第一段 内容&要点", "第二段", "第三段", "一项", "二项"] == lines


@pytest.mark.parametrize(
    ("title", "stripped"),
    [
        ("政协潍坊市委员会常务委员会工作报告_潍坊市政协", "政协潍坊市委员会常务委员会工作报告"),
        ("2024年市政协工作报告_要闻动态_潍坊市政协", "2024年市政协工作报告"),
        ("政府工作报告 - 河北省人民政府 | 门户网站", "政府工作报告"),
        ("2024年政府工作报告 - NetEase", "2024年政府工作报告"),
        ("政協工作報告 | 聊城新聞網", "政協工作報告"),
        ("淄博政协这一年|以实干实绩交出履职新答卷", "淄博政协这一年|以实干实绩交出履职新答卷"),
        ("淄博政协这一年 | 以实干实绩交出履职新答卷", "淄博政协这一年 | 以实干实绩交出履职新答卷"),
        ("工作_报告", "工作_报告"),  # nothing would be left of the title
        ("政府工作报告", "政府工作报告"),
    ],
)
def test_strip_site_suffix(title, stripped):
    assert stripped == strip_site_suffix(title)


TITLE = "<title>政协潍坊市委员会常务委员会工作报告_潍坊市政协</title>"


@pytest.mark.parametrize(
    ("head", "body", "title", "first_block"),
    [
        (TITLE, "<h1>常务委员会<b>工作报告</b></h1>", "常务委员会工作报告", BODY),
        (TITLE, "", "政协潍坊市委员会常务委员会工作报告", BODY),
        (TITLE, "<header><h1>潍坊市政协</h1></header>", "政协潍坊市委员会常务委员会工作报告", BODY),
        (TITLE, "<h1>潍坊市政协</h1>", "政协潍坊市委员会常务委员会工作报告", "潍坊市政协"),
        ("<title>工作报告</title>", "<h1>工作报告</h1>", "工作报告", BODY),  # not twice
    ],
)
def test_html_title_from_h1_or_title_without_site_name(head, body, title, first_block):
    page = f"<html><head>{head}</head><body>{body}<p>{BODY}</p><p>{BODY}</p></body></html>"
    [article] = parse_document(page, is_html=True)
    assert (title, first_block) == (article.title, article.blocks[0].text)


def test_body_title_lines_keep_their_separators():
    [article] = parse_document(f"政协工作报告_潍坊市政协\n{BODY}\n{BODY}")
    assert "政协工作报告_潍坊市政协" == article.title


def test_tag_remnants_in_plain_text_are_removed():
    text = "以“新作为”彰显新担当</b><br>展现协商民主新作为"
    [article] = parse_document(text + "\n" + BODY)
    assert ("以“新作为”彰显新担当", (Block("展现协商民主新作为", True), Block(BODY))) == (
        article.title,
        article.blocks,
    )


def test_normalize_spacing():
    raw = "# 奋进新征程\u3000展现新作为\r\n## ——综述\r\u00a0\u00a0强理论\u200b固根基\ufeff\n\t正文"
    assert "奋进新征程 展现新作为\n——综述\n强理论固根基\n正文" == normalize_spacing(raw)


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        (
            "各位代表：\\r\\n现在，我代表\\r\\n一、回顾\\r\\n",
            "各位代表：\n现在，我代表\n一、回顾\n",
        ),
        ("第一段\\n第二段\\n第三段\\t表", "第一段\n第二段\n第三段\t表"),
        ("一\\r二\\r三\\r四", "一\n二\n三\n四"),
        ("用\\n表示换行。", "用\\n表示换行。"),  # a lone escape in normal text stays
        ("路径C:\\\\new\\\\n\\\\t\\\\r", "路径C:\\\\new\\\\n\\\\t\\\\r"),  # escaped backslashes
        ("没有转义的正文。", "没有转义的正文。"),
    ],
)
def test_decode_escapes(raw, decoded):
    assert decoded == decode_escapes(raw)


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        ("&nbsp;&nbsp;（一）经济发展", "\u00a0\u00a0（一）经济发展"),
        ("研发&amp;创新 &lt;试行&gt;", "研发&创新 <试行>"),
        ("&#12288;&#x3000;正文", "\u3000\u3000正文"),
        ("R&D投入增长12%，AT&T", "R&D投入增长12%，AT&T"),
        ("a&parab &unknown;", "a&parab &unknown;"),  # only whole, known entities
    ],
)
def test_unescape_entities(raw, decoded):
    assert decoded == unescape_entities(raw)


def test_literal_escapes_and_entities_give_paragraphs():
    raw = (
        f"县政府工作报告\n\n各位代表：\\r\\n{BODY}\\r\\n&nbsp;\\r\\n一、工作回顾\\r\\n&nbsp; {BODY2}"
    )
    [article] = parse_document(raw)
    assert (
        "县政府工作报告",
        (Block("各位代表："), Block(BODY), Block("一、工作回顾", True), Block(BODY2)),
    ) == (article.title, article.blocks)


@pytest.mark.skipif(not GOVREPORTS.is_dir(), reason=f"{GOVREPORTS} is not here")
@pytest.mark.parametrize(
    ("name", "paragraphs"),
    [
        ("2012_county_容城县_government_work_report.txt", 92),
        ("2024_county_顺平县_government_work_report.txt", 67),
        ("2005_county_清苑区_government_work_report.txt", 89),
    ],
)
def test_govreports_with_literal_escapes_give_paragraphs(name, paragraphs):
    [article] = parse_document(next(GOVREPORTS.glob(f"*/{name}")).read_text(encoding="utf-8"))
    texts = [b.text for b in article.blocks]
    assert (paragraphs, [], []) == (
        len(texts),
        [t for t in texts if "\\r" in t or "\\n" in t or "&nbsp;" in t],
        [t for t in texts if len(t) > 1000],
    )


# --- PDF column text -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "clean"),
    [
        (
            "认真贯彻落实习 近平总书记关于加强和改进人民政协工作的重要 思想",
            "认真贯彻落实习近平总书记关于加强和改进人民政协工作的重要思想",
        ),
        ("为奋力谱写中国式现 代化武威实践新篇章", "为奋力谱写中国式现代化武威实践新篇章"),
        (
            "深入学习贯彻党的二十 大和二十届二中、三中全会精神",
            "深入学习贯彻党的二十大和二十届二中、三中全会精神",
        ),
        ('深刻领悟"两个确立" 的决定性意义', '深刻领悟"两个确立"的决定性意义'),
        ("2024年以来共有 124名政协委员参与诉前调解", "2024年以来共有124名政协委员参与诉前调解"),
        ("意见(试 行)》,建立", "意见(试行)》,建立"),
        (
            "凝心聚力促发展 团结奋斗启新程",
            "凝心聚力促发展 团结奋斗启新程",
        ),  # balanced title phrases
        ("强理论 固根基", "强理论 固根基"),
        ("Notice: The content above", "Notice: The content above"),
    ],
)
def test_remove_pdf_spaces(line, clean):
    assert clean == remove_pdf_spaces(line)


def test_pdf_signature_only_on_column_text():
    pdf = (REPORTS / next(p.name for p in REPORTS.glob("004_*"))).read_text(encoding="utf-8")
    web = (REPORTS / next(p.name for p in REPORTS.glob("000_*"))).read_text(encoding="utf-8")
    assert [True, False] == [has_pdf_signature(pdf), has_pdf_signature(web)]


def test_text_without_the_signature_keeps_its_spaces():
    [article] = parse_document(
        f"强理论 固根基\n{BODY}\n“学习新思想 建功新时代”学习实践活动贯穿全年。"
    )
    assert "“学习新思想 建功新时代”学习实践活动贯穿全年。" == article.blocks[-1].text


# --- line kinds ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "强理论 固根基",
        "坚持党建引领“聚合力”",
        "一、2024年工作回顾",
        "(一)始终坚持高举旗帜,着力铸牢政治之魂",
        "政治引领,夯实履职“强根基”",
        "深耕主业:奏响建言“最强音”",
        "以“新思想”錨定新航向",
        "第一部分 过去五年工作回顾",
        "筑牢政治底色,把准正确方向,在思想政治引领上体现更高站位",
        "（四）精心打造宜居、韧性、智慧城市，城市治理现代化水平进一步提高",
    ],
)
def test_headings(text):
    assert is_heading(text)


@pytest.mark.parametrize(
    "text",
    [
        BODY,
        OPEN,  # long and unfinished: a paragraph cut off, not a heading
        "各位委员:",
        "2024年，215家住潍省市政协委员所在企业预计实现主营业务收入4814.6亿元，",
        "(一)以凝心铸魂把方向为根本,持续强化政治建设。坚持和加强党的全面领导。",
        "打铁必须自身硬。",
        "Notice: The content above",
    ],
)
def test_not_headings(text):
    assert not is_heading(text)


@pytest.mark.parametrize(
    ("text", "subtitle"),
    [
        ("-政协平凉市委员会亮点工作综述", "政协平凉市委员会亮点工作综述"),
        ("——潍坊市政协2024年工作综述", "潍坊市政协2024年工作综述"),
        ("―政协武威市委员会工作报告", "政协武威市委员会工作报告"),
        ("一政协平凉市委员会亮点工作综述", "政协平凉市委员会亮点工作综述"),
        ("——202517日在政协第届济南市", ""),  # a dateline, not a subtitle
        ("——2026年2月3日在上海市第十六届人民代表大会第四次会议上", ""),
        ("一抓实政协党建,强化教育引领。市政协党组充分发挥作用。", ""),
        ("——团结联谊聚人心", ""),
    ],
)
def test_subtitle_of(text, subtitle):
    assert subtitle == subtitle_of(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("□本报通讯员 张进 于桐", True),
        ("■ 本報記者 張穎", True),
        ("闪电新闻记者 孙凯旋 通讯员 徐勐 李伟 马斌 报道", True),
        ("来源：解放日报", True),
        ("习 近 平", True),
        ("上海市市长 龚 正", True),
        ("记者从市政协获悉，全年共立案提案503件，办复率100%。", False),
        (BODY, False),
    ],
)
def test_is_byline(text, expected):
    assert expected is is_byline(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("淄博政协这一年|以实干实绩交出履职新答卷", True),
        ("中国人民政治协商会议第十届济南市市中区委员会常务委员会工作报告", True),
        ("一、2024年工作回顾", False),
        ("■ 本報記者 張穎", False),
        (BODY, False),
    ],
)
def test_is_title_line(text, expected):
    assert expected is is_title_line(text)


# --- paragraphs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paras", "joined", "joins"),
    [
        (
            [OPEN, "活动，开展各类调研、协商、监督75场次。"],
            [OPEN + "活动，开展各类调研、协商、监督75场次。"],
            1,
        ),
        ([OPEN, "凝共识 重协作", BODY], [OPEN, "凝共识 重协作", BODY], 0),  # a heading follows
        (
            [OPEN, "加强机关自身建设。坚决贯彻执行中央八项规定。"],
            [OPEN, "加强机关自身建设。坚决贯彻执行中央八项规定。"],
            0,
        ),
        ([OPEN, "-坚持党的领导,恪守政治原则。"], [OPEN, "-坚持党的领导,恪守政治原则。"], 0),
        (
            [
                "二十二年的栉风沐雨、同心筑梦,市政协在团结民主中谱写了一曲聚同化异、广聚共识的铿锵乐",
                "二十二年的奋楫前行、守正创新,市政协汇聚了磅礴力量。",
            ],
            [
                "二十二年的栉风沐雨、同心筑梦,市政协在团结民主中谱写了一曲聚同化异、广聚共识的铿锵乐",
                "二十二年的奋楫前行、守正创新,市政协汇聚了磅礴力量。",
            ],
            0,
        ),
        (
            [BODY, "同心同向同行，汇识汇智汇力。"],
            [BODY, "同心同向同行，汇识汇智汇力。"],
            0,
        ),  # A is finished
        (
            ["依据《", "中华人民共和国著作权法", "》第五条，本作品不适用于该法。"],
            ["依据《中华人民共和国著作权法》第五条，本作品不适用于该法。"],
            2,
        ),
        ([OPEN + "纳入", "法制", "化、规范化轨道。"], [OPEN + "纳入法制化、规范化轨道。"], 2),
    ],
)
def test_rejoin_paragraphs(paras, joined, joins):
    assert (joined, joins) == rejoin_paragraphs(paras)


SENTENCE_50 = "甲" * 49 + "。"


@pytest.mark.parametrize(
    ("text", "lengths"),
    [
        (SENTENCE_50 * 20, [1000]),  # an ordinary long paragraph stays whole
        (SENTENCE_50 * 30, [1500]),
        (SENTENCE_50 * 31, [800, 750]),  # about equal pieces, cut at sentence ends
        (SENTENCE_50 * 100, [1250, 1250, 1250, 1250]),
        ("甲" * 3200, [1500, 1500, 200]),  # no sentence end at all: cut at the limit
        ("乙" * 1999 + "！" + SENTENCE_50 * 2, [1500, 600]),
    ],
)
def test_split_long_paragraph(text, lengths):
    pieces = split_long_paragraph(text)
    assert (lengths, text) == ([len(p) for p in pieces], "".join(pieces))


def test_split_long_paragraph_keeps_closers_with_their_sentence():
    text = "他说：“" + "甲" * 996 + "。”" + "乙" * 599 + "；" + "丙" * 99 + "？"
    assert ["他说：“" + "甲" * 996 + "。”", "乙" * 599 + "；" + "丙" * 99 + "？"] == (
        split_long_paragraph(text)
    )


def test_a_file_without_line_breaks_gives_bounded_paragraphs():
    # 960,000 characters on one line, every sentence its own (repeats would be dropped)
    text = "某县政府工作报告\n" + "".join(BODY.replace("50", str(n)) for n in range(20_000))
    [article] = parse_document(text)
    lengths = {len(b.text) for b in article.blocks}
    assert ("某县政府工作报告", 666, True) == (
        article.title,
        len(article.blocks),
        max(lengths) <= 1500,
    )


def test_interleaved_pdf_columns_are_untangled_only_in_pdf_mode():
    a = "构建新时代公益保护协同监督新模式,全市检察机关通过梳理政协提案和社情民意信息发现公益诉讼案件线索78条,"
    b = "聚焦服务发展主动担当作为。探索建立政协助力经济社会高质量发展、招商引资走深走实、营"
    c = "立案办理公益诉讼案件69件,制发检察建议57件。"
    d = "商环境提质增效等3项工作机制,以协商有方、监督有力、参政有为的实际行动助力高质量发展。"
    assert ([a + c, b + d], 2) == rejoin_paragraphs([a, b, c, d], pdf=True)
    # without the PDF signature only the safe single join applies: b's tail is lost to c
    assert 4 > len(rejoin_paragraphs([a, b, c, d])[0])


def test_split_articles_at_title_and_subtitle_and_drops_junk_between():
    paras = [
        "凝心聚力促发展 团结奋斗启新程",
        "-政协武威市委员会亮点工作综述",
        BODY,
        "我多人感恩物题多",
        "履职尽责担使命 奋发进取展作为",
        "-政协平凉市委员会亮点工作综述",
        BODY,
        "强理论 固根基",
    ]
    assert [paras[:3], paras[4:]] == split_articles(paras)


def test_title_lines_without_body_do_not_make_an_article():
    paras = [
        "决胜全面建成小康社会 (十九大)",
        "为夺取新时代中国特色社会主义伟大胜利",
        "——在中国共产党第十九次全国代表大会上的报告",
        BODY,
    ]
    assert [paras] == split_articles(paras)


def test_build_article_moves_cover_page_before_salutation_into_lead():
    paras = [
        "中国人民政治协商会议第十届济南市市中区委员会常务委员会工作报告",
        "中国人民政治协商会议",
        "工作报",
        "——202517日在政协第届济南市",
        "王书信",
        "各位委员:",
        BODY,
        "一、2024年工作回顾",
        BODY2,
    ]
    assert ArticleDraft(
        title=paras[0],
        subtitle="",
        blocks=(Block("各位委员:"), Block(BODY), Block("一、2024年工作回顾", True), Block(BODY2)),
        published="2025-01-07",
        lead="中国人民政治协商会议\n工作报\n——202517日在政协第届济南市\n王书信",
    ) == build_article(paras, "2025-01-07")


def test_published_from_a_dateline_in_the_lead():
    paras = [
        "2000年政府工作报告",
        "———在河北省第九届人民代表大会第三次会议上",
        "河北省人民政府省长 钮茂生",
        "（2000年1月20日）",
        "各位代表：",
        BODY,
    ]
    article = build_article(paras)
    assert ("2000-01-20", "", "各位代表：") == (
        article.published,
        article.subtitle,
        article.blocks[0].text,
    )


def test_empty_and_noise_only_documents_give_no_articles():
    assert [] == parse_document("")
    assert [] == parse_document("当前位置:\n首页 > 政协 > 新闻\n分享至\n0\n")


# --- the sample reports ------------------------------------------------------------------


def test_sample_article_counts_and_titles():
    titles = {
        stem: [(a.title, a.subtitle) for a in sample(stem)]
        for stem in ("000", "001", "002", "003", "004")
    }
    assert {
        "000": [("奋进新征程 展现新作为", "潍坊市政协2024年工作综述")],
        "001": [("", "")],
        "002": [("中国人民政治协商会议第十届济南市市中区委员会常务委员会工作报告", "")],
        "003": [("淄博政协这一年|以实干实绩交出履职新答卷", "")],
        "004": [
            ("凝心聚力促发展 团结奋斗启新程", "政协武威市委员会亮点工作综述"),
            ("履职尽责担使命 奋发进取展作为", "政协平凉市委员会亮点工作综述"),
        ],
    } == titles


def test_sample_leads_and_dates():
    leads = {
        stem: [(a.lead.split("\n")[0], a.published) for a in sample(stem)]
        for stem in ("000", "001", "002", "003")
    }
    assert {
        "000": [("□本报通讯员 张进 于桐", "")],
        "001": [("■ 本報記者 張穎", "")],
        "002": [("中国人民政治协商会议", "2025-01-07")],
        "003": [("闪电新闻记者 孙凯旋 通讯员 徐勐 李伟 马斌 报道", "")],
    } == leads


@pytest.mark.parametrize(
    "residue",
    [
        "(xié)",
        "(wù)",
        "lián)",
        "版權所有",
        "版权所有",
        "Notice:",
        "特别声明",
        "打印本页",
        "当前位置",
        "▲",
        "分享至",
        "incentive-icons",
        "2025-01-06 09:15:16",
        "本版图片",
        "我多人感恩物题多",
        "?",
    ],
)
def test_no_residue_in_any_sample_block(residue):
    assert [] == [text for text in all_blocks() if residue in text]


def test_seed_004_pdf_spaces_are_gone():
    text = "\n".join(b.text for a in sample("004") for b in a.blocks)
    assert (
        "习近平" in text,
        "中国式现代化" in text,
        "习 近平" in text,
        "中国式现 代化" in text,
    ) == (True, True, False, False)


def test_seed_004_interleaved_columns_are_restored():
    texts = [b.text for b in sample("004")[0].blocks]
    assert any(
        t.endswith("发现公益诉讼案件线索78条,立案办理公益诉讼案件69件,制发检察建议57件。")
        for t in texts
    )
    assert any("招商引资走深走实、营商环境提质增效等3项工作机制" in t for t in texts)


def test_seed_002_body_starts_at_the_salutation():
    [article] = sample("002")
    assert [
        Block("各位委员:"),
        Block("我代表政协第届济南市市中区委员会常务委员会,向大会报告工作,请予审议。"),
        Block("一、2024年工作回顾", True),
    ] == list(article.blocks[:3])
    assert "2025-01-07" == article.published


def test_seed_001_lost_characters_are_marked():
    [article] = sample("001")
    assert Block(f"以“新作為”彰顯新{LOST_MARK}", True) in article.blocks
    assert article.blocks[-1].text.startswith(f"新時代呼喚新{LOST_MARK},新征程呼喚新作為。")


def test_seed_000_headings_and_caption_gap():
    [article] = sample("000")
    headings = [b.text for b in article.blocks if b.is_heading]
    assert [
        "强理论 固根基",
        "坚持党建引领“聚合力”",
        "聚合力 谋发展",
        "书写履职尽责“优答卷”",
        "凝共识 重协作",
        "奏响界别奋进“最强音”",
        "求实效 出实招",
        "助力委员企业“加速跑”",
        "练本领 提能力",
        "扛牢使命担当“挑大梁”",
    ] == headings
    # the paragraph broken around two photo captions is whole again
    assert any(
        "参加政协调研视察活动，开展各类调研、协商、监督75场次" in b.text for b in article.blocks
    )


# --- hard wraps, broken sentences, word spaces, duplicates, mojibake, repairs ---------------

# Paragraphs in the styles of a provincial report, a county report and a CPPCC report.
WRAP_SOURCE = [
    "过去一年，面对复杂严峻的外部环境，我们坚持稳中求进工作总基调，完整准确全面贯彻新发展理念，"
    "全省地区生产总值增长5.4%，一般公共预算收入增长6.1%，城乡居民人均可支配收入分别增长4.8%和6.9%。",
    "坚持把优化营商环境作为“一号改革工程”，深化“放管服”改革，全力营造公平规范的法制环境、"
    "优质高效的服务环境，新登记经营主体12.3万户，民间投资增长8.2%。",
    "市政协围绕乡村振兴、生态保护等重点课题开展专题协商12次，提出意见建议160余条，"
    "推动农产品市场准入制度落地见效，助力综合性港口群建设。",
    "今年要抓好以下重点工作：扎实推进新型工业化，加快建设现代化产业体系，"
    "规模以上工业增加值增长6%左右，数字经济核心产业增加值占比提高到10.5%。",
    "县委、县政府坚持把保障和改善民生作为一切工作的出发点和落脚点，"
    "全年民生支出占一般公共预算支出的比重达到80.3%，新增城镇就业3260人。",
]


def hard_wrap(paragraphs: list[str], width: int, indent: str = "") -> str:
    """The paragraphs as a PDF copy gives them: a line break every `width` columns
    (a Han character takes two, a digit one)."""
    lines = []
    for para in paragraphs:
        line = indent
        for ch in para:
            if display_width(line + ch) > width * 2:
                lines.append(line)
                line = ""
            line += ch
        lines.append(line)
    return "\n".join(lines)


@pytest.mark.parametrize("indent", ["", "\u3000\u3000"])
@pytest.mark.parametrize("width", [24, 38])
def test_hard_wrapped_text_is_rejoined_into_its_paragraphs(width, indent):
    raw = "某省政府工作报告\n" + hard_wrap(WRAP_SOURCE, width, indent)
    [article] = parse_document(raw)
    wrapped = raw.count("\n") - len(WRAP_SOURCE)
    assert (WRAP_SOURCE, wrapped) == (
        [b.text for b in article.blocks],
        dict(article.repairs).get("wrapped_lines_joined", 0)
        + dict(article.repairs).get("broken_paragraphs_joined", 0),
    )


def test_unwrap_keeps_ragged_text_as_it_is():
    # one paragraph a line, every length: what a web page or a typed report gives
    text = "".join(WRAP_SOURCE)
    lines = [text[i : i + 12 + 9 * n] + "。" for n, i in enumerate(range(0, 150, 10))]
    assert (lines, [0] * len(lines)) == unwrap_lines(lines)
    assert 0 == wrap_width(lines)


def test_unwrap_stops_at_indented_lines_and_headings():
    body = hard_wrap([WRAP_SOURCE[1]], 30).split("\n")  # the last line is full and ends on 。
    lines = [*body, "二、今年工作安排", *body, *body]
    out, joins = unwrap_lines(lines, frozenset({body[0]}))
    assert [WRAP_SOURCE[1], "二、今年工作安排", WRAP_SOURCE[1], WRAP_SOURCE[1]] == out
    assert 3 * (len(body) - 1) == sum(joins)


@pytest.mark.parametrize(
    ("paras", "joined"),
    [
        # a subscript on a line of its own: （PM / 2.5 / ）
        ([OPEN + "（PM", "2.5", "）平均浓度下降9.1%。"], [OPEN + "（PM2.5）平均浓度下降9.1%。"]),
        # a break inside 在于: a lead-in shape after it is the rest of the sentence
        (
            [OPEN + "问题在", "于我们自己如何学习。如果学习得不好，责任完全在于我们。"],
            [OPEN + "问题在于我们自己如何学习。如果学习得不好，责任完全在于我们。"],
        ),
        ([OPEN + "交出合格", "答卷。"], [OPEN + "交出合格答卷。"]),
        # a link split whose rest looks like a heading, after a clause cut off at 的
        (
            [OPEN + "营造公平规范的", "法制", "环境、优质高效的服务环境和山川秀美的生态环境，为加快"],
            [OPEN + "营造公平规范的法制环境、优质高效的服务环境和山川秀美的生态环境，为加快"],
        ),
        # a finished paragraph and a numbered heading stay apart
        ([BODY, "2.加强自身建设"], [BODY, "2.加强自身建设"]),
        ([OPEN, "（二）加强自身建设"], [OPEN, "（二）加强自身建设"]),
    ],
)
def test_broken_sentences_are_joined(paras, joined):
    assert joined == rejoin_paragraphs(paras)[0]


@pytest.mark.parametrize(
    ("line", "cleaned", "removed"),
    [
        ("切实抓好农产 品市场准入，强化全程质量控制。", "切实抓好农产品市场准入，强化全程质量控制。", 1),
        ("尽快形成现代化综 合性港口群；加快新区建设。", "尽快形成现代化综合性港口群；加快新区建设。", 1),
        ("这 里，还需要特别强调优化发展环境问题。", "这里，还需要特别强调优化发展环境问题。", 1),
        ("严守政治规矩， 心系“国之大者”，全力开展 “三大行动”。", "严守政治规矩，心系“国之大者”，全力开展“三大行动”。", 2),
        # spaces the text means
        ("实施“好品山东 商行天下”系列活动。", "实施“好品山东 商行天下”系列活动。", 0),
        ("贯彻《中共中央 国务院关于加快建设全国统一大市场的意见》。", "贯彻《中共中央 国务院关于加快建设全国统一大市场的意见》。", 0),
        ("强理论 固根基", "强理论 固根基", 0),
        ("《举办国际精酿啤酒节 焕发老商埠片区新生机》等建议", "《举办国际精酿啤酒节 焕发老商埠片区新生机》等建议", 0),
        ("制定了贯彻《政府信息公 开条例》的办法。", "制定了贯彻《政府信息公开条例》的办法。", 1),
        ("美丽乡村 按照促进人与自然和谐的要求，推进建设。", "美丽乡村 按照促进人与自然和谐的要求，推进建设。", 0),
        ("农产 品市场准入，强化全程质量控制。", "农产品市场准入，强化全程质量控制。", 1),  # cuts 农产品
        ("主任 王伟 李明 张强", "主任 王伟 李明 张强", 0),
        ("截至 2024 年底，GDP 增长 5%。", "截至 2024 年底，GDP 增长 5%。", 0),
        ("举办“828 B2B”企业节。", "举办“828 B2B”企业节。", 0),
    ],
)
def test_remove_word_spaces(line, cleaned, removed):
    assert (cleaned, removed) == remove_word_spaces(line)


def test_word_spaces_go_in_files_that_are_not_pdf_copies():
    raw = "县政府工作报告\n" + "\n".join([BODY, "切实抓好农产 品市场准入，强化全程质量控制。", BODY2])
    [article] = parse_document(raw)
    assert "切实抓好农产品市场准入，强化全程质量控制。" == article.blocks[1].text
    assert 1 == dict(article.repairs)["spaces_removed"]


def test_a_paragraph_repeated_in_an_article_is_kept_once():
    notes = [f"〔{n}〕{term}：即{BODY[:20 + n]}。" for n, term in enumerate(["三创四建", "放管服", "河湖长制"], 1)]
    raw = "\n".join(["县政府工作报告", "各位代表：", BODY, "注释", *notes, "注释", *notes, BODY2])
    [article] = parse_document(raw)
    assert ["各位代表：", BODY, "注释", *notes, "注释", BODY2] == [b.text for b in article.blocks]
    assert 3 == dict(article.repairs)["duplicates_dropped"]


def test_mojibake_is_dropped_or_marked_and_counted():
    garbled = "斬撠煛⒙男新毮鍙戝睍鏀跨瓥鍗忓晢"
    raw = "\n".join(
        [
            "市政协工作报告",
            BODY,
            garbled,
            f"市政协党组自觉在市委坚强领导下斬撠煛⒙男新毮〓,始终与市委同向发力。{BODY2}",
        ]
    )
    [article] = parse_document(raw)
    assert [BODY, f"市政协党组自觉在市委坚强领导下斬{LOST_MARK},始终与市委同向发力。{BODY2}"] == [
        b.text for b in article.blocks
    ]
    repairs = dict(article.repairs)
    assert (1, 1) == (repairs["mojibake_lines_dropped"], repairs["mojibake_runs_replaced"])


@pytest.mark.parametrize("stem", ["000", "001", "002", "003", "004"])
def test_no_line_of_a_sample_is_mojibake_but_the_garbled_one(stem):
    path = next(REPORTS.glob(f"{stem}_*.txt"))
    runs = [
        line[s:e]
        for line in path.read_text(encoding="utf-8").splitlines()
        for s, e in mojibake_runs(line)
    ]
    assert not any(is_mojibake_line(line) for line in path.read_text(encoding="utf-8").splitlines())
    assert (["撠煛⒙男新毮"] if stem == "001" else []) == [r.strip("?〓") for r in runs]


def test_repairs_count_furniture_and_keep_the_dateline_in_the_lead():
    raw = "\n".join(
        [
            "自治区政府工作报告",
            "发表时间：2026-02-03 09:12 【字体：大 中 小】",
            "齐鲁网·闪电新闻1月13日讯 " + BODY,
            "自治区人民政府主席作政府工作报告。 宁夏日报记者 王鼎 摄",
            BODY2,
            "（来源：青海日报）",
        ]
    )
    [article] = parse_document(raw)
    assert [BODY, "自治区人民政府主席作政府工作报告。", BODY2] == [b.text for b in article.blocks]
    assert "齐鲁网·闪电新闻1月13日讯" in article.lead
    # the 发表时间/字体 line, the dateline, the photo credit, the source note
    assert 4 == dict(article.repairs)["furniture_removed"]


def test_a_real_build_finds_a_phrase_across_a_hard_wrap_and_indexes_a_repeat_once(tmp_path):
    from search.engine import SearchEngine
    from search.indexer import build_index
    from search.results import SearchRequest

    src = tmp_path / "reports"
    src.mkdir()
    text = hard_wrap(WRAP_SOURCE, 30, "\u3000\u3000")
    (src / "2024_某省政府工作报告.txt").write_text(
        "某省2024年政府工作报告\n" + text + "\n\u3000\u3000" + WRAP_SOURCE[2] + "\n", encoding="utf-8"
    )
    build_index([src], tmp_path / "index")
    engine = SearchEngine(tmp_path / "index")
    found = {q: engine.search(SearchRequest(query=f'"{q}"')).total for q in
             ("营造公平规范的法制环境", "农产品市场准入", "综合性港口")}
    assert {"营造公平规范的法制环境": 1, "农产品市场准入": 1, "综合性港口": 1} == found


@pytest.mark.parametrize(
    ("right", "joins"),
    [
        ("也将是劳动就业的一个辅助方面。最近各地劳动部门作了有益的尝试。", 1),
        ("加强机关自身建设。坚决贯彻执行中央八项规定。", 0),  # a lead-in opens a paragraph
        ("之比达到2.08%。国内有效发明专利拥有量突破100万件。", 1),
        ("和谐社会建设扎实推进。", 0),
    ],
)
def test_a_lead_in_after_a_clause_cut_on_a_han_character(right, joins):
    assert joins == rejoin_paragraphs([OPEN, right])[1]


@pytest.mark.parametrize(
    ("paras", "joined"),
    [
        # no paragraph ends on a comma or a 、
        ([OPEN + "，", "坚决彻底干净全部消灭之！"], [OPEN + "，坚决彻底干净全部消灭之！"]),
        ([OPEN + "降低15%、15%、", "19%。"], [OPEN + "降低15%、15%、19%。"]),
        ([OPEN + "，", "（二）加强自身建设"], [OPEN + "，", "（二）加强自身建设"]),
        # a link with quotes or a book title, its rest opening on a quote
        (
            [OPEN + "制定了贯彻国务院", "《政府信息公开条例》", "实施办法。"],
            [OPEN + "制定了贯彻国务院《政府信息公开条例》实施办法。"],
        ),
        ([OPEN + "坚决清理", "整治", "“大棚房”。"], [OPEN + "坚决清理整治“大棚房”。"]),
        # an item after a colon is not a link
        (
            [OPEN + "主要做了以下工作：", "一是落实振兴政策举措", "认真贯彻国务院文件精神。"],
            [OPEN + "主要做了以下工作：", "一是落实振兴政策举措", "认真贯彻国务院文件精神。"],
        ),
    ],
)
def test_clauses_cut_after_a_comma_or_around_a_link_are_joined(paras, joined):
    assert joined == rejoin_paragraphs(paras)[0]


def test_display_widths_of_many_lines_equal_each_lines_own():
    from search.clean import display_widths

    from .conftest import SAMPLES

    lines = [line for p in sorted(SAMPLES.iterdir()) for line in p.read_text(encoding="utf-8").splitlines()]
    lines += ["", "abc", "ａｂｃ", "𠀀𠀁x", "😀 emoji", "한국어", "", "tab\tand　ideographic space"]
    def columns(line: str) -> int:  # the reference: East Asian width, character by character
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)

    assert display_widths(lines) == [columns(line) for line in lines]
    assert [display_width(line) for line in lines] == [columns(line) for line in lines]
    assert display_widths([]) == []
    assert display_widths(["𠀀a"]) == [3]
