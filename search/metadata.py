"""Metadata of one article: title, document type, region, level, work year, delivery date,
paragraphs with themes.

Two years are kept apart.  `delivered` is when the document was delivered or published (a
dateline "——2026年1月26日在…会议上", a numbered national session, a session year in the
title, the page date).  `year` is the *work year the document reviews*: for a document
delivered to a session (see `session` in search/data/doctypes.toml) the year before the
session, or the year that is ending for a session in October-December; for a party
congress the year of the congress; for a story about a committee's year the year it tells
of, from scored evidence (`year_evidence`).  Without evidence both stay unknown: a year
is never taken from an unrelated date in the body.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from search.dates import arabic_dates, dateline_date, session_years
from search.doctypes import DocType, DocTypeRules
from search.documents import Article, ArticleDraft, Paragraph, Region
from search.manifest import resolve_region
from search.normalize import match_key
from search.regions import MUNICIPALITY_NAMES, NATIONAL, Gazetteer
from search.themes import ThemeRules

# Region evidence weights per part of the article (title beats subtitle beats the body).
REGION_WEIGHTS = {"title": 10.0, "subtitle": 8.0, "lead": 3.0, "opening": 1.0, "body": 0.5}
OPENING_BLOCKS = 10  # blocks that count as "first paragraphs"
TYPE_BLOCKS = 4  # blocks read for the document type: salutation and first lines
DATELINE_BLOCKS = 3  # blocks under the title that may still hold a dateline
LATE_SESSION_MONTH = 10  # a session from October on reviews the year that is ending

_YEAR = r"((?:19|20)\d\d)"
_ANY_YEAR = re.compile(_YEAR + r"\s*年(?!\s*\d{1,2}\s*月)")
# A year the text says it looks back on.
_REVIEW = re.compile(
    r"(?:回望|回顾|翻开|总结)\s*" + _YEAR + r"\s*年"
    r"|" + _YEAR + r"\s*年(?:度)?[^。；;，,]{0,16}?(?:回顾|综述|总结)"
    r"|" + _YEAR + r"\s*年(?:的)?[“\"「]?(?:履职|工作)(?:成绩单|答卷|乐章|历程)"
)
# A five-year plan period looked back on ("一、“十三五”时期工作回顾", "回顾“十三五”",
# "“十一五”时期经济社会发展取得显著成就"): its last year is the last year reviewed.
_PLAN = r"[“\"「]?(十[一二三四五六七八九]?|[三四五六七八九])五[”\"」]?"
_PLAN_REVIEW = re.compile(
    r"(?:回顾|回望)\s*" + _PLAN
    + r"|" + _PLAN + r"(?:时期|期间|计划|规划)?[^。；;，,]{0,12}?(?:回顾|取得.{0,6}成就|的成就|完成情况)"
)
# "2025年，淄博市政协…" / "2024年是…" opening a paragraph: the year being described.
_OPENING = re.compile(r"^\s*" + _YEAR + r"\s*年(?:[,，]|是|以来|来)")
_SINCE = re.compile(_YEAR + r"\s*年以来")
_FOUNDED = re.compile(r"成立于\s*" + _YEAR + r"\s*年")
_SPAN = re.compile(r"([一二三四五六七八九十]{1,3}|\d{1,2})\s*年(?:来|的|间|里|[。，,])")
_PLANNING = re.compile(r"将|计划|力争|预计|要着力|目标是")
_SENTENCE_END = re.compile(r"[。；;!！?？\n]")
_PAST_YEAR = re.compile(r"过去一年|一年来|这一年|去年")
# Titles of national bodies: their documents are about the whole country, whatever places
# the text mentions (海南自由贸易港, 雄安新区).
NATIONAL_TITLE = re.compile(r"国务院|全国人民代表大会|全国代表大会|全国委员会|中华人民共和国|中共中央|全国人大|全国政协")
# Speaking for a national body in the first lines.
NATIONAL_SPEAKER = re.compile(r"代表(国务院|中央人民政府|第.{1,3}届中央委员会|中共中央)")
# The body an opening speaks for ("我代表河北省人民政府", "我代表政协…市中区委员会常务委员会").
_ISSUER = re.compile(r"(?:代表|受)[^，,。；]{0,30}?(自治区|省|市|州|盟|县|区|旗)(?:人民政府|政府|委员会|人民代表大会|委)")
ISSUER_LEVEL = {"自治区": "省级", "省": "省级", "市": "市级", "州": "市级", "盟": "市级", "县": "县级", "区": "县级", "旗": "县级"}
LEVELS = ("全国", "省级", "市级", "县级")
_SPEAKS_FOR = re.compile(
    r"在([^，,。；在]{2,30}?)(?:第?[一二三四五六七八九十\d]{1,3}届)?(?:人民代表大会|人大|政协|委员会)"
    r"|代表([^，,。；]{2,30}?)(?:人民政府|人大常委会|人民代表大会常务委员会|委员会常务委员会)"
)

# Evidence that can carry a year on its own; a bare "mention" ("比2015年增长") only adds weight.
ANCHORS = {"review", "plan review", "title", "subtitle", "opening", "since", "anniversary"}
YEAR_WEIGHTS = {
    "review": 12.0, "plan review": 12.0, "title": 10.0, "subtitle": 8.0, "opening": 3.0,
    "since": 2.0, "anniversary": 2.0, "mention": 1.0,
}


@dataclass(frozen=True)
class YearEvidence:
    """One scored year mention: which year, how much it counts, and why."""

    year: int
    weight: float
    reason: str
    context: str


@dataclass(frozen=True)
class Delivery:
    """When a document was delivered or published, and where that was read."""

    value: str = ""  # "2026-01-27", "2026" or ""
    reason: str = ""

    @property
    def year(self) -> int | None:
        return int(self.value[:4]) if self.value[:4].isdigit() else None

    @property
    def month(self) -> int | None:
        return int(self.value[5:7]) if len(self.value) >= 7 else None


def _cn_number(s: str) -> int:
    """Small Chinese numerals ("二十二" -> 22) or ASCII digits."""
    if s.isdigit():
        return int(s)
    digits = dict(zip("一二三四五六七八九", range(1, 10), strict=True))
    if "十" in s:
        tens, _, ones = s.partition("十")
        return digits.get(tens, 1) * 10 + digits.get(ones, 0)
    return digits.get(s, 0)


def plan_last_year(ordinal: str) -> int:
    """The last year of the Nth five-year plan ("十三" -> 2020); the third began in 1966."""
    n = _cn_number(ordinal)
    return {1: 1957, 2: 1962}.get(n, 1966 + 5 * (n - 3) + 4)


def _is_planning(text: str, end: int) -> bool:
    stop = _SENTENCE_END.search(text, end)
    return bool(_PLANNING.search(text, end, stop.start() if stop else len(text)))


def _key(text: str) -> str:
    return arabic_dates(match_key(text))


def title_year(title: str) -> int | None:
    """The first year named in a title ("2026年甘肃省政府工作报告", "政府工作报告（二〇一四年）")."""
    m = _ANY_YEAR.search(_key(title)) or re.search(_YEAR + r"\s*[)）]", _key(title))
    return int(m.group(1)) if m else None


_PLAN_TITLE = re.compile(r"规划|远景|纲要|目标|展望")


def title_disagrees(title: str, delivered: str) -> int | None:
    """The year a title names when it is two or more years from the delivery date: the file
    may hold another year's report than its title says (米易县2024年政府工作报告 delivered
    2022-01-24), which a reader should check. Plans name years ahead (2010年远景目标)."""
    year = title_year(title)
    if year is None or not re.match(r"\d{4}", delivered) or _PLAN_TITLE.search(title):
        return None
    return year if abs(year - int(delivered[:4])) >= 2 else None


def detect_delivery(
    title: str,
    subtitle: str,
    lead: str,
    opening: Sequence[str],
    *,
    published: str = "",
    doc_type: DocType | None = None,
) -> Delivery:
    """When the document was delivered: the first of

    1. a dateline under the title ("——二〇二六年一月二十七日在…会议上", "（2007年1月30日）");
    2. a numbered national session or party congress in the title, dateline or the first
       lines ("第十届全国人民代表大会第五次会议" -> 2007), with the page date when it agrees;
    3. for a session document, the year in its title ("2026年甘肃省政府工作报告"), with
       the page date when it agrees;
    4. the page date `published`.
    """
    lines = [title, subtitle, *lead.split("\n"), *opening[:DATELINE_BLOCKS]]
    dated = dateline_date([x for x in lines if x])
    if dated:
        return Delivery(dated.iso(), "dateline")
    page = published if re.match(r"\d{4}-\d{2}-\d{2}$", published) else ""
    sessions = session_years(" ".join([title, subtitle, lead])) + [
        y for block in opening[:DATELINE_BLOCKS] for y in session_years(block, opening=True)
    ]
    candidates = []
    if sessions:
        candidates.append((max(sessions), "numbered session"))
    if doc_type is not None and doc_type.session and title_year(title):
        candidates.append((title_year(title), "session year in the title"))
    for year, reason in candidates:
        if page and int(page[:4]) == year:
            return Delivery(page, f"page date, agreeing with the {reason}")
        return Delivery(str(year), reason)
    return Delivery(page, "page date") if page else Delivery()


def year_evidence(
    title: str, subtitle: str, body: Sequence[str], *, lead: str = "", latest: int = 2100,
    title_is_session: bool = False,
) -> list[YearEvidence]:
    """Every year mention that counts, with its weight and reason (see YEAR_WEIGHTS).

    Years after `latest` (the last year a document delivered then can review) are plans,
    not work done, and are ignored; so is the title's year of a session document.
    """
    parts = [_key(title), _key(subtitle)]
    body = [_key(b) for b in (lead, *body)]
    out: list[YearEvidence] = []

    def add(year: int, reason: str, text: str, end: int) -> None:
        if 1949 <= year <= latest and not _is_planning(text, end):
            out.append(YearEvidence(year, YEAR_WEIGHTS[reason], reason, text[max(0, end - 20) : end + 10]))

    for reason, text in (("title", parts[0]), ("subtitle", parts[1])):
        if title_is_session and reason == "title":
            continue
        for m in _ANY_YEAR.finditer(text):
            add(int(m.group(1)), reason, text, m.end())
    for text in parts + body:
        for m in _REVIEW.finditer(text):
            add(int(next(g for g in m.groups() if g)), "review", text, m.end())
        for m in _PLAN_REVIEW.finditer(text):
            add(plan_last_year(next(g for g in m.groups() if g)), "plan review", text, m.end())
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


def work_year(
    title: str,
    subtitle: str,
    body: Sequence[str],
    *,
    delivery: Delivery,
    doc_type: DocType,
    lead: str = "",
) -> tuple[int | None, list[YearEvidence]]:
    """The work year reviewed and the evidence; None when nothing supports a year."""
    delivered, month = delivery.year, delivery.month
    if doc_type.session and delivered:
        if doc_type.reviews_delivery_year or (month or 0) >= LATE_SESSION_MONTH:
            why = "delivered late in the year it reviews"
            return delivered, [YearEvidence(delivered, 1.0, why, delivery.value)]
        return delivered - 1, [YearEvidence(delivered - 1, 1.0, "the year before its session", delivery.value)]
    latest = 2100
    if delivered:
        # Delivered in January-March (or on an unknown day): that year is planned, not reviewed.
        latest = delivered if (month or 0) > 3 else delivered - 1
    evidence = year_evidence(
        title, subtitle, body, lead=lead, latest=latest, title_is_session=doc_type.session
    )
    anchored = {e.year for e in evidence if e.reason in ANCHORS}
    if anchored:
        score: dict[int, float] = defaultdict(float)
        for e in evidence:
            score[e.year] += e.weight
        best = max(anchored, key=lambda y: (score[y], y))
        return best, evidence
    if delivered and (month or 0) <= 3 and month and any(_PAST_YEAR.search(b) for b in body):
        year = delivered - 1
        return year, [YearEvidence(year, 1.0, "published early in the next year", delivery.value)]
    return None, []


def detect_year(
    title: str, subtitle: str, body: Sequence[str], *, published: str = "", lead: str = "",
    doc_type: DocType | None = None,
) -> tuple[int | None, list[YearEvidence]]:
    """The work year reviewed and the evidence, from the text alone (type detected when not given)."""
    rules = DocTypeRules.load()
    if doc_type is None:
        doc_type, _ = rules.classify([title, subtitle], [*lead.split("\n"), *body[:TYPE_BLOCKS]])
    delivery = detect_delivery(title, subtitle, lead, body, published=published, doc_type=doc_type)
    return work_year(title, subtitle, body, delivery=delivery, doc_type=doc_type, lead=lead)


# -- region and level -----------------------------------------------------------------------


def is_national(title: str, subtitle: str, lead: str, opening: Sequence[str], gazetteer: Gazetteer) -> bool:
    """A document of a national body: named in its title (without a place), a national
    session or party congress in its title or dateline, or a speaker for a national body."""
    heading = f"{title} {subtitle}"
    if re.search(r"[（(]\s*[一二三四五六七八九十]{1,3}大\s*[)）]", match_key(heading)):
        return True  # "(一大)": filed under a national party congress, whatever place it names
    if gazetteer.mentions(heading):
        return False
    if NATIONAL_TITLE.search(match_key(heading)) or session_years(f"{heading} {lead}"):
        return True
    return any(NATIONAL_SPEAKER.search(match_key(b)) for b in opening[:TYPE_BLOCKS])


def detect_article_region(draft: ArticleDraft, gazetteer: Gazetteer | None = None) -> Region:
    """The region of an article: title, subtitle, lead and paragraphs weighted by REGION_WEIGHTS;
    NATIONAL for a document of a national body."""
    gazetteer = gazetteer or Gazetteer.load()
    opening = [b.text for b in draft.blocks[:OPENING_BLOCKS]]
    if is_national(draft.title, draft.subtitle, draft.lead, opening, gazetteer):
        return NATIONAL
    parts = [
        (draft.title, REGION_WEIGHTS["title"]),
        (draft.subtitle, REGION_WEIGHTS["subtitle"]),
        (draft.lead, REGION_WEIGHTS["lead"]),
    ]
    # The congress a speech is delivered to, and the body it speaks for, name the place it
    # is from as surely as a title: "——2021年1月12日在乌鲁木齐市第十六届人民代表大会",
    # "我代表伊犁哈萨克自治州人民政府".
    lines = [draft.subtitle, *draft.lead.split("\n"), *opening[:DATELINE_BLOCKS]]
    for line in lines:
        for m in _SPEAKS_FOR.finditer(match_key(line)):
            parts.append((m.group(1) or m.group(2), REGION_WEIGHTS["title"]))
    head_count = len(parts)
    for i, block in enumerate(draft.blocks):
        parts.append((block.text, REGION_WEIGHTS["opening" if i < OPENING_BLOCKS else "body"]))
    found_in = gazetteer.mentions_of_parts(parts)
    head = [m for ms in found_in[: head_count + OPENING_BLOCKS] for m in ms]
    # A report about a place names it up front. A place named only deep in the body (台湾
    # in a national congress report) is a topic, not the author: no region then.
    opening_region = gazetteer.decide(head)
    if not opening_region:
        return Region()
    found = gazetteer.decide([m for ms in found_in for m in ms])
    return found if found.province == opening_region.province else opening_region


def detect_level(region: Region, opening: Sequence[str]) -> str:
    """全国, 省级, 市级 or 县级: from the region, and from the body the opening speaks for
    ("我代表市人民政府") when the region stops at a province that is not a municipality."""
    if region.province == NATIONAL.province:
        return "全国"
    issuer = ""
    for block in opening[:TYPE_BLOCKS]:
        m = _ISSUER.search(match_key(block))
        if m:
            issuer = ISSUER_LEVEL[m.group(1)]
            break
    if region.district:
        return "县级"
    if region.city:
        # County-level cities directly under a province (济源市: code PP90..) sit at the city
        # level of the tree but are counties.
        return "县级" if region.code[2:4] == "90" else "市级"
    if region.province:
        if region.province in MUNICIPALITY_NAMES or issuer in ("", "省级"):
            return "省级"
        return issuer
    return issuer


# -- title ----------------------------------------------------------------------------------


def _undoubled(title: str) -> str:
    """A title pasted twice ("2020年广州市政府工作报告2020年广州市政府工作报告") once."""
    title = title.strip()
    half = len(title) // 2
    if len(title) % 2 == 0 and half >= 4 and title[:half] == title[half:]:
        return title[:half]
    return title


def _place(region: Region, doc_type: DocType) -> str:
    if region.province == NATIONAL.province:
        return doc_type.national_place
    return region.path()[-1] if region else ""


def make_title(
    own: str, subtitle: str, region: Region, doc_type: DocType, year: int | None, delivery: Delivery
) -> str:
    """The article's title: its own (title line, front matter or manifest), completed with
    place and year when it only names the genre ("政府工作报告" -> "广东省2026年政府工作报告");
    else the subtitle; else one made from the detected type, place and year. A made title
    never names a body the document is not from."""
    if doc_type.session and doc_type.reviews_delivery_year:
        shown = delivery.year or year
    elif doc_type.session:
        # Session documents are named for the year after the one they review: a report
        # delivered in January 2026, or in December 2025, is the "2026年政府工作报告".
        shown = year + 1 if year else delivery.year
    else:
        shown = year
    own = _undoubled(own)
    if own:
        if doc_type.is_bare(own) and not Gazetteer.load().mentions(own):
            return doc_type.make_title(_place(region, doc_type), title_year(own) or shown)
        return own
    stripped = subtitle.strip().lstrip("—-－ ").strip()
    if stripped:
        return stripped
    return doc_type.make_title(_place(region, doc_type), shown)


# -- the article ----------------------------------------------------------------------------


def _paragraphs(draft: ArticleDraft, rules: ThemeRules) -> tuple[Paragraph, ...]:
    out = []
    section = ""
    for position, block in enumerate(draft.blocks):
        if block.is_heading:
            section = block.text  # a heading is its own section
        themes = () if block.is_heading else rules.themes_for(block.text)
        out.append(Paragraph(position, block.text, section, block.is_heading, themes))
    return tuple(out)


def _overridden_region(overrides: Mapping[str, object]) -> Region | None:
    if "region" in overrides:
        return overrides["region"]  # type: ignore[return-value]
    if any(overrides.get(k) for k in ("province", "city", "district")):
        region, _known = resolve_region(
            str(overrides.get("province") or ""),
            str(overrides.get("city") or ""),
            str(overrides.get("district") or ""),
        )
        return region
    return None


def describe(
    draft: ArticleDraft,
    *,
    article_id: str,
    source: str,
    overrides: Mapping[str, object] | None = None,
    rules: ThemeRules | None = None,
    doctypes: DocTypeRules | None = None,
) -> Article:
    """The Article for a draft: detected metadata, then `overrides` (from a manifest or the
    file's front matter) on top.

    Override keys: title, doc_type, year, published (the delivery or publication date),
    region (a Region) or province/city/district (resolved against the gazetteer, kept as
    given when unknown).  An overridden title is also what detection reads.
    """
    overrides = dict(overrides or {})
    rules = rules or ThemeRules.load()
    doctypes = doctypes or DocTypeRules.load()
    own_title = str(overrides.get("title") or draft.title).strip()
    draft = dataclasses.replace(draft, title=own_title)
    opening = [b.text for b in draft.blocks[:OPENING_BLOCKS]]
    if overrides.get("doc_type"):
        doc_type = doctypes.get(str(overrides["doc_type"]))
    else:
        doc_type, _why = doctypes.classify(
            [own_title, draft.subtitle], [*draft.lead.split("\n"), *opening[:TYPE_BLOCKS]]
        )
    region = _overridden_region(overrides)
    if region is None:
        region = detect_article_region(draft)
    published = str(overrides.get("published") or draft.published)
    if overrides.get("published"):
        delivery = Delivery(str(overrides["published"]), "override")
    else:
        delivery = detect_delivery(
            own_title, draft.subtitle, draft.lead, opening, published=draft.published, doc_type=doc_type
        )
    body = [b.text for b in draft.blocks[: OPENING_BLOCKS * 3]]
    year, _evidence = work_year(
        own_title, draft.subtitle, body, delivery=delivery, doc_type=doc_type, lead=draft.lead
    )
    if overrides.get("year") is not None:
        year = int(overrides["year"])  # type: ignore[call-overload]
    return Article(
        id=article_id,
        source=source,
        title=make_title(own_title, draft.subtitle, region, doc_type, year, delivery),
        region=region,
        year=year,
        published=published,
        paragraphs=_paragraphs(draft, rules),
        doc_type=doc_type.name,
        level=detect_level(region, [draft.lead, *opening]),
        delivered=delivery.value,
        repairs=draft.repairs,
    )

