"""Page furniture: navigation, share buttons, page meta, footers, captions."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.boilerplate import (
    INLINE_DROPS,
    StrippedPage,
    drop_inline_furniture,
    drop_menus,
    is_furniture,
    is_hard_footer,
    page_date,
    strip_boilerplate,
)

GOVREPORTS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "govreports"
BODY = (
    "市政协坚持围绕中心、服务大局，深入开展调查研究，提出意见建议50余条，推动解决了一批实际问题。"
)


@pytest.mark.parametrize(
    "line",
    [
        "当前位置:",
        "当前位置：首页 > 政协动态",
        "首页 > 济南市中区政协 > 领导讲话",
        "网易首页 > 网易号 > 正文 申请入驻",
        "分享至",
        "0",
        "打印本页 关闭窗口",
        "【打印】【关闭】",
        "2025-01-06 09:15:16",
        "2024-12-27",
        "访问次数: 字号:[ ]",
        "责任编辑：王伟",
        "責任編輯：吳麗芳",
        "（责任编辑：吴丽芳）",
        "(編輯:張三)",
        "责任编辑",
        "责任编辑：",
        "编辑：张三 审核：李四 终审：王五",
        "審核：李四",
        "来源：河北日报 作者：张三",
        "來源：河北日報 作者：張三",
        "来源：本站 发布时间：2024-01-05 点击数：312",
        "文章来源：保定市政府网 浏览次数：1024",
        "作者：李明 来源：人民网",
        "浏览次数 4034 次",
        "點擊量：99",
        "abcd39f1fb7f426d9dfb6bd0fa1f2146:",
        "↑",
        "Public domain",
    ],
)
def test_furniture_lines(line):
    assert is_furniture(line)


@pytest.mark.parametrize(
    "line",
    [
        BODY,
        "强理论 固根基",
        "分享经验 共促发展",  # a heading that merely starts with 分享
        "来源：解放日报",  # a source line alone is a byline, kept for detection
        "来源：江西省人民政府2025年1月17日在江西省第十四届人民代表大会第四次会议上",
        "资金来源：中央财政补助、省级配套和县级自筹，作者单位负责审核。",
        "审核：严格审核项目资金使用，确保专款专用，全年审核资金12亿元。",
        "拓宽群众增收来源，作者、编辑、记者等文化从业人员达到1.2万人。",
        "主办单位：省教育厅，各州、市人民政府",
        "2024年工作回顾",
        "一、2024年工作回顾",
        "10",
    ],
)
def test_prose_is_not_furniture(line):
    assert not is_furniture(line)


@pytest.mark.parametrize(
    "line",
    [
        "聊城新聞網 2006-2023 版權所有 聊城市新聞傳媒中心/聊城市政府新聞辦公室 聯合主辦",
        "互聯網新聞信息服務許可證編號:37120180030 魯ICP備09083931號 魯公網安備 37150202000134號",
        "本網違法和不良信息舉報電話:18663509279 舉報郵箱:lcxw@lcxw.cn",
        "Copyright © 2024 济南市市中区政协 版权所有",
        "特别声明:以上内容(如有图片或视频亦包括在内)为自媒体平台“网易号”用户上传并发布,本平台仅提供信息存储服务。",
        "Notice: The content above (including the pictures and videos if any) is uploaded and posted by a user of NetEase Hao.",
        "闪电新闻 incentive-icons",
        "280228文章数 237024关注度",
        "往期回顾 全部",
        "无障碍浏览 进入关怀版",
        "本作品是中华人民共和国的",
        "主办单位：保定市科学技术局 网址：http://kjj.baoding.gov.cn 网站标识码：1306000007",
        "主辦單位：保定市科學技術局 網址：http://kjj.baoding.gov.cn",
        "承办单位：市大数据中心 联系电话：0312-3312066",
        "政府网站标识码：1306000007",
        "技术支持：某某网络科技有限公司",
        "網址：https://www.hebei.gov.cn",
        "相关链接>>",
        "相關閱讀",
        "友情链接：",
    ],
)
def test_hard_footers(line):
    assert is_hard_footer(line)


@pytest.mark.parametrize(
    "line",
    [
        BODY,
        "严肃查处侵犯版权所有人合法权益的行为，全年办理案件120件，挽回经济损失3000余万元。",
        "主办单位：省教育厅，各州、市人民政府",  # a livelihood project's sponsors
        "主办单位：省人力资源社会保障厅、省财政厅，各州、市人民政府",
        "为纺织企业研发设计提供技术支持；获评优秀承办单位",
        "相关链接平台建设加快推进",
    ],
)
def test_prose_is_not_a_hard_footer(line):
    assert not is_hard_footer(line)


@pytest.mark.parametrize(
    ("line", "date"),
    [
        ("发布日期:2025-01-07 02:43 访问次数: 字号:[ ]", "2025-01-07"),
        ("时间：2026-02-09", "2026-02-09"),
        ("发布时间：2024年3月5日", "2024-03-05"),
        ("添加时间 2026/2/12 15:20:47  浏览次数 4034 次", "2026-02-12"),
        ("添加時間：2026-02-12", "2026-02-12"),
        ("2025-01-06 09:15:16", ""),  # a sidebar timestamp is not the page's date
        (BODY, ""),
    ],
)
def test_page_date(line, date):
    assert date == page_date(line)


def test_strip_boilerplate_drops_furniture_and_keeps_the_date():
    lines = [
        "当前位置:",
        "首页 > 济南市中区政协 > 领导讲话",
        "中国人民政治协商会议第十届济南市市中区委员会常务委员会工作报告",
        "",
        "发布日期:2025-01-07 02:43 访问次数: 字号:[ ]",
        "各位委员:",
        BODY,
        BODY,
        "打印本页 关闭窗口",
    ]
    assert StrippedPage(
        lines=(
            "中国人民政治协商会议第十届济南市市中区委员会常务委员会工作报告",
            "",
            "各位委员:",
            BODY,
            BODY,
        ),
        published="2025-01-07",
        dropped=4,
    ) == strip_boilerplate(lines)


def test_hard_footer_drops_everything_after_it():
    lines = [
        BODY,
        BODY,
        BODY,
        "特别声明:以上内容为用户上传。",
        "Notice: The content above",
        "专题推荐",
        "洞天福地 花海毕节",
    ]
    page = strip_boilerplate(lines)
    assert (BODY, BODY, BODY) == page.lines
    assert 4 == page.dropped


def test_footer_words_at_the_top_do_not_end_the_file():
    lines = ["版权所有 某某网", BODY, BODY, BODY]
    assert (BODY, BODY, BODY) == strip_boilerplate(lines).lines


def test_captions_and_their_tails_are_dropped():
    lines = [
        BODY,
        "",
        "▲ 武威市政协召开专题协商会",
        "",
        "▲ 平凉市政协举办五届市政协第一次委员",
        "",
        "培训班。",
        "",
        "",
        "",
        "2024年3月20日，政协委员企业高质量发展协商推动会议召开。",
        "2024年9月20日，马拉松接力跑活动在齐鲁天路安丘段举办。（本版图片由市政协提供）",
        "活动，开展各类调研、协商、监督75场次。",
    ]
    kept = [line for line in strip_boilerplate(lines).lines if line]
    # the second dated line follows no gap: it stays, minus its photo credit
    assert [
        BODY,
        "2024年9月20日，马拉松接力跑活动在齐鲁天路安丘段举办。",
        "活动，开展各类调研、协商、监督75场次。",
    ] == kept


def test_dated_paragraph_without_an_image_gap_stays():
    lines = [BODY, "", "2024年3月20日，政协委员企业高质量发展协商推动会议召开。"]
    assert (
        "2024年3月20日，政协委员企业高质量发展协商推动会议召开。" in strip_boilerplate(lines).lines
    )


def test_drop_menus_blanks_runs_of_short_lines_only():
    menu = ["首页", "", "领导之窗", "|", "EN", "", "政务服务", "互动交流"]
    lines = ["河北省2003年政府工作报告", "", *menu, "", BODY, "强理论 固根基", "坚持党建引领", BODY]
    out, dropped = drop_menus(lines)
    assert 6 == dropped
    assert ["河北省2003年政府工作报告", BODY, "强理论 固根基", "坚持党建引领", BODY] == [
        x for x in out if x
    ]


def test_editor_name_on_the_next_line_is_dropped():
    lines = [BODY, BODY, "责任编辑", "：吴丽芳", "", "責任編輯：", "李莎莎", "编辑：", "张三、李四"]
    assert (BODY, BODY, "") == strip_boilerplate(lines).lines


def test_a_heading_after_an_editor_label_stays():
    lines = [BODY, "责任编辑：", "强理论 固根基", BODY]
    assert (BODY, "强理论 固根基", BODY) == strip_boilerplate(lines).lines


def test_editor_note_at_the_end_of_a_paragraph_is_dropped():
    lines = [BODY + "（责任编辑：吴丽芳）", BODY + "(編輯:張三)"]
    assert (BODY, BODY) == strip_boilerplate(lines).lines


def test_site_footer_ends_the_file_only_in_its_last_part():
    footer = "主办单位：保定市科学技术局 网址：http://kjj.baoding.gov.cn 网站标识码：1306000007"
    lines = [
        footer,
        BODY,
        BODY,
        BODY,
        footer,
        "联系地址：河北省保定市东二环1539号 电话：",
        "0312-3312066",
    ]
    assert (BODY, BODY, BODY) == strip_boilerplate(lines).lines


def test_sponsor_lines_of_a_project_list_stay():
    lines = [
        BODY,
        BODY,
        "一、稳定和扩大就业",
        "年度目标：全省城镇新增就业50万人。",
        "主办单位：省教育厅，各州、市人民政府",
    ]
    assert tuple(lines) == strip_boilerplate(lines).lines


@pytest.mark.skipif(not GOVREPORTS.is_dir(), reason=f"{GOVREPORTS} is not here")
@pytest.mark.parametrize(
    ("name", "published", "last"),
    [
        (
            "2026_city_保定市_gwr_excerpt_news.txt",
            "2026-02-12",
            "做好政府工作，我们要始终坚持党的全面领导，",
        ),
        ("2022_province_河北省_government_work_report.txt", "", "各位代表！实干成就梦想，"),
        ("2026_province_四川省_government_work_report.txt", "", "20.“一件事”全链条专项整治："),
    ],
)
def test_govreports_lose_their_page_furniture(name, published, last):
    path = next(GOVREPORTS.glob(f"*/{name}"))
    page = strip_boilerplate(path.read_text(encoding="utf-8").split("\n"))
    text = "\n".join(page.lines)
    furniture = (
        "责任编辑",
        "吴丽芳",
        "李莎莎",
        "添加时间",
        "浏览次数",
        "主办单位",
        "网站标识码",
        "友情链接",
    )
    assert (published, True, []) == (
        page.published,
        [line for line in page.lines if line][-1].startswith(last),
        [word for word in furniture if word in text],
    )


def _every_pattern(line: str) -> tuple[str, int]:
    removed = 0
    for pattern in INLINE_DROPS:
        line, n = pattern.subn("", line)
        removed += n
    return line.strip(), removed


def test_the_inline_hint_passes_over_only_lines_no_pattern_changes():
    """drop_inline_furniture looks for a hint word first; every pattern run on every line of
    this file's examples, the samples and (when here) the 267 reports gives the same."""
    from .conftest import SAMPLES

    lines = [line for p in sorted(SAMPLES.iterdir()) for line in p.read_text(encoding="utf-8").splitlines()]
    lines += [c for c in Path(__file__).read_text(encoding="utf-8").split('"') if 2 < len(c) < 200]
    lines += [f"{BODY}（新华社记者 张三 摄）", "宁夏日报记者 王鼎 摄", "【字体：大 中 小】", "(稿源: 新华网)"]
    if GOVREPORTS.is_dir():
        lines += [line for p in sorted(GOVREPORTS.glob("*/*.txt")) for line in p.read_text(encoding="utf-8").splitlines()]
    changed = 0
    for line in lines:
        expected = _every_pattern(line)
        assert drop_inline_furniture(line) == expected, line
        changed += expected[1] > 0
    assert changed >= 6
