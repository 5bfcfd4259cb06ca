"""Documents that are not plain text: Markdown, PDF with a text layer, Word .docx.

Each reader turns one document into plain text, one paragraph (or heading) a line, plus
what the document states about itself (`meta`: a front-matter or Title-style `title`, a
`published` date). The text then goes through the same cleaning as a .txt file.
A document that cannot be read raises FormatError with a sentence saying why.
"""

from __future__ import annotations

import re
import statistics
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from search.pages import html_to_text

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
PDF_SUFFIXES = frozenset({".pdf"})
DOCX_SUFFIXES = frozenset({".docx"})
# Document formats a report folder may hold that are not read: found in folders so that
# they are reported (with what to do) rather than silently left out.
UNSUPPORTED_FORMATS = {
    ".doc": "it is an old binary Word document (.doc); save it as .docx or PDF to index it",
    ".wps": "it is a WPS Office document (.wps); save it as .docx or PDF to index it",
    ".rtf": "it is an RTF document; save it as .docx or PDF to index it",
    ".odt": "it is an OpenDocument text (.odt); save it as .docx or PDF to index it",
    ".ofd": "it is an OFD document; export it as PDF to index it",
    ".caj": "it is a CNKI CAJ document; export it as PDF to index it",
}

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Office files and encrypted .docx
TERMINAL = "。！？!?；;…"


class FormatError(Exception):
    """A document whose format cannot be turned into text; the message is the reason."""


@dataclass(frozen=True)
class FormattedText:
    """The plain text of a document and what it states about itself."""

    text: str
    meta: dict[str, str] = field(default_factory=dict)


def one_line(text: str) -> str:
    """Lines of one title or cell glued into one line."""
    out = ""
    for piece in text.splitlines():
        out = _glue(out, piece.strip())
    return out


def _glue(left: str, right: str) -> str:
    """Join two pieces of one paragraph: a space only between two ASCII words."""
    if not left or not right:
        return left + right
    a, b = left[-1], right[0]
    if a.isascii() and b.isascii() and not a.isspace() and not b.isspace():
        return f"{left} {right}"
    return left + right


# --- metadata values ---------------------------------------------------------------------

DATE_VALUE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
YEAR_VALUE = re.compile(r"^\s*(\d{4})\s*年?\s*$")


def iso_date(value: str) -> str:
    """`2024-01-05`, `2024/1/5`, `2024年1月5日` -> "2024-01-05"; a bare year -> "2024"; else ""."""
    found = DATE_VALUE.search(value)
    if found:
        y, m, d = (int(g) for g in found.groups())
        if 1 <= m <= 12 and 1 <= d <= 31:
            return f"{y:04d}-{m:02d}-{d:02d}"
    found = YEAR_VALUE.match(value)
    return found[1] if found else ""


# --- Markdown ----------------------------------------------------------------------------

FRONT_MATTER = re.compile(
    r"\A\ufeff?---[ \t]*\r?\n(?P<body>.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S
)
FRONT_MATTER_KEY = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:\s*(?P<value>.*)$")
DATE_KEYS = ("date", "published", "pubdate", "publish_date", "created")


# The readers' libraries (python-docx, pypdfium2, markdown-it) are imported when a file of
# their kind is read: a tenth of a second that a corpus of .txt and .html never needs.
@lru_cache(maxsize=1)
def _markdown():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


_BR_TAG = re.compile(r"<br\s*/?>", re.I)
# CommonMark does not close `**` after punctuation when a Han character follows
# (`**一、总体要求：**坚持…`), so such pairs reach the text as they were typed; a `**`
# it paired wrongly leaves a lone one. No report has `**` as content: all of them go.
_LEFT_EMPHASIS = re.compile(r"(__|~~)(?=\S)(.+?)(?<=\S)\1|\*\*")


