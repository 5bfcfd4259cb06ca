"""Metadata of one article: title, region, work year, published date, paragraphs with themes.

The year is the *work year the report reviews*: a report delivered in January 2025 whose
first part is "一、2024年工作回顾" is a 2024 report.  `detect_year` scores year mentions and
returns the evidence so a wrong guess can be explained.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from search.documents import Article, ArticleDraft, Paragraph, Region
from search.manifest import resolve_region
from search.normalize import match_key
from search.regions import Gazetteer
from search.themes import ThemeRules

# Region evidence weights per part of the article (title beats subtitle beats the body).
REGION_WEIGHTS = {"title": 10.0, "subtitle": 8.0, "lead": 3.0, "opening": 1.0, "body": 0.5}
OPENING_BLOCKS = 10  # blocks that count as "first paragraphs"

_YEAR = r"((?:19|20)\d\d)"
_DATE = re.compile(_YEAR + r"年\s*\d{1,2}\s*月")
_ANY_YEAR = re.compile(_YEAR + r"\s*年(?!\s*\d{1,2}\s*月)")
# A year the text says it looks back on.
_REVIEW = re.compile(
    r"(?:回望|回顾|翻开|总结)\s*" + _YEAR + r"\s*年"
    r"|" + _YEAR + r"\s*年(?:度)?(?:的)?(?:工作)?(?:回顾|综述|总结)"
    r"|" + _YEAR + r"\s*年(?:的)?[“\"「]?(?:履职|工作)(?:成绩单|答卷|乐章|历程)"
)
# "2025年，淄博市政协…" / "2024年是…" opening a paragraph: the year being described.
_OPENING = re.compile(r"^\s*" + _YEAR + r"\s*年(?:[,，]|是|以来|来)")
_SINCE = re.compile(_YEAR + r"\s*年以来")
_FOUNDED = re.compile(r"成立于\s*" + _YEAR + r"\s*年")
_SPAN = re.compile(r"([一二三四五六七八九十]{1,3}|\d{1,2})\s*年(?:来|的|间|里|[。，,])")
_PLANNING = re.compile(r"将|计划|力争|预计|要着力|目标是")
_SENTENCE_END = re.compile(r"[。；;!！?？\n]")
_PAST_YEAR = re.compile(r"过去一年|一年来|这一年|去年")
# A report delivered to a session ("政府工作报告", "常务委员会工作报告"): a year in its title
# is the session's year, not the year reviewed.
_SESSION_REPORT = re.compile(r"工作报告")
# Titles of national bodies: their reports are about the whole country, whatever places
# the text mentions (海南自由贸易港, 雄安新区).
NATIONAL_TITLE = re.compile(r"国务院|全国人民代表大会|全国代表大会|全国委员会|中华人民共和国|中共中央")

YEAR_WEIGHTS = {
    "review": 12.0, "title": 10.0, "subtitle": 8.0, "opening": 3.0,
    "since": 2.0, "anniversary": 2.0, "mention": 1.0,
}


@dataclass(frozen=True)
class YearEvidence:
    """One scored year mention: which year, how much it counts, and why."""

    year: int
    weight: float
    reason: str
    context: str


def _cn_number(s: str) -> int:
    """Small Chinese numerals ("二十二" -> 22) or ASCII digits."""
    if s.isdigit():
        return int(s)
    digits = dict(zip("一二三四五六七八九", range(1, 10), strict=True))
    if "十" in s:
        tens, _, ones = s.partition("十")
        return digits.get(tens, 1) * 10 + digits.get(ones, 0)
    return digits.get(s, 0)


def _is_planning(text: str, end: int) -> bool:
    stop = _SENTENCE_END.search(text, end)
    return bool(_PLANNING.search(text, end, stop.start() if stop else len(text)))


def delivery_date(published: str, parts: Sequence[str]) -> tuple[int, int] | None:
    """(year, month) the report was published or delivered: `published`, else a date in `parts`."""
    if re.match(r"\d{4}-\d{2}", published):
        return int(published[:4]), int(published[5:7])
    for part in parts:
        m = _DATE.search(part)
        if m:
            month = re.search(r"(\d{1,2})\s*月", part[m.start() + 5 :])
            return int(m.group(1)), int(month.group(1)) if month else 1
    return None


def year_evidence(
    title: str, subtitle: str, body: Sequence[str], *, published: str = "", lead: str = ""
) -> list[YearEvidence]:
    """Every year mention that counts, with its weight and reason (see YEAR_WEIGHTS).

    Years after the delivery date (`published`, else a date in title, subtitle or lead:
    "——2025年1月7日在…会议上") are plans, not work done, and are ignored.
    """
    parts = [match_key(title), match_key(subtitle)]
    body = [match_key(b) for b in (lead, *body)]
    delivered = delivery_date(published, [*parts, body[0]])
    session = bool(_SESSION_REPORT.search(parts[0]))
    if session and delivered is None:
        first = _ANY_YEAR.search(parts[0])
        delivered = (int(first.group(1)), 1) if first else None
    latest = delivered[0] if delivered else 2100
    if delivered and delivered[1] <= 3:
        latest -= 1  # delivered in Q1: the delivery year itself is only planned, not reviewed
    out: list[YearEvidence] = []

    def add(year: int, reason: str, text: str, end: int) -> None:
        if 1949 <= year <= latest and not _is_planning(text, end):
            out.append(YearEvidence(year, YEAR_WEIGHTS[reason], reason, text[max(0, end - 20) : end + 10]))

    for reason, text in (("title", parts[0]), ("subtitle", parts[1])):
        if session and reason == "title":
            continue  # the session's year, used above as the delivery date
        for m in _ANY_YEAR.finditer(text):
            add(int(m.group(1)), reason, text, m.end())
    for text in parts + body:
        for m in _REVIEW.finditer(text):
            add(int(next(g for g in m.groups() if g)), "review", text, m.end())
    for text in body:
        m = _OPENING.match(text)
        if m:
            add(int(m.group(1)), "opening", text, m.end())
        for m in _SINCE.finditer(text):
            add(int(m.group(1)), "since", text, m.end())
        for m in _ANY_YEAR.finditer(text):
            add(int(m.group(1)), "mention", text, m.end())
        founded = _FOUNDED.search(text)
        if founded:
            # "成立于2002年…二十二年来": the anniversary year is the year being celebrated.
            for t in body:
                for span in _SPAN.finditer(t):
                    years = _cn_number(span.group(1))
                    if 5 <= years <= 80:
                        add(int(founded.group(1)) + years, "anniversary", t, span.end())
    return out


def detect_year(
    title: str, subtitle: str, body: Sequence[str], *, published: str = "", lead: str = ""
) -> tuple[int | None, list[YearEvidence]]:
    """The work year reviewed and the evidence; None when nothing supports a year.

    Without any year mention, a text published (or delivered) in January-March that speaks
    of "过去一年/一年来" reviews the year before its date, and a report to a session whose
    title names the session's year ("陕西省2026年政府工作报告") reviews the year before.
    """
    evidence = year_evidence(title, subtitle, body, published=published, lead=lead)
    if evidence:
        score: dict[int, float] = defaultdict(float)
        for e in evidence:
            score[e.year] += e.weight
        best = max(score, key=lambda y: (score[y], y))
        return best, evidence
    delivered = delivery_date(published, [title, subtitle, lead])
    first = _ANY_YEAR.search(match_key(title))
    if delivered is None and first and _SESSION_REPORT.search(title):
        delivered = (int(first.group(1)), 1)
    if delivered and delivered[1] <= 3 and any(_PAST_YEAR.search(b) for b in body):
        year = delivered[0] - 1
        return year, [YearEvidence(year, 1.0, "published early in the next year", published)]
    if first and _SESSION_REPORT.search(title):
        # A report to the annual session of year Y reviews the year Y-1.
        year = int(first.group(1)) - 1
        return year, [YearEvidence(year, 1.0, "session report: title year minus one", title)]
    return None, []


def detect_article_region(draft: ArticleDraft, gazetteer: Gazetteer | None = None) -> Region:
    """The region of an article: title, subtitle, lead and paragraphs weighted by REGION_WEIGHTS."""
    gazetteer = gazetteer or Gazetteer.load()
    heading = f"{draft.title} {draft.subtitle}"
    if NATIONAL_TITLE.search(match_key(heading)) and not gazetteer.mentions(heading):
        return Region()
    parts = [
        (draft.title, REGION_WEIGHTS["title"]),
        (draft.subtitle, REGION_WEIGHTS["subtitle"]),
        (draft.lead, REGION_WEIGHTS["lead"]),
    ]
    for i, block in enumerate(draft.blocks):
        parts.append((block.text, REGION_WEIGHTS["opening" if i < OPENING_BLOCKS else "body"]))
    head = parts[: 3 + OPENING_BLOCKS]
    # A report about a place names it up front. A place named only deep in the body (台湾
    # in a national congress report) is a topic, not the author: no region then.
    opening = gazetteer.detect(head)
    if not opening:
        return Region()
    found = gazetteer.detect(parts)
    return found if found.province == opening.province else opening


def synthesize_title(subtitle: str, region: Region, year: int | None) -> str:
    """A title for an article the cleaner found none for.

    The subtitle without its dash when there is one ("——潍坊市政协2024年工作综述"), else
    "<most specific place>政协<year>年工作综述" with the parts we know.
    """
    stripped = subtitle.strip().lstrip("—-－ ").strip()
    if stripped:
        return stripped
    place = region.path()[-1] if region else ""
    when = f"{year}年" if year else ""
    return f"{place}政协{when}工作综述"


def _paragraphs(draft: ArticleDraft, rules: ThemeRules) -> tuple[Paragraph, ...]:
    out = []
    section = ""
    for position, block in enumerate(draft.blocks):
        if block.is_heading:
            section = block.text  # a heading is its own section
        themes = () if block.is_heading else rules.themes_for(block.text)
        out.append(Paragraph(position, block.text, section, block.is_heading, themes))
    return tuple(out)


def describe(
    draft: ArticleDraft,
    *,
    article_id: str,
    source: str,
    overrides: Mapping[str, object] | None = None,
    rules: ThemeRules | None = None,
) -> Article:
    """The Article for a draft: detected metadata, then `overrides` (from a manifest) on top.

    Override keys: title, year, published, region (a Region) or province/city/district
    (resolved against the gazetteer, kept as given when unknown).
    """
    overrides = dict(overrides or {})
    rules = rules or ThemeRules.load()
    region = detect_article_region(draft)
    if "region" in overrides:
        region = overrides["region"]  # type: ignore[assignment]
    elif any(overrides.get(k) for k in ("province", "city", "district")):
        region, _known = resolve_region(
            str(overrides.get("province") or ""),
            str(overrides.get("city") or ""),
            str(overrides.get("district") or ""),
        )
    published = str(overrides.get("published") or draft.published)
    body = [b.text for b in draft.blocks[:OPENING_BLOCKS * 3]]
    year, _evidence = detect_year(
        draft.title, draft.subtitle, body, published=published, lead=draft.lead
    )
    if overrides.get("year") is not None:
        year = int(overrides["year"])  # type: ignore[call-overload]
    title = str(overrides.get("title") or draft.title.strip())
    if not title:
        title = synthesize_title(draft.subtitle, region, year)
    return Article(
        id=article_id,
        source=source,
        title=title,
        region=region,
        year=year,
        published=published,
        paragraphs=_paragraphs(draft, rules),
        delivered=published,
        repairs=draft.repairs,
    )
