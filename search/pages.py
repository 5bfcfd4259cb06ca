"""Raw page text -> plain text: HTML tags and remnants, entities, literal escapes, odd spaces.

The first steps of search.clean.parse_document, kept apart because they know about web
pages and file formats, not about reports.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

# --- HTML -------------------------------------------------------------------------------

BLOCK_TAGS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 tr table section article blockquote pre hr dd dt".split()
)
SKIPPED_TAGS = frozenset({"script", "style", "nav", "header", "footer", "noscript", "template"})
TAG_REMNANT = re.compile(r"</?(?:b|i|u|em|strong|span|font|a|p|br|div)\b[^>]*>", re.IGNORECASE)
# `?/b>`: a closing tag whose "<" went down with a lost multibyte character.
ORPHAN_TAG = re.compile(r"(?<=[?\ufffd])/(?:b|i|u|em|strong|span|font|a|p)>")


# `政协潍坊市委员会常务委员会工作报告_潍坊市政协`: the site's name after the page's title
SITE_SUFFIX = re.compile(r"(?:_| - | \| )(?P<site>[^_|]{1,30})$")
SITE_NAME = re.compile(
    r"(网|網|网站|網站|政府|政协|政協|人大|委员会|委員會|日报|日報|新闻|新聞|门户|門戶|平台|频道|頻道"
    r"|首页|首頁|官网|官網|中心|[A-Za-z][A-Za-z.]+)$"
)


def strip_site_suffix(title: str) -> str:
    """An HTML `<title>` without the site (and section) names appended after `_`, ` - `, ` | `:
    a part that names a site, or one shorter than what comes before it."""
    while m := SITE_SUFFIX.search(title):
        head = title[: m.start()].strip()
        if len(head) < 4 or not (SITE_NAME.search(m["site"]) or len(head) > len(m["site"])):
            break
        title = head
    return title


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.title: list[str] | None = None  # the <title> text while inside it
        self.titles: list[str] = []
        self.h1: list[str] = []  # the text of each <h1>
        self.in_h1 = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.title = []
        elif tag in SKIPPED_TAGS:
            self.skipping += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")
        if tag == "h1":
            self.h1.append("")
            self.in_h1 += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self.in_h1 = max(0, self.in_h1 - 1)
        if tag == "title" and self.title is not None:
            self.titles.append("".join(self.title).strip())
            self.title = None
        elif tag in SKIPPED_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.title is not None:
            self.title.append(data)
        elif not self.skipping:
            self.parts.append(data)
            if self.in_h1:
                self.h1[-1] += data


def html_to_text(markup: str) -> str:
    """Text of an HTML page or fragment; block tags become line breaks, entities are decoded,
    script/style/nav/header/footer contents are dropped.

    The `<title>` comes first without its site name, unless an `<h1>` gives the title.
    """
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    full = parser.titles[0] if parser.titles else ""
    title = strip_site_suffix(full)
    if any(h.strip() and h.strip() not in full[len(title) :] for h in parser.h1):
        title = ""  # the <h1> says it better; an <h1> that is the site's name does not count
    return html.unescape("\n".join([title, "".join(parser.parts)]))


def has_tag_remnants(text: str) -> bool:
    """True when plain text still carries HTML tags such as `</b>` or `<br>`."""
    return bool(TAG_REMNANT.search(text))


# --- characters and spacing --------------------------------------------------------------

SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t\x0b\x0c]")
ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")
MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+", re.MULTILINE)


# `\r\n` as four characters: an export that escaped the line breaks once too often
LITERAL_ESCAPE = re.compile(r"(?<!\\)\\(?:r\\n|[rnt])")
LITERAL_ESCAPES_MIN = 3  # a lone `\n` may be meant; several are a flattened file
ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def decode_escapes(text: str) -> str:
    """Turn literal `\\r\\n`, `\\n`, `\\t` into line breaks and tabs when a text holds several."""
    if len(LITERAL_ESCAPE.findall(text)) < LITERAL_ESCAPES_MIN:
        return text
    return LITERAL_ESCAPE.sub(lambda m: "\t" if m[0] == "\\t" else "\n", text)


def unescape_entities(text: str) -> str:
    """Decode HTML entities (`&nbsp;`, `&amp;`, `&#12288;`) left in plain text; unknown ones stay."""
    return ENTITY.sub(lambda m: html.unescape(m[0]), text)


def normalize_spacing(text: str) -> str:
    """Unify line endings, turn odd spaces into plain ones, drop zero-width characters and
    markdown heading marks. NFKC is deliberately not applied: the stored text stays as found."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = ZERO_WIDTH.sub("", SPACES.sub(" ", text))
    text = re.sub(r" {2,}", " ", text)
    return MARKDOWN_HEADING.sub("", "\n".join(line.strip() for line in text.split("\n")))