# Footnotes (`…清四乱[^1]…`, `[^1]: 河湖…`) are not CommonMark: a definition would be taken
# for a link reference and vanish. They are written as Chinese reports print notes: 〔1〕.
_FOOTNOTE_DEFINITION = re.compile(r"^[ \t]{0,3}\[\^([^\]\s]+)\]:[ \t]*", re.M)
_FOOTNOTE_REFERENCE = re.compile(r"\[\^([^\]\s]+)\]")


def undouble(title: str) -> str:
    """A title pasted twice (`2020年政府工作报告2020年政府工作报告`) once."""
    half = len(title) // 2
    return (
        title[:half]
        if len(title) % 2 == 0 and half >= 4 and title[:half] == title[half:]
        else title
    )


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """The `key: value` pairs of a leading `---` block (lower-cased keys, unquoted values),
    and the text after it. Lists and nested YAML are not needed for reports and are skipped."""
    found = FRONT_MATTER.match(text)
    if not found:
        return {}, text
    fields: dict[str, str] = {}
    for line in found["body"].splitlines():
        pair = FRONT_MATTER_KEY.match(line.strip())
        if pair:
            value = pair["value"].strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            fields.setdefault(pair["key"].lower(), value.strip())
    return fields, text[found.end() :]


def _inline_text(children) -> str:
    parts: list[str] = []
    for tok in children or ():
        if tok.type == "text":
            parts.append(_LEFT_EMPHASIS.sub(lambda m: m[2] or "", tok.content))
        elif tok.type == "code_inline":
            parts.append(tok.content)
        elif tok.type == "image":
            parts.append(tok.content)  # the alt text
        elif tok.type in ("softbreak", "hardbreak") or (
            tok.type == "html_inline" and _BR_TAG.fullmatch(tok.content)
        ):
            # A line break inside a Markdown paragraph stays one, as in a .txt file: the
            # cleaner decides whether it is hard wrapping (rejoined) or a title, a dateline.
            parts.append("\n")
    return "".join(parts)


def markdown_to_text(source: str) -> FormattedText:
    """Markdown -> text: front matter read into meta, markup removed, `#` headings and list
    items on lines of their own, table rows as lines of cells, code kept as written.

    meta: `title` (front matter, else a leading level-1 heading), `published` (front-matter date).
    """
    fields, body = split_front_matter(source)
    meta = {}
    if fields.get("title"):
        meta["title"] = undouble(one_line(fields["title"]))
    for key in DATE_KEYS:
        if iso_date(fields.get(key, "")):
            meta["published"] = iso_date(fields[key])
            break
    lines: list[str] = []
    cells: list[str] | None = None
    prefix = ""
    heading = 0
    body = _FOOTNOTE_REFERENCE.sub(r"〔\1〕", _FOOTNOTE_DEFINITION.sub(r"〔\1〕", body))
    for tok in _markdown().parse(body):
        kind = tok.type
        if kind == "inline":
            text = _inline_text(tok.children).strip()
            if cells is not None:
                cells.append(one_line(text))
            elif text:
                if heading == 1 and not lines and "title" not in meta:
                    meta["title"] = one_line(text)
                lines.append(prefix + (" " if prefix and text[:1].isascii() else "") + text)
                prefix = ""
        elif kind == "heading_open":
            heading = int(tok.tag[1:])
        elif kind == "heading_close":
            heading = 0
        elif kind == "list_item_open":
            prefix = f"{tok.info}{tok.markup}" if tok.info else ""  # ordered: keep "1." as written
        elif kind in ("fence", "code_block"):
            lines.extend(tok.content.splitlines())
        elif kind == "html_block":
            lines.extend(html_to_text(tok.content).splitlines())
        elif kind == "tr_open":
            cells = []
        elif kind == "tr_close":
            lines.append(" ".join(c for c in cells or () if c))
            cells = None
    return FormattedText("\n".join(line for line in lines if line.strip()), meta)


# --- PDF ---------------------------------------------------------------------------------

