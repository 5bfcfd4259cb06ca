"""What each paragraph of an article is: heading, lead sentence, body, note, table row or caption.

Classified once at build time from the shape of the text and its neighbours (never from
one file's wording), stored per paragraph (search.store) and used by ranking: a body
paragraph answers a query better than the heading above it, a glossary note at the end
or a 9-character line (see search.backends.base for the priors).

- heading: what the cleaner found (a short line without a sentence), and also one-sentence
  lines that head what follows: numbered ones that end in 。 (`（七）加大生态环境保护治理力度。`,
  `四是持续优化提升营商环境。`, `第二，进一步扩大对外开放…。`) and short unnumbered ones
  followed by a longer paragraph (`打造一流营商环境。`);
- lead: a short line that announces what follows (`主要做了以下工作：`), or a salutation;
- note: everything after a 名词解释 / 注释 heading, bracketed endnotes (`[5]“四个不摘”：…`)
  and a run of numbered glossary entries (`12.双招双引：招商引资、招才引智。`) that ends the article;
- table: rows of cells (tabs, wide spaces, |) or lines made mostly of figures;
- caption: `图1 …` / `表2 …`, `（图为…）`, `（张三 摄）`.

Headings also get a level (一、 above （一） above 1. …), from which each paragraph's chain
of section headings is built.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

BODY, HEADING, LEAD, NOTE, TABLE, CAPTION = range(6)
NAMES = ("body", "heading", "lead", "note", "table", "caption")
LABELS = {"body": "正文", "heading": "标题", "lead": "引导语", "note": "注释", "table": "表格", "caption": "图表说明"}

_CN = "一二三四五六七八九十百零"
# A heading's numbering, widest level first; the index is the level.
_LEVELS = (
    re.compile(rf"^第[{_CN}]+(部分|章|篇)"),
    re.compile(rf"^[{_CN}]+[、.．]"),
    re.compile(rf"^[（(][{_CN}]{{1,3}}[)）]"),
    re.compile(rf"^(第[{_CN}]{{1,3}}[，,、]|[{_CN}]{{1,3}}是|首先|其次|再次|最后[，,])"),
    re.compile(r"^\d{1,2}[、.．](?!\d)"),
    re.compile(r"^[（(]\d{1,3}[)）]"),
)
UNNUMBERED_LEVEL = 1  # an unnumbered heading (过去一年工作回顾) heads a part
NUMBERED_HEADING_MAX = 60  # a numbered one-sentence line up to this long heads what follows
ITEM_LEVEL = 3  # 一是 / 第一， / 首先: items of a list as often as headings
ITEM_HEADING_MAX = 40  # such an item heads what follows only when this short
SHORT_HEADING_MAX = 25  # an unnumbered one, when the next paragraph is longer
LEAD_MAX = 60
_SENTENCE_END = "。！？!?"
_INNER_STOPS = re.compile(r"[。！？!?；;](?=.)")
_CLOSERS = "”’\"')）》」』】]"
_NOTES_HEADING = re.compile(
    r"^[\[【〔(（]?(附件[一二三\d]*[：:\s]*)?(名词解释|名词注释|名词说明|注释|注解|附注|注|说明|备注)[\]】〕)）]?[：:]?$"
)
_ENDNOTE = re.compile(r"^[\[【〔]\d{1,3}[\]】〕]\s*\S")
_GLOSSARY = re.compile(
    r"^(\d{1,3}[.．、]|[\[【〔(（]\d{1,3}[\]】〕)）])\s*"
    r"([\[【][^\]】]{1,30}[\]】]|[^，,。；;：:]{1,30}?[：:]|[^，,。；;：:]{1,30}?(即|是指|指))"
)
_ANNOUNCES = re.compile(r"(以下|如下|下列|几点|几个方面|几项)[^，,]{0,12}[。：:]?$")
_SALUTATION = re.compile(r"^(各位|尊敬的)[^，,。]{1,12}[:：!！，,]?$")
_CAPTION = re.compile(
    r"^([图表]|附图|附表)\s*[\d一二三四五六七八九十]+([\s：:．.、-]|$)|^[（(]?(图为|上图|下图|左图|右图|图片)"
    r"|[（(][^（()）]{0,30}(摄|供图|图片来源)[^（()）]{0,10}[)）]$"
)
_CELLS = re.compile(r"\t|\s{2,}|\u3000|[|｜]")
_FIGURE = re.compile(r"[\d.,%％+\-—万亿元个项件人次年月日]")


@dataclass(frozen=True)
class Roles:
    """Per paragraph of one article: its role, and for headings their level (else -1)."""

    roles: tuple[int, ...]
    levels: tuple[int, ...]


def _one_sentence(text: str) -> bool:
    """At most one sentence, ending the line (a comma inside is fine)."""
    return not _INNER_STOPS.search(text.rstrip(_CLOSERS))


def heading_level(text: str) -> int:
    """The level of a numbered heading (0 = widest), UNNUMBERED_LEVEL for the others."""
    for level, pattern in enumerate(_LEVELS):
        if pattern.match(text):
            return level
    return UNNUMBERED_LEVEL


def _numbered(text: str) -> bool:
    return any(p.match(text) for p in _LEVELS)


def _is_table_row(text: str) -> bool:
    if len(_CELLS.split(text.strip())) >= 3 and not re.search(r"[。；;]", text):
        return True
    chars = re.sub(r"\s", "", text)
    if len(text.split()) < 3 or re.search(r"[。；;，,]", text):
        return False
    return len(_FIGURE.findall(chars)) / len(chars) >= 0.6


def _heading_like(text: str, is_heading: bool, next_len: int) -> bool:
    if is_heading:
        return True
    if not _one_sentence(text) or text.rstrip(_CLOSERS)[-1:] in "：:，,、；;":
        return False
    if _numbered(text):
        limit = ITEM_HEADING_MAX if heading_level(text) == ITEM_LEVEL else NUMBERED_HEADING_MAX
        return len(text) <= limit and not _GLOSSARY.match(text)
    return len(text) <= SHORT_HEADING_MAX and "，" not in text and next_len > 2 * len(text) and next_len >= 40


def classify(texts: Sequence[str], headings: Sequence[bool]) -> Roles:
    """The roles (and heading levels) of an article's paragraphs, in reading order.

    `headings` says which paragraphs the cleaner already found to be headings."""
    n = len(texts)
    roles = [BODY] * n
    levels = [-1] * n
    notes_from = n
    for i, t in enumerate(texts):
        if len(t) <= 16 and _NOTES_HEADING.match(t.strip()) and i >= n // 3:
            notes_from = i
            break
    # a run of glossary entries (or endnotes) that ends the article
    run = n
    while run > 0 and (_GLOSSARY.match(texts[run - 1]) or _ENDNOTE.match(texts[run - 1])):
        run -= 1
    if n - run >= 2:
        notes_from = min(notes_from, run)
    for i, t in enumerate(texts):
        nxt = len(texts[i + 1]) if i + 1 < n else 0
        if i >= notes_from or (_ENDNOTE.match(t) and _GLOSSARY.match(t)):
            roles[i] = NOTE
        elif _CAPTION.search(t) and len(t) <= 80:
            roles[i] = CAPTION
        elif _is_table_row(t):
            roles[i] = TABLE
        elif _heading_like(t, bool(headings[i]), nxt):
            roles[i] = HEADING
            levels[i] = heading_level(t)
        elif len(t) <= LEAD_MAX and (
            t.rstrip(_CLOSERS).endswith(("：", ":")) or _ANNOUNCES.search(t) or _SALUTATION.match(t)
        ):
            roles[i] = LEAD
    return Roles(tuple(roles), tuple(levels))


def section_pointers(roles: Roles, first: int) -> tuple[list[int], list[int]]:
    """Per paragraph, the docnum of the heading it stands under (a heading: itself) and,
    per heading, the docnum of the heading above it in the outline (-1 when none).

    `first` is the docnum of the article's first paragraph."""
    section: list[int] = []
    up: list[int] = []
    stack: list[tuple[int, int]] = []  # (level, docnum) of the open headings
    current = -1
    for i, (role, level) in enumerate(zip(roles.roles, roles.levels, strict=True)):
        docnum = first + i
        if role == HEADING:
            while stack and stack[-1][0] >= level:
                stack.pop()
            up.append(stack[-1][1] if stack else -1)
            stack.append((level, docnum))
            current = docnum
        else:
            up.append(-1)
        section.append(current if role != NOTE else -1)
    return section, up
