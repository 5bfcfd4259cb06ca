"""Page furniture around an article: navigation, share buttons, page meta, footers, captions.

The rules are data: lists of regular expressions over stripped lines, in Simplified and
Traditional forms. `strip_boilerplate` applies them to the lines of one file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SHORT = 120  # furniture lines are short; a long line is prose even if it names a footer word

EDITOR = (
    "(责任编辑|責任編輯|责编|責編|编辑|編輯|审核|審核|审校|審校|校对|校對"
    "|初审|初審|复审|複審|终审|終審|签发|簽發|监制|監製)"
)
_META_LABEL = (
    r"\s*(作者|编辑|編輯|责任编辑|責任編輯|发布时间|發佈時間|发布日期|發佈日期|点击|點擊"
    r"|浏览|瀏覽|阅读|閱讀|字号|字號)(次数|次數|量)?\s*[:：].{0,60}"
)

# Whole lines that are page furniture wherever they appear.
DROP_LINES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        r"(当前位置|當前位置|您的位置|你的位置|您现在的位置)\s*[:：].*",
        r"[^。，,]{0,30}(首页|首頁|主页)\s*[>＞›»].*",  # breadcrumbs: 首页 > 政协 > 领导讲话
        r"[^。，,>]{1,20}(\s*[>＞›»]\s*[^。，,>]{1,20}){2,}",
        r"(分享至|分享到)\s*[:：]?.{0,30}|分享",
        r"0",  # the share counter scraped beside 分享至
        r"(【|\[)?\s*(打印本页|打印|关闭窗口|關閉窗口|关闭|返回顶部|返回頂部|收藏本页|纠错)\s*(】|\])?"
        r"(\s*(【|\[)?\s*(打印本页|打印|关闭窗口|關閉窗口|关闭|返回顶部|收藏本页)\s*(】|\])?)*",
        r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(\s+\d{1,2}:\d{2}(:\d{2})?)?",  # related-article timestamps
        r"(访问次数|訪問次數|浏览次数|瀏覽次數|阅读次数|阅读量|閱讀量|浏览量|瀏覽量|点击量|點擊量"
        r"|字号|字號|字体|字體)\s*[:：].{0,40}",
        r"(浏览次数|瀏覽次數|访问次数|訪問次數|阅读次数|閱讀次數|点击数|點擊數|点击量|點擊量)"
        r"\s*[:：]?\s*\d+\s*次?",
        # editor lines: 责任编辑：吴丽芳, 编辑：张三 审核：李四, （责任编辑：王伟）
        r"[（(【\[]?\s*" + EDITOR + r"\s*[:：]\s*\S{0,12}(\s+\S{0,12}){0,3}\s*[)）】\]]?",
        r"(责任编辑|責任編輯|责编|責編)",
        # page meta: 来源：河北日报 作者：张三 (a line with only 来源：… stays, as a byline)
        r"(文章|信息|新闻|新聞|稿件)?(来源|來源|稿源|出处|出處)\s*[:：].{0,40}?" + _META_LABEL,
        r"作者\s*[:：].{0,30}?(来源|來源|稿源)\s*[:：].{0,60}",
        r"[0-9a-f]{32}\s*[:：]?",  # content ids of related-article links
        r"(上一篇|下一篇|相关新闻|相关阅读|相關閱讀|相关链接|扫一扫|掃一掃).{0,60}",
        r"↑",  # wikisource footnote back-links
        r"(?i:public domain|false|true)",
    )
)

# Lines after which nothing of the article follows: copyright, licences, platform notices.
HARD_FOOTERS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        r"版权所有|版權所有|(?i:copyright)|©",
        r"ICP备|ICP備|ICP证|ICP證|公网安备|公網安備|许可证编号|許可證編號",
        r"举报电话|舉報電話|举报邮箱|舉報郵箱|联合主办|聯合主辦",
        r"incentive-icons",
        r"^\d+文章数|^往期回顾|^专题推荐|^无障碍浏览|进入关怀版",
        r"^打印本页",
        # government site footers: 主办单位：保定市科学技术局 网址：http://… 网站标识码：1306000007
        r"网站标识码|網站標識碼|^(技术支持|技術支持)\s*[:：]|^(网址|網址)\s*[:：]\s*(https?:|www\.)",
        r"^(主办|主辦|承办|承辦)(单位|單位)\s*[:：].*(网址|網址|网站|網站|ICP|http|www\.|电话|電話"
        r"|地址|邮编|郵編|技术支持|技術支持)",
        r"^(相关附件|相關附件|相关链接|相關鏈接|相关阅读|相關閱讀|相关新闻|相關新聞|相关文章|相關文章"
        r"|友情链接|友情鏈接)\s*(>>|》|»|[:：])?$",
        # wikisource licence boxes under government reports
        r"^(本作品是|本作品来自|本作品在|这部作品在|這部作品在|本模板所指|版权失效模板)",
    )
)

# Platform notices that end an article whatever their length.
HARD_FOOTER_STARTS = re.compile(r"^(特别声明|特別聲明)\s*[:：]|^Notice: The content above")

# Page-meta lines: their date is the publication date, the line itself is dropped.
META_DATE = re.compile(
    r"^((发布日期|发布时间|發佈日期|發布日期|發布時間|发文日期|日期|时间|時間|更新时间)\s*[:：]"
    r"|(添加时间|添加時間|发布时间|發佈時間)\s*[:：]?)\s*"
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})"
)

# An editor label whose name was pushed onto the next line: `责任编辑` / `：吴丽芳`.
EDITOR_LABEL = re.compile(r"(责任编辑|責任編輯|责编|責編)\s*[:：]?|" + EDITOR + r"\s*[:：]")
EDITOR_NAME = re.compile(r"[:：]?\s*[\u4e00-\u9fff·]{2,4}([、，,][\u4e00-\u9fff·]{2,4}){0,3}")

# Photo captions; an unterminated caption may spill a short tail onto the next line.
CAPTION_LINE = re.compile(r"^[▲△]|^(图为|圖為)")
CAPTION_TAIL_MAX = 20
# An image dropped from a page leaves a gap of blank lines followed by its dated caption.
DATED_CAPTION = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日.{4,120}[。）)]$")
DATED_CAPTION_MIN_GAP = 3
_NAME = r"[\u4e00-\u9fff·]{2,4}"
_NAMES = _NAME + r"(?:\s*[、，, ]\s*" + _NAME + r")*"
_MEDIA = (
    r"[^\s，。,；;：:！？（）()]{1,16}?(?:网|網|报|報|社|台|新闻|新聞|客户端|客戶端|频道|頻道|融媒"
    r"|日报|日報|晚报|晚報|电视|電視|广播|廣播)"
)
# Pieces of page furniture inside a line, whatever else the line holds.
INLINE_DROPS: tuple[re.Pattern[str], ...] = (
    re.compile(r"[（(](责任编辑|責任編輯|责编|責編|编辑|編輯)\s*[:：][^（）()]{1,20}[)）]$"),
    re.compile(r"[（(]本版图片由[^（）()]{1,30}提供[)）]"),
    re.compile(r"[（(](图片|圖片|摄影|攝影)\s*[:：/][^（）()]{1,20}[)）]"),
    # page meta with its value: 发表时间：2025-01-07 10:20, 发布时间: 2025年1月7日
    re.compile(
        r"(发表时间|發表時間|发布时间|發佈時間|發布時間|发布日期|發佈日期|更新时间|更新時間)\s*[:：]\s*"
        r"(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(\s*\d{1,2}:\d{2}(:\d{2})?)?)?"
    ),
    # font-size switches: 【字体：大 中 小】, [字号:大][中][小], 字号：T|T
    re.compile(
        r"[【\[]\s*(字体|字體|字号|字號)\s*[:：]?[^】\]]{0,12}[】\]]"
        r"(\s*[【\[][大中小默认]{1,2}[】\]])*"
        r"|[【\[]?\s*(字体|字體|字号|字號)\s*[:：]\s*[大中小默认TＴ|\s]{0,12}[】\]]?(?=\s|$)"
    ),
    # photo credits: （新华社记者 张三 摄）, 宁夏日报记者 王鼎 摄 at a line's end
    re.compile(r"[（(][^（）()。]{0,30}?" + _NAMES + r"\s*[/／]?\s*(摄|攝|供图|供圖)[)）]"),
    re.compile(
        r"(?:(?<=[。！？!?”’」])|^)\s*[^。！？!?，,；;]{0,30}?(记者|記者|通讯员|通訊員|摄影|攝影)"
        r"\s*" + _NAMES + r"\s*[/／]?\s*(摄|攝)\s*$"
    ),
    # source notes: （来源：青海日报）, (稿源: 新华网)
    re.compile(
        r"[（(]\s*(来源|來源|稿源|转自|轉自|转载自|轉載自|来自|來自)\s*[:：]\s*[^（）()]{1,30}[)）]"
    ),
)

# A news dateline opening a paragraph: 齐鲁网·闪电新闻1月13日讯, 新华社北京3月5日电（记者 王某）,
# 本报讯 -- removed with what it says kept in the article's lead; the sentence after it stays.
DATELINE_PREFIX = re.compile(
    r"^[（(]?(?:" + _MEDIA + r"|本报|本報|本刊|本网|本網|本台)"
    r"(?:[·・]?[^\s，。,；;：:！？（）()\d]{0,12}?)?"
    r"(?:\d{4}年)?(?:\d{1,2}月\d{1,2}日|[一二三四五六七八九十〇零]{1,3}日)?(?:电|電|讯|訊)[)）]?"
    r"(?:\s*[（(](?:记者|記者|通讯员|通訊員)[^（）()]{0,30}[)）]\s*|\s+|$|(?=[（(]?\d{1,2}月))"
)
# A hard footer in the first part of a file is page header furniture, not the end.
HARD_FOOTER_MIN_POSITION = 0.5

TERMINAL = "。！？!?；;…"
# Site menus flattened to text: many very short lines in a row (首页 / 领导之窗 / | / EN ...).
MENU_ITEM_MAX = 6
MENU_MIN_RUN = 5
_MENU_ITEM = re.compile(f"[^。，,；;：:！？!?]{{1,{MENU_ITEM_MAX}}}")


def drop_menus(lines: list[str]) -> tuple[list[str], int]:
    """Blank out runs of at least MENU_MIN_RUN very short lines (blank lines between allowed)."""
    out = list(lines)
    run: list[int] = []
    dropped = 0
    for index, line in enumerate([*lines, "。"]):  # the sentinel closes the last run
        text = line.strip()
        if not text:
            continue
        if _MENU_ITEM.fullmatch(text) and index < len(lines):
            run.append(index)
            continue
        if len(run) >= MENU_MIN_RUN:
            for i in run:
                out[i] = ""
            dropped += len(run)
        run = []
    return out, dropped


@dataclass(frozen=True)
class StrippedPage:
    """The lines of a file with furniture removed ("" keeps paragraph breaks)."""

    lines: tuple[str, ...]
    published: str  # ISO date from a page-meta line, or ""
    dropped: int  # non-empty lines removed, for reporting
    inline: int = 0  # pieces of furniture cut out of lines that stay (credits, datelines, ...)
    datelines: tuple[str, ...] = ()  # news datelines cut from the start of paragraphs


def page_date(line: str) -> str:
    """The ISO date of a page-meta line (`发布日期:2025-01-07 02:43`), else ""."""
    m = META_DATE.match(line.strip())
    if not m:
        return ""
    return f"{int(m['y']):04d}-{int(m['m']):02d}-{int(m['d']):02d}"


def is_furniture(line: str) -> bool:
    """True for a line that is navigation, share buttons, timestamps or similar."""
    line = line.strip()
    return len(line) <= _SHORT and any(p.fullmatch(line) for p in DROP_LINES)


def is_hard_footer(line: str) -> bool:
    """True for a copyright/licence/platform line after which the article is over."""
    line = line.strip()
    if HARD_FOOTER_STARTS.match(line):
        return True
    if not line or len(line) > _SHORT or line.endswith("。"):
        return False
    return any(p.search(line) for p in HARD_FOOTERS)


def _is_terminated(line: str) -> bool:
    return line.rstrip("”’\"')）》").endswith(tuple(TERMINAL))


def strip_dateline(line: str) -> tuple[str, str]:
    """(dateline, rest) for a paragraph opening with a news dateline, else ("", line)."""
    m = DATELINE_PREFIX.match(line)
    if not m or (m.end() < len(line) and not re.match(r"[\u4e00-\u9fff“\"（(\d]", line[m.end() :])):
        return "", line
    return m[0].strip(), line[m.end() :].strip()


# A word each piece of INLINE_DROPS holds (编辑, 图片, 摄, 时间/日期, 字号, 来源 ...): most lines
# hold none and are passed over with this one search instead of a pass of every pattern.
# A new pattern needs its word here (tests/test_boilerplate.py compares with every pattern run).
INLINE_HINT = re.compile(
    "编辑|編輯|责编|責編|图片|圖片|摄|攝|供图|供圖|时间|時間|日期|字体|字體|字号|字號"
    "|来源|來源|稿源|转自|轉自|转载自|轉載自|来自|來自"
)


def drop_inline_furniture(line: str) -> tuple[str, int]:
    """The line without its inline furniture (INLINE_DROPS), and how many pieces went."""
    if not INLINE_HINT.search(line):
        return line.strip(), 0
    removed = 0
    for pattern in INLINE_DROPS:
        line, n = pattern.subn("", line)
        removed += n
    return line.strip(), removed


def strip_boilerplate(lines: list[str]) -> StrippedPage:
    """Remove page furniture from stripped lines and pick up the page's publication date."""
    lines, dropped = drop_menus(lines)
    inline = 0
    datelines: list[str] = []
    total = sum(len(line) for line in lines) or 1
    kept: list[str] = []
    published = ""
    seen = 0
    blank_run = 0
    caption_open = False  # the previous non-empty line was a caption without an ending
    editor_open = False  # the previous non-empty line was an editor label without a name
    for index, raw in enumerate(lines):
        seen += len(raw)
        date = page_date(raw.strip())
        if date:
            published = published or date
            dropped += 1
            continue
        line, removed = drop_inline_furniture(raw.strip())
        dateline, line = strip_dateline(line)
        if dateline:
            datelines.append(dateline)
            removed += 1
        if not line:
            blank_run += 1
            kept.append("")
            if not raw.strip():
                continue
            dropped += 1  # the line held nothing but an inline drop
            continue
        inline += removed
        gap, blank_run = blank_run, 0
        if is_hard_footer(line) and seen >= HARD_FOOTER_MIN_POSITION * total:
            dropped += sum(1 for rest in lines[index:] if rest.strip())
            break
        if editor_open and EDITOR_NAME.fullmatch(line):
            editor_open = False
            dropped += 1
            continue
        editor_open = bool(EDITOR_LABEL.fullmatch(line))
        if caption_open and len(line) <= CAPTION_TAIL_MAX and _is_terminated(line):
            caption_open = False
            dropped += 1
            continue
        if CAPTION_LINE.match(line):
            caption_open = not _is_terminated(line)
            dropped += 1
            continue
        caption_open = False
        if (gap >= DATED_CAPTION_MIN_GAP and DATED_CAPTION.match(line)) or is_furniture(line):
            dropped += 1
            continue
        if is_hard_footer(line):  # early "footer" words: drop the line, keep going
            dropped += 1
            continue
        kept.append(line)
    return StrippedPage(
        lines=tuple(kept),
        published=published,
        dropped=dropped,
        inline=inline,
        datelines=tuple(datelines),
    )