MIN_CHARS_PER_PAGE = 10  # fewer readable characters than this per page: scanned images
EDGE_LINES = 2  # lines at the top and at the bottom of a page that may be running furniture
RUNNING_SHARE = 0.4  # on this share of pages (odd/even headers alternate) a line is furniture
FURNITURE_SPACE = 0.8  # blank space (in line heights) that sets a header or footer apart
PAGE_NUMBER = re.compile(
    r"^(?:[-–—－―\s]*\d{1,3}[-–—－―\s]*"
    r"|第\s*[\d一二三四五六七八九十百]{1,6}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}"
    r"|(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?)$",
    re.I,
)
_HAN = re.compile(r"[\u3400-\u9fff]")
# Line breaking (as in Unicode's rules): no break before closing marks and quotes, none
# after opening marks and quotes, none inside a number or Latin word.
_NO_BREAK_BEFORE = frozenset('”’“‘"）)》」』】]，。、；：！？%,.;:!?·')
_NO_BREAK_AFTER = frozenset('“‘”’"（(《「『【[·')


def first_group_size(text: str) -> int:
    """How many characters open `text` that a line break could not have split:
    `河“23·7”流域` -> 7 (河“23·7”流), `年。我们` -> 2, `发展` -> 1."""
    chars = re.sub(r"\s", "", text)
    size = 1
    while size < len(chars):
        a, b = chars[size - 1], chars[size]
        word = a.isascii() and a.isalnum() and b.isascii() and (b.isalnum() or b in ".%")
        if not (
            b in _NO_BREAK_BEFORE or a in _NO_BREAK_AFTER or word or (a == "." and b.isdigit())
        ):
            break
        size += 1
    return min(size, len(chars)) or 1


_MEANINGFUL = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    y0: float  # bottom (PDF y grows upwards)
    y1: float  # top
    page: int
    lead: float = 0.0  # width of the first unbreakable group (`“23·7”`, `年。`, `字`)


def _page_lines(textpage, page_number: int) -> list[_Line]:
    """The lines of a page in content order. A line ends at the viewer's line break or where
    the next character sits on a lower (or higher) line further left: the text stream runs a
    paragraph's last line into the next one's first at times."""
    n = textpage.count_chars()
    text = textpage.get_text_range(0, n) if n else ""
    if len(text) != n:  # characters outside the BMP: read them one at a time to keep indexes
        text = "".join(textpage.get_text_range(i, 1)[:1] or " " for i in range(n))
    lines: list[_Line] = []
    chars: list[str] = []
    boxes: list[tuple[float, float, float, float]] = []

    def close() -> None:
        line = "".join(chars).strip()
        if line and boxes:
            size = first_group_size(line)
            x0 = min(b[0] for b in boxes)
            lines.append(
                _Line(
                    line,
                    x0,
                    max(b[2] for b in boxes),
                    min(b[1] for b in boxes),
                    max(b[3] for b in boxes),
                    page_number,
                    boxes[min(size, len(boxes)) - 1][2] - x0,
                )
            )
        chars.clear()
        boxes.clear()

    for i, ch in enumerate(text):
        if ch in "\r\n":
            if ch == "\n":
                close()
            continue
        if ch.isspace():
            chars.append(ch)
            continue
        box = textpage.get_charbox(i, loose=True)
        if boxes:
            last = boxes[-1]
            middle = (box[1] + box[3]) / 2
            if box[0] < last[0] and not last[1] <= middle <= last[3]:
                close()
        chars.append(ch)
        boxes.append(box)
    close()
    return lines


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "0", re.sub(r"\s+", "", text))


