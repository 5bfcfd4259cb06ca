"""Raw report text -> cleaned articles: HTML remnants, PDF column spaces and line breaks,
article and paragraph boundaries (pinyin glosses and lost characters: search.glosses).

`parse_document` is the one entry point; every step is a small function of its own.
"""

from __future__ import annotations

import re

from search.boilerplate import TERMINAL, strip_boilerplate
from search.dates import arabic_dates
from search.documents import ArticleDraft, Block
from search.glosses import HAN, HAN_RANGE, mark_lost_characters, remove_pinyin_glosses
from search.pages import (
    ORPHAN_TAG,
    decode_escapes,
    has_tag_remnants,
    html_to_text,
    normalize_spacing,
    unescape_entities,
)

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
    r"^([-—―－─▲●■□◆]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[、.．])"
)
LEAD_IN = re.compile(
    r"^[^，,。；;：:！？]{2,16}[。：:！？]"
)  # `加强机关自身建设。` opens a paragraph
JOIN_MIN_LENGTH = 40  # a shorter unterminated line is more likely a heading or a lost tail
PARALLEL_PREFIX = 3


def _glue(left: str, right: str) -> str:
    if left[-1:].isascii() and left[-1:].isalnum() and right[:1].isascii() and right[:1].isalnum():
        return f"{left} {right}"
    return left + right


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
    return _is_open_paragraph(left) and not _starts_paragraph(right, left, before)


LINK_TEXT = re.compile(f"[{HAN_RANGE}A-Za-z0-9]{{1,12}}")


def _is_link_split(left: str, link: str, right: str) -> bool:
    # Scraped pages put each hyperlink on a line of its own: `…纳入` / `法制` / `化、规范化轨道。`
    return (
        _is_open_paragraph(left)
        and bool(LINK_TEXT.fullmatch(link))
        and not is_heading(right)
        and not LIST_ITEM.match(right)
        and not right.startswith(("“", '"', "「"))
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


def rejoin_paragraphs(paras: list[str], *, pdf: bool = False) -> tuple[list[str], int]:
    """Join paragraphs split by line breaks where one clearly continues the other.

    Returns the paragraphs and the number of joins made.
    """
    out = list(paras)
    joins = 0
    i = 0
    while i < len(out) - 1:
        left, right = out[i], out[i + 1]
        before = out[i - 1] if i else ""
        after = out[i + 2] if i + 2 < len(out) else ""
        if after and _is_link_split(left, right, after):
            out[i : i + 3] = [left + right + after]
            joins += 2
            continue
        if _must_join(left, right) or _continues(left, right, before):
            out[i : i + 2] = [_glue(left, right)]
            joins += 1
            continue
        if pdf and _untangle_columns(out, i):
            joins += 2
            continue
        i += 1
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


def split_articles(paras: list[str]) -> list[list[str]]:
    """Cut a file's paragraphs into articles at each title line followed by a subtitle line.

    A short unpunctuated line just before a new title cannot be a heading (nothing follows
    it in its article), so it is an OCR fragment and is dropped.
    """
    starts = []
    for i in range(1, len(paras)):
        previous = paras[starts[-1] if starts else 0 : i]
        # only a body paragraph before it makes a title line the start of another article
        if _starts_article(paras, i) and not all(
            is_heading(p) or is_title_line(p) for p in previous
        ):
            starts.append(i)
    pieces = []
    for begin, end in zip([0, *starts], [*starts, len(paras)], strict=True):
        piece = paras[begin:end]
        while end != len(paras) and piece and len(piece[-1]) <= JUNK_MAX and is_heading(piece[-1]):
            if re.search(r"[\s\W]", piece[-1]):
                break  # punctuation or spaces: a real heading shape, keep it
            piece.pop()
        if piece:
            pieces.append(piece)
    return pieces


FRONT_MATTER_MAX = 12  # paragraphs between a title and a salutation that may be a cover page
COVER_LINE_MAX = 40


def build_article(paras: list[str], published: str = "") -> ArticleDraft:
    """Title, subtitle, lead and blocks of one article's paragraphs."""
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
    blocks = tuple(Block(p, is_heading(p)) for p in rest if not is_byline(p))
    if not published:
        dates = [DATE.search(p) for p in lead]
        found = next((m for m in dates if m), None)
        if found:
            published = f"{int(found['y']):04d}-{int(found['m']):02d}-{int(found['d']):02d}"
    return ArticleDraft(
        title=title, subtitle=subtitle, blocks=blocks, published=published, lead="\n".join(lead)
    )


def parse_document(text: str, *, is_html: bool = False) -> list[ArticleDraft]:
    """Clean one raw file and cut it into articles (most files hold one; none if all noise)."""
    if is_html or has_tag_remnants(text):
        text = html_to_text(text)
    else:
        text = unescape_entities(text)
    text = decode_escapes(text)
    text = ORPHAN_TAG.sub("", text)
    text = normalize_spacing(text)
    text, glosses = remove_pinyin_glosses(text)
    text = mark_lost_characters(text, damaged=glosses > 0)
    page = strip_boilerplate(text.split("\n"))
    pdf = has_pdf_signature("\n".join(page.lines))
    lines = [remove_pdf_spaces(line) for line in page.lines] if pdf else list(page.lines)
    paras, _ = rejoin_paragraphs([line for line in lines if line], pdf=pdf)
    paras = [piece for para in paras for piece in split_long_paragraph(para)]
    return [build_article(piece, page.published) for piece in split_articles(paras)]
