"""Raw report text -> cleaned articles: HTML remnants, PDF column spaces and line breaks,
article and paragraph boundaries (pinyin glosses and lost characters: search.glosses).

`parse_document` is the one entry point; every step is a small function of its own.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import replace

import numpy as np

from search.boilerplate import TERMINAL, strip_boilerplate
from search.dates import arabic_dates
from search.documents import ArticleDraft, Block
from search.glosses import (
    HAN,
    HAN_RANGE,
    is_mojibake_line,
    mark_lost_characters,
    remove_pinyin_glosses,
    replace_mojibake_runs,
)
from search.normalize import char_flags
from search.pages import (
    ORPHAN_TAG,
    decode_escapes,
    has_tag_remnants,
    html_to_text,
    normalize_spacing,
    unescape_entities,
)
from search.segment import cut

_CJK_PUNCT = "\u3001-\u3003\u3008-\u3011\u3014-\u301f\uff01-\uff0f\uff1a-\uff1f\u2014\u2026\u201c\u201d\u2018\u2019\u00b7"

# --- PDF column text ---------------------------------------------------------------------

_WIDE = f"{HAN_RANGE}{_CJK_PUNCT}"
CJK_GAP = re.compile(f"(?<=[{HAN_RANGE}]) (?=[{HAN_RANGE}])")
PDF_GAP = re.compile(
    f'(?<=[{_WIDE}]) +(?=[{_WIDE}0-9"(),;:.!?])|(?<=[{_WIDE}0-9"(),;:.!?]) +(?=[{_WIDE}])'
)
PDF_MIN_GAPS = 10
PDF_GAPS_PER_HAN = 1 / 100  # a PDF column breaks every ~20 characters; prose almost never


def has_pdf_signature(text: str) -> bool:
    """True when spaces between Han characters are frequent enough to be PDF column breaks."""
    gaps = len(CJK_GAP.findall(text))
    return gaps >= PDF_MIN_GAPS and gaps >= PDF_GAPS_PER_HAN * len(HAN.findall(text))


BALANCED_PHRASE_MAX = 8


def is_balanced_phrases(line: str) -> bool:
    """True for a short title like `凝心聚力促发展 团结奋斗启新程`: equal phrases, no punctuation."""
    parts = line.split(" ")
    if not 2 <= len(parts) <= 4 or len(line) > 40:
        return False
    if not all(HAN.fullmatch(c) for part in parts for c in part):
        return False
    lengths = [len(p) for p in parts]
    # title phrases are 3-8 characters; a column break inside prose leaves longer pieces
    return (
        3 <= min(lengths)
        and max(lengths) <= BALANCED_PHRASE_MAX
        and max(lengths) - min(lengths) <= 1
    )


def remove_pdf_spaces(line: str) -> str:
    """Remove column-break spaces between CJK characters, keeping balanced title phrases."""
    if is_balanced_phrases(line):
        return line
    return PDF_GAP.sub("", line)


# Spaces a Chinese text means: between the phrases of a slogan in quotes (“好品山东 商行天下”),
# between joint issuers in a document title (《中共中央 国务院关于…》), between the items of
# a list of names or terms on a line of its own (主任 王伟 李明 张强).
_QUOTED_PHRASES = re.compile(f'(?<=[“「‘"])[{HAN_RANGE}]{{2,8}}( [{HAN_RANGE}]{{2,8}})+(?=[”」’"])')
_JOINT_ISSUERS = re.compile(
    f"(?<=《)([{HAN_RANGE}]{{2,12}}(中央|国务院|國務院|办公厅|辦公廳|委员会|委員會|政府|部|委|局|厅|廳|署)"
    f" )+(?=[{HAN_RANGE}])"
)
# a run-in heading or a glossary term before its text: `美丽乡村 按照…`, `数字养老 指利用…`
_RUN_IN = re.compile(
    f"^(?:[（(][一二三四五六七八九十\\d]{{1,3}}[)）]|[一二三四五六七八九十]+、|\\d{{1,2}}[.．、])?"
    f'[{HAN_RANGE}“”"]{{2,8}} (?=[{HAN_RANGE}“"].{{8}})'
)
_HAN_SPACE = re.compile(f"(?<=[{HAN_RANGE}]) (?=[{HAN_RANGE}])")
# inside a title in 《》 a space may stand for a comma between two clauses
_BOOK_TITLE = re.compile("《[^《》]{1,80}》")
_CLAUSE_SPACE = re.compile(f"(?<=[{HAN_RANGE}]{{4}}) (?=[{HAN_RANGE}]{{4}})")
# a space beside full-width punctuation never separates anything
_PUNCT_SPACE = re.compile(f"(?<=[{_CJK_PUNCT}]) +| +(?=[{_CJK_PUNCT}])")
LIST_PART_MAX = 4


def _is_term_list(line: str) -> bool:
    parts = line.split(" ")
    return (
        len(parts) >= 3
        and all(0 < len(p) <= LIST_PART_MAX for p in parts)
        and not any(mark in line for mark in "，。；、")
    )


def remove_word_spaces(line: str) -> tuple[str, int]:
    """Remove spaces that split a word or a sentence (`农产 品`, `综 合性港口`, `规矩， 心系`):
    extraction debris in any file, not only PDF copies. Spaces the text means stay: balanced
    title phrases, quoted slogans, joint issuers in a title, lists of names, the space after
    a run-in heading or glossary term at the start of a line; and spaces
    between Han characters and Latin letters or digits (`2024 年` is a house style).

    Returns the line and the number of spaces removed.
    """
    if " " not in line or is_balanced_phrases(line) or _is_term_list(line):
        return line, 0
    kept = {
        m.start() + i
        for pattern in (_QUOTED_PHRASES, _JOINT_ISSUERS)
        for m in pattern.finditer(line)
        for i, ch in enumerate(m[0])
        if ch == " "
    }
    for title in _BOOK_TITLE.finditer(line):  # 《举办…啤酒节 焕发老商埠…》: a clause break
        for m in _CLAUSE_SPACE.finditer(line, title.start(), title.end()):
            if not _splits_word(line[: m.start()], line[m.end() :]):
                kept.add(m.start())
    run_in = _RUN_IN.match(line)
    if run_in and not _splits_word(line[: run_in.end() - 1], line[run_in.end() :]):
        kept.add(run_in.end() - 1)  # unless the space cuts a word: `农产 品市场准入`
    drop = {
        i
        for pattern in (_HAN_SPACE, _PUNCT_SPACE)
        for m in pattern.finditer(line)
        for i in range(m.start(), m.end())
        if i not in kept
    }
    out = "".join(ch for i, ch in enumerate(line) if i not in drop)
    return out, len(drop)


# --- line kinds --------------------------------------------------------------------------

CLOSERS = "”’\"')）》」』】]"
NUMBERED = re.compile(
    r"^(第[一二三四五六七八九十百零]+(部分|章|节|節|篇)|[一二三四五六七八九十]+[、.．]"
    r"|[（(][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[、.．](?!\d))"
)
HEADING_MAX = 36
NUMBERED_HEADING_MAX = 50
TITLE_MAX = 60
BYLINE = re.compile(
    r"^[■□●◆◇]?\s*(本报|本報|本刊|本网|本網|特约)?(记者|記者|通讯员|通訊員|撰稿)\s*\S"
    r"|(记者|記者|通讯员|通訊員).{0,40}(报道|報道)$"
    f"|^[{HAN_RANGE}]( [{HAN_RANGE}]){{1,3}}$"  # a speaker's name spaced out on the title page: 习 近 平
    f"|^.{{0,20}}(省长|市长|区长|县长|主席|总理|书记)\\s+[{HAN_RANGE}]( ?[{HAN_RANGE}]){{1,3}}$"
)
SOURCE_LINE = re.compile(r"^(来源|來源|作者|出处)\s*[:：]")
# The speaker under a title, or a photo caption of the speech: never the title itself
# ("州长 罗萍", "黑河市人民政府市长张恩亮", "市长:吴庆文", "赵立香作政府工作报告").
OFFICE = r"(省长|市长|州长|区长|县长|旗长|盟长|主席|总理|书记|主任|省\s长|市\s长|州\s长)"
_NAME = f"(?!.*(会|工作|报告|讲话|致辞|团|组))(?:[{HAN_RANGE}?]\\s?){{2,4}}|[{HAN_RANGE}]{{1,8}}·[{HAN_RANGE}·]{{1,16}}"
SPEAKER = re.compile(
    f"^.{{0,20}}?(代理?)?{OFFICE}\\s*[:：]?\\s*({_NAME})?$"
    f"|^[{HAN_RANGE}·]{{2,12}}作.{{0,3}}(政府)?工作报告.{{0,2}}$"
)
# The second line of a wrapped dateline ("人民代表大会第五次会议上").
DATELINE_TAIL = re.compile(r"(会议|會議|大会|大會)上$")
SALUTATION = re.compile(r"^各位(委员|委員|代表|同志)(们|們)?\s*[:：,，!！]")
DASH = re.compile(r"^[-—―一－─]+\s*")
TITLE_BRACKET = re.compile(r"^\s*[（(][^（()）]{4,40}[)）]|[（(][^（()）]{4,40}[)）]\s*$")
TITLE_DASH = re.compile(r"(?<=\S)\s*(?:[—―－─]{1,2}|--)\s*(?=\S)")
SUBTITLE_WORDS = re.compile(r"政协|政協|委员会|委員會|综述|綜述|报告|報告|总结|總結|纪实|紀實")
DATELINE = re.compile(
    r"\d{4}年\d{1,2}月\d{1,2}日|\d日在|在.{2,40}(会议|會議|大会|大會)上?$"
    r"|^[（(]\d{4}年.*[)）]$|^\d{4}[-./]\d{1,2}[-./]\d{1,2}"
)
DATE = re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日")


def _ends_sentence(text: str) -> bool:
    return text.rstrip(CLOSERS).endswith(tuple(TERMINAL)) or text.endswith(tuple(TERMINAL))


def is_heading(text: str) -> bool:
    """A heading: short, no sentence inside or at the end, not ending on a comma or colon."""
    limit = NUMBERED_HEADING_MAX if NUMBERED.match(text) else HEADING_MAX
    if not text or len(text) > limit or not HAN.search(text):
        return False
    if _ends_sentence(text) or text.rstrip(CLOSERS)[-1:] in "，,、：:":
        return False
    return not any(mark in text for mark in "。！？；")


def is_byline(text: str) -> bool:
    """A reporter byline (`□本报通讯员 张进 于桐`) or a source line."""
    return (
        len(text) <= 60
        and "。" not in text
        and bool(BYLINE.search(text) or SOURCE_LINE.match(text))
    )


def is_title_line(text: str) -> bool:
    """A line that can be an article title: short, no sentence, not a numbered heading,
    nor a salutation, speaker, byline or dateline ("2026年甘肃省政府工作报告" is a title)."""
    return (
        0 < len(text) <= TITLE_MAX
        and bool(HAN.search(text))
        and not NUMBERED.match(text)
        and not DASH.match(text)
        and not _ends_sentence(text)
        and "。" not in text
        and not text.rstrip().endswith((":", "："))
        and not is_byline(text)
        and not SALUTATION.match(text)
        and not SPEAKER.search(text)
        and not DATELINE_TAIL.search(text)
        and not is_dateline(text)
    )


def split_title_line(text: str) -> list[str]:
    """A title and its dateline or subtitle run together on one line, as two lines:
    `政府工作报告——在河北省第十届人民代表大会第三次会议上` -> [`政府工作报告`, `——在河北省…会议上`],
    `（2021年10月26日）南昌市政府工作报告` -> [`（2021年10月26日）`, `南昌市政府工作报告`]."""
    m = TITLE_DASH.search(text)
    if m is not None:
        head, tail = text[: m.start()].strip(), "——" + text[m.end() :].strip()
        if is_title_line(head) and (is_dateline(tail) or subtitle_of(tail)):
            return [head, tail]
    # A bracketed dateline before or after the title: `兰州市政府工作报告（2021年12月21日 张伟文）`.
    for m in TITLE_BRACKET.finditer(text):
        rest = (text[: m.start()] + text[m.end() :]).strip()
        if "月" in m.group() and is_title_line(rest) and is_dateline(m.group().strip()):
            return [rest, m.group().strip()] if m.start() else [m.group().strip(), rest]
    return [text]


def is_dateline(text: str) -> bool:
    """A dateline under a title: `——2025年1月15日在…会议上`, `（2000年1月20日）`,
    `——二〇一二年一月六日在…会议上`."""
    return len(text) <= 80 and "。" not in text and bool(DATELINE.search(arabic_dates(text)))


def subtitle_of(text: str) -> str:
    """The subtitle without its dashes (`——潍坊市政协2024年工作综述`), or "" if not one."""
    if not DASH.match(text) or is_dateline(text):
        return ""
    body = DASH.sub("", text)
    if (
        len(body) > 50
        or any(mark in body for mark in "。，,；;")
        or not SUBTITLE_WORDS.search(body)
    ):
        return ""
    return body


# --- paragraphs --------------------------------------------------------------------------

OPENERS = "《（(“‘「『【["
NEVER_STARTS = "》）)”’」』】],，、。；;：:！!？?"
LIST_ITEM = re.compile(
    r"^([-—―－─▲●■□◆]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[、.．](?!\d))"
)
LEAD_IN = re.compile(
    r"^[^，,。；;：:！？]{2,16}[。：:！？]"
)  # `加强机关自身建设。` opens a paragraph
JOIN_MIN_LENGTH = 40  # a shorter unterminated line is more likely a heading or a lost tail
PARALLEL_PREFIX = 3


def _glue(left: str, right: str) -> str:
    # two Latin words keep their space; `PM` + `2.5` (a subscript on its own line) does not
    if left[-1:].isascii() and left[-1:].isalpha() and right[:1].isascii() and right[:1].isalpha():
        return f"{left} {right}"
    return left + right


def _ends_mid_sentence(text: str) -> bool:
    """Ends on a character a sentence cannot end on: a Han character, a comma, a 、."""
    return bool(HAN.match(text[-1:])) or text.endswith(("，", ",", "、"))


def _must_join(left: str, right: str) -> bool:
    # A paragraph cannot end on an opening bracket nor start on a closing one or a comma:
    # that is a link or footnote split out of its sentence (wikisource, some CMS exports).
    return left.endswith(tuple(OPENERS)) or right.startswith(tuple(NEVER_STARTS))


def _starts_paragraph(text: str, *previous: str) -> bool:
    return (
        is_heading(text)
        or is_title_line(text)
        and len(text) <= HEADING_MAX
        or bool(LIST_ITEM.match(text) or LEAD_IN.match(text) or SALUTATION.match(text))
        or text.startswith(("“", '"', "「"))
        or bool(subtitle_of(text))
        or is_byline(text)
        or any(p[:PARALLEL_PREFIX] == text[:PARALLEL_PREFIX] for p in previous if p)
    )


def _is_open_paragraph(text: str) -> bool:
    """A body paragraph cut off mid-sentence (no final punctuation, too long for a heading)."""
    return len(text) >= JOIN_MIN_LENGTH and not is_heading(text) and not _ends_sentence(text)


def _continues(left: str, right: str, before: str = "") -> bool:
    if not _is_open_paragraph(left):
        return False
    if _splits_word(left, right) and not (LIST_ITEM.match(right) or is_heading(right)):
        return True  # `…问题在` / `于我们自己如何学习。…`: the break fell inside 在于
    if left.endswith(("，", "、")):
        # no paragraph ends on a comma: only a heading or a list item after it opens one
        return not (is_heading(right) or LIST_ITEM.match(right) or SALUTATION.match(right))
    if HAN.match(left[-1:]) and right[:1] in CONTINUATION_STARTS:
        # `…手工业和服务性行业` / `也将是劳动就业的一个辅助方面。`: a lead-in shape after a
        # clause cut off on a Han character, opening on a word no sentence opens with
        return not (is_heading(right) or LIST_ITEM.match(right))
    return not _starts_paragraph(right, left, before)


# Particles, conjunctions and adverbs that go on a sentence and do not open a paragraph, nor
# begin a word that could (过 of 过去, 和 of 和谐, 地 of 地方, 及 of 及时 are left out)
CONTINUATION_STARTS = frozenset("也于之的而则且亦了着")


SHORT_LEAD_IN = 4  # `答卷。` is the tail of a sentence, a lead-in names a task


def _splits_word(left: str, right: str) -> bool:
    """True when a break between two Han characters falls inside a word (jieba's cut of the
    text around the break has a word across it), or leaves too short a lead-in after it."""
    if not (HAN.match(left[-1:]) and HAN.match(right[:1])):
        return False
    lead = LEAD_IN.match(right)
    if lead and len(lead[0]) <= SHORT_LEAD_IN:
        return True
    tail = left[-8:]
    return any(w.start < len(tail) < w.end for w in cut(tail + right[:8]))


LINK_TEXT = re.compile(f"[{HAN_RANGE}A-Za-z0-9“”《》%.]{{1,16}}")


def _is_link_split(left: str, link: str, right: str) -> bool:
    # Scraped pages put each hyperlink on a line of its own: `…纳入` / `法制` / `化、规范化轨道。`
    return (
        _is_open_paragraph(left)
        and not left.endswith(("：", ":"))  # `…以下六项工作：` / `一是…`: an item, not a link
        and bool(LINK_TEXT.fullmatch(link))
        # a heading-shaped rest is a heading only when numbered or after a finished clause
        and not (is_heading(right) and (NUMBERED.match(right) or not _ends_mid_sentence(left)))
        and not LIST_ITEM.match(right)
        and not (right.startswith(("“", '"', "「")) and not _ends_mid_sentence(left))
        and not (SALUTATION.match(right) or subtitle_of(right) or is_byline(right))
    )


def _untangle_columns(paras: list[str], i: int) -> bool:
    """Two PDF columns interleaved: A (open), B (new, open), C (short tail of A), D (rest of B).

    Only this exact shape is rewritten to A+C, B+D; anything less certain stays as it is.
    """
    if i + 3 >= len(paras):
        return False
    a, b, c, d = paras[i : i + 4]
    if not (_is_open_paragraph(a) and _is_open_paragraph(b) and _starts_paragraph(b, a)):
        return False
    if _starts_paragraph(c, b) or not _ends_sentence(c) or len(c) > JOIN_MIN_LENGTH * 1.5:
        return False
    if _starts_paragraph(d, b, a):
        return False
    paras[i : i + 4] = [_glue(a, c), _glue(b, d)]
    return True


Repairs = Counter  # kind -> count, carried beside each line or paragraph


def _rejoin(
    paras: list[str], fixes: list[Repairs], *, pdf: bool = False
) -> tuple[list[str], list[Repairs]]:
    out, fixes = list(paras), list(fixes)
    kind = "broken_paragraphs_joined"
    i = 0
    while i < len(out) - 1:
        left, right = out[i], out[i + 1]
        before = out[i - 1] if i else ""
        after = out[i + 2] if i + 2 < len(out) else ""
        if after and _is_link_split(left, right, after) and not _starts_article(out, i + 2):
            out[i : i + 3] = [left + right + after]
            fixes[i : i + 3] = [fixes[i] + fixes[i + 1] + fixes[i + 2] + Counter({kind: 2})]
            continue
        if _must_join(left, right) or _continues(left, right, before):
            out[i : i + 2] = [_glue(left, right)]
            fixes[i : i + 2] = [fixes[i] + fixes[i + 1] + Counter({kind: 1})]
            continue
        if pdf and _untangle_columns(out, i):
            a, b, c, d = fixes[i : i + 4]
            fixes[i : i + 4] = [a + c + Counter({kind: 1}), b + d + Counter({kind: 1})]
            continue
        i += 1
    return out, fixes


def rejoin_paragraphs(paras: list[str], *, pdf: bool = False) -> tuple[list[str], int]:
    """Join paragraphs split by line breaks where one clearly continues the other.

    Returns the paragraphs and the number of joins made.
    """
    out, fixes = _rejoin(paras, [Counter() for _ in paras], pdf=pdf)
    return out, sum(f["broken_paragraphs_joined"] for f in fixes)


# --- fixed-width wrapping ----------------------------------------------------------------
# Text copied out of a PDF, or typed into a plain-text window, breaks every line at the
# same width: most lines are then within a few columns of one width, while the lines of
# ordinary text (one paragraph each) have every length. A wrapped paragraph ends with a
# shorter line; a new one may also start indented.

WRAP_MIN_WIDTH = 20  # columns; shorter lines say nothing about wrapping
WRAP_MIN_LINES = 6
WRAP_MIN_SHARE = 0.4  # of the lines at least WRAP_MIN_WIDTH wide
WRAP_MAX_WIDER = 0.1  # lines wider than the wrap width: a few (a URL, a table row)
WRAP_SLACK = 4  # columns a full line may fall short (a word or a punctuation mark moved on)
WRAP_SLACK_SHARE = 1 / 8  # ... or this share of a wide line (an indent, a run of digits)


def _slack(width: int) -> int:
    return max(WRAP_SLACK, int(width * WRAP_SLACK_SHARE))


def display_width(text: str) -> int:
    """Columns the text takes in a monospaced font: 2 for CJK (wide) characters."""
    return display_widths([text])[0]


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def display_widths(lines: list[str]) -> list[int]:
    """display_width of each line, counted for all of them at once with numpy."""
    if not lines:
        return []
    codes = np.frombuffer("".join(lines).encode("utf-32-le"), dtype=np.uint32)
    wide = np.zeros(len(codes) + 1, dtype=np.int64)
    wide[1:] = char_flags(codes, _is_wide)
    wide = np.cumsum(wide)
    lens = np.array([len(line) for line in lines], dtype=np.int64)
    ends = np.cumsum(lens)
    return (lens + wide[ends] - wide[ends - lens]).tolist()


def wrap_width(lines: list[str]) -> int:
    """The width the lines were wrapped at, or 0 when they were not hard-wrapped."""
    return _wrap_width(display_widths(lines))


def _wrap_width(line_widths: list[int]) -> int:
    widths = [w for w in line_widths if w >= WRAP_MIN_WIDTH]
    if len(widths) < WRAP_MIN_LINES:
        return 0
    counts = Counter(widths)
    near = {w: sum(counts[v] for v in range(w - _slack(w), w + 1)) for w in counts}
    width = max(near, key=lambda w: (near[w], w))
    wider = sum(1 for w in widths if w > width)
    if near[width] < max(WRAP_MIN_LINES, WRAP_MIN_SHARE * len(widths)):
        return 0
    return width if wider <= WRAP_MAX_WIDER * len(widths) else 0


def _wrap_continues(last: str, line: str, *, by_indent: bool, full: bool) -> bool:
    if not _ends_sentence(last):
        return True  # a full line without an ending: the sentence goes on
    if by_indent:  # the file indents each paragraph: a line that is not indented continues
        # unless it is a heading (a full-width line is not one, whatever its words)
        return not ((is_heading(line) and not full) or LIST_ITEM.match(line))
    # no indents: a full line that ends a sentence more often ends its paragraph too; a wrong
    # guess splits a paragraph between two sentences, which no phrase crosses
    return False


def unwrap_lines(
    lines: list[str], indented: frozenset[str] = frozenset()
) -> tuple[list[str], list[int]]:
    """Rejoin the lines of hard-wrapped text into paragraphs ("" lines stay breaks).

    A full-width line continues on the next line unless that line is indented, or the full
    line ends a sentence (and, in a file that indents paragraphs, the next line is a heading
    or a list item; in one that does not, whatever it is).
    `indented` holds the lines that were indented in the raw file; indentation marks
    paragraphs only when a minority of lines have it. Returns the lines and, for each, the
    number of wrapped lines joined onto it.
    """
    text_lines = [line for line in lines if line]
    widths = display_widths(lines)  # an empty line's 0 says nothing about wrapping
    width = _wrap_width(widths)
    if not width:
        return list(lines), [0] * len(lines)
    full_width = width - _slack(width)
    starts = {line for line in text_lines if line in indented}
    by_indent = 0 < len(starts) < len(text_lines) / 2
    out: list[str] = []
    joins: list[int] = []
    open_line = False  # the last line in `out` ends on a full-width line: it may continue
    for line, line_width in zip(lines, widths, strict=True):
        full = line_width >= full_width
        if open_line and line and not (by_indent and line in starts):
            if _wrap_continues(out[-1], line, by_indent=by_indent, full=full):
                out[-1] = _glue(out[-1], line)
                joins[-1] += 1
                open_line = full
                continue
        out.append(line)
        joins.append(0)
        open_line = bool(line) and full
    return out, joins


PARAGRAPH_MAX = 1500  # longer blocks are files that lost their line breaks, not paragraphs
SENTENCE = re.compile(f"[^。！？；!?;]*(?:[。！？；!?;]+[{re.escape(CLOSERS)}]*|$)")


def split_long_paragraph(text: str, limit: int = PARAGRAPH_MAX) -> list[str]:
    """Cut a block longer than `limit` at sentence ends into pieces of about equal length,
    none longer than `limit`; a sentence longer than that is cut at the limit."""
    if len(text) <= limit:
        return [text]
    target = len(text) / -(-len(text) // limit)  # the length of ceil(len/limit) equal pieces
    sentences = [s for s in SENTENCE.findall(text) if s]
    pieces: list[str] = []
    current = ""
    for sentence in sentences:
        if current and (len(current) + len(sentence) > limit or len(current) >= target):
            pieces.append(current)
            current = ""
        current += sentence
        while len(current) > limit:
            pieces.append(current[:limit])
            current = current[limit:]
    return [*pieces, current] if current else pieces


# --- articles ----------------------------------------------------------------------------

JUNK_MAX = 15  # an OCR fragment left between two articles


def _starts_article(paras: list[str], i: int) -> bool:
    return i + 1 < len(paras) and is_title_line(paras[i]) and bool(subtitle_of(paras[i + 1]))


def article_spans(paras: list[str]) -> list[tuple[int, int]]:
    """(begin, end) of each article in a file's paragraphs: a new one starts at each title
    line followed by a subtitle line.

    A short unpunctuated line just before a new title cannot be a heading (nothing follows
    it in its article), so it is an OCR fragment and is dropped.
    """
    starts = []
    body_since = False  # a body paragraph since the last article start
    for i in range(1, len(paras)):
        # only a body paragraph before it makes a title line the start of another article
        # (tracked as it goes: slicing the paragraphs since the last start made long files
        # quadratic)
        if not body_since:
            p = paras[i - 1]
            body_since = not (is_heading(p) or is_title_line(p))
        if body_since and _starts_article(paras, i):
            starts.append(i)
            body_since = False
    spans = []
    for begin, end in zip([0, *starts], [*starts, len(paras)], strict=True):
        last = end
        while last != len(paras) and last > begin and len(paras[last - 1]) <= JUNK_MAX:
            if not is_heading(paras[last - 1]) or re.search(r"[\s\W]", paras[last - 1]):
                break  # punctuation or spaces: a real heading shape, keep it
            last -= 1
        if last > begin:
            spans.append((begin, last))
    return spans


def split_articles(paras: list[str]) -> list[list[str]]:
    """The paragraphs of each article of a file (see article_spans)."""
    return [paras[begin:end] for begin, end in article_spans(paras)]


FRONT_MATTER_MAX = 12  # paragraphs between a title and a salutation that may be a cover page
COVER_LINE_MAX = 40


DUPLICATE_MIN = 15  # shorter paragraphs may repeat on purpose (`同志们：`, a refrain)


def _dedup_key(text: str) -> str:
    return re.sub(r"\s+", "", text)


def drop_duplicates(blocks: list[Block]) -> tuple[list[Block], int]:
    """Keep the first of paragraphs repeated word for word within an article (a page that
    printed its notes twice); headings and short lines may repeat."""
    seen: set[str] = set()
    kept: list[Block] = []
    for block in blocks:
        key = _dedup_key(block.text)
        if not block.is_heading and len(key) >= DUPLICATE_MIN:
            if key in seen:
                continue
            seen.add(key)
        kept.append(block)
    return kept, len(blocks) - len(kept)


def build_article(
    paras: list[str], published: str = "", repairs: Counter[str] | None = None
) -> ArticleDraft:
    """Title, subtitle, lead and blocks of one article's paragraphs; `repairs` counts what
    cleaning did to them (duplicates dropped here are added)."""
    repairs = Counter(repairs or {})
    rest = list(paras)
    lead: list[str] = []
    first = next((i for i, p in enumerate(rest) if not is_byline(p)), None)
    if first is not None:
        rest[first : first + 1] = split_title_line(rest[first])
    while rest and (is_byline(rest[0]) or is_dateline(rest[0])):
        lead.append(rest.pop(0))
    title = rest.pop(0) if rest and is_title_line(rest[0]) and len(rest) > 1 else ""
    subtitle = subtitle_of(rest[0]) if rest else ""
    if subtitle:
        rest.pop(0)
    # A salutation ("各位委员:") opens the body; short lines before it are a cover page.
    for i, para in enumerate(rest[:FRONT_MATTER_MAX]):
        if SALUTATION.match(para):
            if all(len(p) <= COVER_LINE_MAX for p in rest[:i]):
                lead.extend(rest[:i])
                rest = rest[i:]
            break
    while rest and (is_byline(rest[0]) or is_dateline(rest[0])):
        lead.append(rest.pop(0))
    lead.extend(p for p in rest if is_byline(p))
    blocks, duplicates = drop_duplicates(
        [Block(p, is_heading(p)) for p in rest if not is_byline(p)]
    )
    repairs["duplicates_dropped"] += duplicates
    if not published:
        dates = [DATE.search(p) for p in lead]
        found = next((m for m in dates if m), None)
        if found:
            published = f"{int(found['y']):04d}-{int(found['m']):02d}-{int(found['d']):02d}"
    return ArticleDraft(
        title=title,
        subtitle=subtitle,
        blocks=tuple(blocks),
        published=published,
        lead="\n".join(lead),
        repairs=tuple(sorted((kind, n) for kind, n in repairs.items() if n)),
    )


_INDENT = re.compile(r"^[ \t\u3000\u00a0]+\S")


def indented_lines(text: str) -> frozenset[str]:
    """The (normalized) lines that start indented in a raw text: paragraph starts."""
    return frozenset(normalize_spacing(line) for line in text.split("\n") if _INDENT.match(line))


def _clean_line(line: str, *, pdf: bool) -> tuple[str, Repairs]:
    fixes: Repairs = Counter()
    line, runs = replace_mojibake_runs(line)
    fixes["mojibake_runs_replaced"] += runs
    if pdf:
        cleaned = remove_pdf_spaces(line)
        fixes["spaces_removed"] += len(line) - len(cleaned)
        return cleaned, fixes
    if is_byline(line):  # names: 本报通讯员 张进 于桐
        return line, fixes
    line, spaces = remove_word_spaces(line)
    fixes["spaces_removed"] += spaces
    return line, fixes


def parse_document(text: str, *, is_html: bool = False) -> list[ArticleDraft]:
    """Clean one raw file and cut it into articles (most files hold one; none if all noise).

    Each article's `repairs` counts what was mended or dropped in it; furniture and
    datelines removed from the page as a whole are counted on the first article.
    """
    if is_html or has_tag_remnants(text):
        text = html_to_text(text)
    else:
        text = unescape_entities(text)
    text = decode_escapes(text)
    text = ORPHAN_TAG.sub("", text)
    indented = indented_lines(text)
    text = normalize_spacing(text)
    text, glosses = remove_pinyin_glosses(text)
    text = mark_lost_characters(text, damaged=glosses > 0)
    page = strip_boilerplate(text.split("\n"))
    lines, wrapped = unwrap_lines(list(page.lines), indented)
    pdf = has_pdf_signature("\n".join(lines))
    paras: list[str] = []
    fixes: list[Repairs] = []
    pending: Repairs = Counter()  # what was dropped before the next kept paragraph
    for line, joins in zip(lines, wrapped, strict=True):
        if not line:
            continue
        if is_mojibake_line(line):
            pending["mojibake_lines_dropped"] += 1
            continue
        line, fix = _clean_line(line, pdf=pdf)
        fix["wrapped_lines_joined"] += joins
        paras.append(line)
        fixes.append(fix + pending)
        pending = Counter()
    paras, fixes = _rejoin(paras, fixes, pdf=pdf)
    pieces = [split_long_paragraph(para) for para in paras]
    fixes = [
        fix if i == 0 else Counter()
        for fix, ps in zip(fixes, pieces, strict=True)
        for i in range(len(ps))
    ]
    paras = [piece for ps in pieces for piece in ps]
    drafts = []
    for n, (begin, end) in enumerate(article_spans(paras)):
        repairs = sum(fixes[begin:end], Counter())
        if n == 0:
            repairs["furniture_removed"] += page.dropped + page.inline
            repairs += pending
        draft = build_article(paras[begin:end], page.published, repairs)
        if n == 0 and page.datelines:
            lead = "\n".join([draft.lead, *page.datelines] if draft.lead else page.datelines)
            draft = replace(draft, lead=lead)
        drafts.append(draft)
    return drafts