def _edge_lines(lines: list[_Line]) -> tuple[set[int], set[int]]:
    """Ids of the lines at the top and bottom of a page that may be furniture (any of them
    when a page number), and of those set apart from the body by more than a line's usual
    spacing (running headers and footers sit in the margin)."""
    if not lines:
        return set(), set()
    ordered = sorted(lines, key=lambda ln: -ln.y1)
    height = statistics.median(ln.y1 - ln.y0 for ln in lines)
    edge: set[int] = set()
    apart: set[int] = set()
    for chain in (ordered, ordered[::-1]):
        for k, line in enumerate(chain[:EDGE_LINES]):
            edge.add(id(line))
            neighbour = chain[k + 1] if k + 1 < len(chain) else None
            space = (
                (line.y0 - neighbour.y1 if chain is ordered else neighbour.y0 - line.y1)
                if neighbour is not None
                else float("inf")
            )
            if space > FURNITURE_SPACE * height:
                apart.add(id(line))
            else:
                break  # the body starts here: nothing further in is furniture
    return edge, apart


def drop_page_furniture(pages: list[list[_Line]]) -> list[list[_Line]]:
    """Remove running headers and footers (the same line, page numbers folded, set apart at
    the top or bottom of many pages) and page numbers (`- 3 -`, `第3页`, `3/12`) at a page's edge."""
    edges = [_edge_lines(lines) for lines in pages]
    seen: Counter[str] = Counter()
    for lines, (_edge, apart) in zip(pages, edges, strict=True):
        seen.update({_furniture_key(line.text) for line in lines if id(line) in apart})
    needed = max(2, RUNNING_SHARE * len(pages))

    def furniture(line: _Line, edge: set[int], apart: set[int]) -> bool:
        if id(line) in edge and PAGE_NUMBER.match(line.text):
            return True
        return id(line) in apart and seen[_furniture_key(line.text)] >= needed

    return [
        [line for line in lines if not furniture(line, *edge)]
        for lines, edge in zip(pages, edges, strict=True)
    ]


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def join_layout_lines(pages: list[list[_Line]]) -> list[str]:
    """Paragraphs from lines: a line that reaches the right margin continues on the next line
    when that one is not indented and follows at the normal line distance, or opens the next
    page while the sentence is still open."""
    every = [line for lines in pages for line in lines]
    if not every:
        return []
    heights = [line.y1 - line.y0 for line in every if _HAN.search(line.text)]
    em = statistics.median(heights) if heights else statistics.median(ln.y1 - ln.y0 for ln in every)
    em = max(em, 1.0)
    margins: dict[int, tuple[float, float, float]] = {}
    for lines in pages:
        if not lines:
            continue
        sample = [ln for ln in lines if len(ln.text) >= 4] or lines
        if len(sample) < 4:
            sample = [ln for ln in every if len(ln.text) >= 4] or every
        gaps = [a.y0 - b.y0 for a, b in pairwise(lines) if 0 < a.y0 - b.y0 < 3 * em]
        pitch = statistics.median(gaps) if gaps else 1.5 * em
        margins[lines[0].page] = (
            _quantile([ln.x0 for ln in sample], 0.1),
            _quantile([ln.x1 for ln in sample], 0.9),
            pitch,
        )

    def indented(line: _Line) -> bool:
        return line.x0 > margins[line.page][0] + 0.6 * em

    # How ragged the right edge is: unjustified text, and the rule that a line may not start
    # with 。，、 (the character before moves down with it), leave continued lines up to ~2 em
    # short of the margin; justified text leaves none.
    shortfalls = [
        margins[a.page][1] - a.x1
        for a, b in pairwise(every)
        if a.page == b.page and len(a.text) >= 4 and not indented(b)
    ]
    slack = min(max(_quantile(shortfalls, 0.95) if shortfalls else 0.0, 2.0 * em), 3.0 * em)

    def full(line: _Line, following: _Line) -> bool:
        # at the margin, or the next line's first group would not have fitted after it
        right = margins[line.page][1]
        return line.x1 >= right - slack or line.x1 + following.lead > right - 0.5 * em

    paragraphs: list[str] = []
    previous: _Line | None = None
    for line in every:
        joins = False
        if previous is not None and full(previous, line) and not indented(line):
            if previous.page == line.page:
                distance = previous.y0 - line.y0
                joins = 0 < distance <= 1.6 * margins[line.page][2]
            else:
                joins = not previous.text.rstrip("”’」』）)").endswith(tuple(TERMINAL))
        if joins:
            paragraphs[-1] = _glue(paragraphs[-1], line.text)
        else:
            paragraphs.append(line.text)
        previous = line
    return paragraphs


