"""The records that flow from ingestion to the index: regions, paragraphs, articles."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# A paragraph's stable id: its article's id and its position in the article ("…-1-p12").
_PARAGRAPH_ID = re.compile(r"(?P<article>.+)-p(?P<position>\d{1,7})")


def paragraph_id(article_id: str, position: int) -> str:
    """The id of the paragraph at `position` of an article (hits, exports, permalinks)."""
    return f"{article_id}-p{position}"


def split_paragraph_id(text: str) -> tuple[str, int] | None:
    """(article id, position) of a paragraph id, None when the text is not one."""
    m = _PARAGRAPH_ID.fullmatch(text or "")
    return (m["article"], int(m["position"])) if m else None


@dataclass(frozen=True)
class Region:
    """A place in the gazetteer: province > city > district, any of them may be empty."""

    province: str = ""
    city: str = ""
    district: str = ""
    code: str = ""  # administrative division code (adcode) of the most specific level

    def path(self) -> tuple[str, ...]:
        """The non-empty levels, widest first: ("山东省", "济南市", "市中区")."""
        return tuple(p for p in (self.province, self.city, self.district) if p)

    def __bool__(self) -> bool:
        return bool(self.province)


@dataclass(frozen=True)
class Block:
    """One paragraph of cleaned text as the cleaner found it; headings are blocks of their own."""

    text: str
    is_heading: bool = False


@dataclass(frozen=True)
class ArticleDraft:
    """One article cut out of a raw file, cleaned, before metadata detection."""

    title: str  # "" when the cleaner found no title line
    subtitle: str  # "——潍坊市政协2024年工作综述", or ""
    blocks: tuple[Block, ...]
    published: str = ""  # ISO date "2025-01-07" when the page gave one, else ""
    lead: str = ""  # text kept from before the title that may help detection (dateline, byline)
    # What cleaning repaired or dropped, by kind ("joined_lines", "duplicates", ...): the
    # build report sums these over the corpus.
    repairs: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Paragraph:
    """One paragraph (or heading) of an article, with the themes found in it."""

    position: int  # 0-based, in reading order within the article
    text: str
    section: str = ""  # the nearest heading above it ("" before the first heading)
    is_heading: bool = False
    themes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Article:
    """A whole article with its detected (or overridden) metadata."""

    id: str  # "<file stem>-<n>", n counting articles in the file from 1
    source: str  # file path relative to the source folder
    title: str
    region: Region  # Region("全国") for documents of national bodies
    year: int | None  # the work year the document reviews (a report delivered in 2026 -> 2025)
    published: str = ""  # the page's (or manifest's) ISO date, "" when none
    paragraphs: tuple[Paragraph, ...] = field(default_factory=tuple)
    doc_type: str = ""  # a type of search/data/doctypes.toml: 政协常委会工作报告, 政府工作报告, ... 其他
    level: str = ""  # 全国, 省级, 市级, 县级 ("" when unknown)
    delivered: str = ""  # ISO date ("2026-01-27") or year ("2026") delivered or published, or ""
    repairs: tuple[tuple[str, int], ...] = ()  # passed on from the ArticleDraft

    def paragraph_id(self, position: int) -> str:
        return paragraph_id(self.id, position)