def read_pdf(path: Path) -> FormattedText:
    """The text layer of a PDF, page furniture dropped and wrapped lines rejoined."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        message = str(exc).lower()
        if "password" in message:
            raise FormatError("the PDF is encrypted with a password") from exc
        raise FormatError(f"it is not a readable PDF (damaged or truncated: {exc})") from exc
    try:
        pages: list[list[_Line]] = []
        for number in range(len(document)):
            page = document[number]
            textpage = page.get_textpage()
            try:
                pages.append(_page_lines(textpage, number))
            finally:
                textpage.close()
                page.close()
    finally:
        document.close()
    readable = sum(len(_MEANINGFUL.findall(line.text)) for lines in pages for line in lines)
    if readable < MIN_CHARS_PER_PAGE * max(1, len(pages)):
        raise FormatError("the PDF has no text layer (scanned images?); run OCR on it first")
    return FormattedText("\n".join(join_layout_lines(drop_page_furniture(pages))))


# --- Word .docx --------------------------------------------------------------------------

HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.I)
TITLE_STYLES = frozenset({"title", "标题"})
BODY_MIN = 40  # a paragraph this long before the first Heading 1 means it is not the title


def _style_level(paragraph) -> int | None:
    """0 for a Title, n for Heading n (style name, or an outline level set on the paragraph
    or its style), None for body text."""
    from docx.oxml.ns import qn

    style = paragraph.style
    name = (style.name or "").strip() if style is not None else ""
    if name.lower() in TITLE_STYLES:
        return 0
    found = HEADING_STYLE.match(name)
    if found:
        return int(found[1])
    for element in (paragraph._p, style.element if style is not None else None):
        ppr = element.pPr if element is not None else None
        level = ppr.find(qn("w:outlineLvl")) if ppr is not None else None
        if level is not None and level.get(qn("w:val"), "9").isdigit():
            value = int(level.get(qn("w:val")))
            if value < 9:
                return value + 1
    return None


def _docx_blocks(parent, document):
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in parent.iterchildren():
        if child.tag == qn("w:p"):
            yield Paragraph(child, document)
        elif child.tag == qn("w:tbl"):
            yield Table(child, document)
        elif child.tag == qn("w:sdt"):  # a content control wraps ordinary paragraphs
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _docx_blocks(content, document)


def _table_rows(table) -> list[str]:
    rows = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(p.text.strip() for p in cell.paragraphs if p.text.strip())
            if text and (not cells or cells[-1] != text):  # a merged cell repeats per column
                cells.append(text)
        if cells:
            rows.append(" ".join(cells))
    return rows


def read_docx(path: Path) -> FormattedText:
    """Paragraphs and tables of a .docx in order; meta title from the Title style, else from
    a Heading 1 that comes before the body text."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if head == OLE_SIGNATURE:
        raise FormatError(
            "it is an OLE compound file, not a .docx package: an encrypted .docx or an old "
            ".doc under a new name; save it as an unprotected .docx"
        )
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise FormatError(
            f"it is not a valid .docx package (damaged or not Word 2007+: {exc})"
        ) from exc
    lines: list[str] = []
    title = ""
    heading1 = ""
    body_seen = False
    for block in _docx_blocks(document.element.body, document):
        if isinstance(block, Table):
            lines.extend(_table_rows(block))
            continue
        text = block.text.strip()
        if not text:
            continue
        level = _style_level(block)
        if level == 0 and not title:
            title = one_line(text)
        elif level == 1 and not heading1 and not body_seen:
            heading1 = one_line(text)
        elif level is None and len(text) >= BODY_MIN:
            body_seen = True
        lines.append(text)
    meta = {"title": title or heading1} if title or heading1 else {}
    return FormattedText("\n".join(lines), meta)
