"""The figures a report states (征集提案811件, 立案597件, 协商议事活动270余次), found at build time.

The rules are data (search/data/figures.toml): per metric, regular expressions with a
number placeholder. Extraction runs over each paragraph's search key (Simplified, half-
width digits and punctuation: same length as the text), so the offsets it finds fall on
the stored original. The build writes one figures.json per generation (docnums never
move, so rows of files carried over by an incremental build stay valid and are kept).
"""

from __future__ import annotations

import json
import re
import tomllib
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from search import documents
from search.normalize import search_key

RULES = Path(__file__).parent / "data" / "figures.toml"
FILE = "figures.json"


class FigureRulesError(Exception):
    """figures.toml is malformed (a pattern that does not compile, a metric without name)."""


class UnknownMetric(ValueError):
    """A metric that figures.toml does not define was asked for."""


# -- numbers ---------------------------------------------------------------------------------

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10_000, "亿": 100_000_000}

_ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
# A Chinese numeral starts with a digit or 十/百 (千, 万 alone are words: 千站千室万名委员).
_CHINESE = r"[一二两三四五六七八九十百][零〇一二两三四五六七八九十百千万亿]*"
# Ordinals and determiners before a numeral make it no count: 第一次, 每一件, 这两项.
NUMBER = (
    r"(?<![\d.第每这那某哪逐上下同])(?P<pre>近|约|超过|超|逾)?"
    rf"(?P<num>(?:{_ARABIC})(?:万|亿)?|{_CHINESE})(?P<post>余|多)?"
)


def chinese_number(text: str) -> int:
    """一千九百七十八 -> 1978, 二十二 -> 22, 十五 -> 15, 两百 -> 200, 百 -> 100, 一万二千 -> 12000."""
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            if digit is not None:  # 二〇二四: digits in a row
                digit = digit * 10 + _CN_DIGITS[ch]
            else:
                digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            section += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        elif ch in _CN_BIG:
            total = (total + section + (digit or 0)) * _CN_BIG[ch]
            section, digit = 0, None
        else:
            raise ValueError(f"{text!r} is not a Chinese numeral")
    return total + section + (digit or 0)


def parse_number(text: str) -> float:
    """The value of a number as reports write it: 1,978 / 1978 / 2.3万 / 99.6 / 一千九百七十八."""
    t = text.replace(",", "").replace("，", "")
    scale = 1
    if t and t[-1] in _CN_BIG and t[:-1] and t[0].isdigit():
        scale, t = _CN_BIG[t[-1]], t[:-1]
    if t and t[0].isdigit():
        return round(float(t) * scale, 6)
    return float(chinese_number(t))


# -- rules -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Metric:
    """One metric of figures.toml with its compiled patterns."""

    name: str
    label: str
    units: tuple[str, ...]
    words: tuple[str, ...]
    not_words: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    follow: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Rules:
    metrics: tuple[Metric, ...]
    skip_sections: tuple[str, ...]
    skip_sentences: tuple[str, ...]
    multi_year: re.Pattern[str] | None = None  # totals over several years (五年来, 本届以来)

    def over_years(self, key: str) -> bool:
        """Whether a search key speaks of several years at once."""
        return self.multi_year is not None and self.multi_year.search(key) is not None

    def metric(self, name: str) -> Metric:
        for m in self.metrics:
            if m.name == name:
                return m
        names = "、".join(m.name for m in self.metrics)
        raise UnknownMetric(f"没有这个指标：{name!r}。可选：{names}")


def _compile(source: str, units: Sequence[str], metric: str, *, follow: bool) -> re.Pattern[str]:
    unit = "(?P<unit>" + "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True)) + ")"
    text = source.replace("{n}", NUMBER).replace("{unit}", unit)
    if follow:
        text = r"[,、]\s*(?:" + text + ")"
    try:
        return re.compile(text)
    except re.error as exc:
        raise FigureRulesError(
            f"Pattern {source!r} of metric {metric!r} does not compile: {exc}."
        ) from None


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES) -> Rules:
    """The metrics of figures.toml, compiled once."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    metrics = []
    for m in data.get("metric", []):
        name = m.get("name")
        if not name:
            raise FigureRulesError(f"A [[metric]] in {str(path)!r} has no name.")
        units = tuple(m.get("units", ()))
        metrics.append(
            Metric(
                name=name, label=m.get("label", name), units=units,
                words=tuple(search_key(w) for w in m.get("words", ())),
                not_words=tuple(search_key(w) for w in m.get("not_words", ())),
                patterns=tuple(_compile(p, units, name, follow=False) for p in m.get("patterns", ())),
                follow=tuple(_compile(p, units, name, follow=True) for p in m.get("follow", ())),
            )
        )  # fmt: skip
    periods = data.get("multi_year", ())
    try:
        multi_year = re.compile("|".join(f"(?:{p})" for p in periods)) if periods else None
    except re.error as exc:
        raise FigureRulesError(f"A multi_year pattern in {str(path)!r} does not compile: {exc}.") from None
    return Rules(
        metrics=tuple(metrics),
        skip_sections=tuple(data.get("skip_sections", ())),
        skip_sentences=tuple(data.get("skip_sentences", ())),
        multi_year=multi_year,
    )


# -- extraction ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """One figure in one paragraph: offsets into the paragraph's text."""

    metric: str
    qualifier: str  # 立案, 提交, 采用, 办复率 ... as written; "" when the sentence names none
    value: float
    unit: str
    approx: str  # 近, 约, 超, 逾 (before the number) or 余, 多 (after it); "" when exact
    start: int  # the number as written: text[start:end] ("270余", "2.1万")
    end: int
    match_start: int  # the whole statement ("征集提案811件")
    match_end: int
    sentence_start: int
    sentence_end: int


_SENTENCE_END = re.compile(r"[。!?;]")
_HAS_NUMBER = re.compile(r"[\d一二两三四五六七八九十百]")


def _sentences(key: str) -> Iterable[tuple[int, int]]:
    start = 0
    for m in _SENTENCE_END.finditer(key):
        yield start, m.end()
        start = m.end()
    if start < len(key):
        yield start, len(key)


def _found(metric: Metric, m: re.Match[str], offset: int, a: int, b: int) -> Found | None:
    groups = m.groupdict()
    try:
        value = parse_number(groups["num"])
    except ValueError:
        return None
    approx = (groups.get("pre") or "") + (groups.get("post") or "")
    start = m.start("pre") if groups.get("pre") else m.start("num")
    end = m.end("post") if groups.get("post") else m.end("num")
    return Found(
        metric=metric.name, qualifier=groups.get("q") or "", value=value,
        unit=groups.get("unit") or (metric.units[0] if metric.units else ""), approx=approx,
        start=offset + start, end=offset + end,
        match_start=offset + m.start(), match_end=offset + m.end(),
        sentence_start=a, sentence_end=b,
    )  # fmt: skip


# A year named in a sentence (2012年, 二〇一二年): its figures are that year's.
_YEAR_NAMED = re.compile(r"(?<!\d)(?:19|20)\d\d年|[〇零一二三四五六七八九]{4}年")


@lru_cache(maxsize=512)  # every paragraph of a section asks about the same heading
def _skipped_section(section: str, skip: tuple[str, ...]) -> bool:
    key = search_key(section)
    return any(w in key for w in skip)


def _claim(f: Found | None, claimed: set[int], kept: list[Found]) -> bool:
    """Keep a figure whose number no earlier match of the sentence took; whether it was kept."""
    if f is None or f.start in claimed:
        return False
    claimed.add(f.start)
    kept.append(f)
    return True


def extract(
    text: str, key: str | None = None, section: str = "", rules: Rules | None = None
) -> list[Found]:
    """The figures stated in one paragraph, in reading order.

    `key` is the paragraph's search key (computed when not given); `section` its heading:
    paragraphs under a plan heading (工作打算) state targets, not results, and give none.
    A sentence that speaks of several years (五年来,共征集提案4245件) states totals, not a
    year's figures, and gives none; so does every later sentence of a paragraph that opens
    so (五年来,我们……。共征集提案…), unless it names its year (2012年全省生产总值…).
    """
    rules = rules or load_rules()
    key = search_key(text) if key is None else key
    if section and _skipped_section(section, rules.skip_sections):
        return []
    found: list[Found] = []
    over_years = False  # the paragraph opened with several years
    for n, (a, b) in enumerate(_sentences(key)):
        sent = key[a:b]
        several = rules.over_years(sent)
        over_years = over_years or (several and n == 0)
        if (several or over_years) and not _YEAR_NAMED.search(sent):
            continue
        if not _HAS_NUMBER.search(sent) or any(w in sent for w in rules.skip_sentences):
            continue
        claimed: set[int] = set()
        here: list[Found] = []
        for metric in rules.metrics:
            if metric.words and not any(w in sent for w in metric.words):
                continue
            if any(w in sent for w in metric.not_words):
                continue
            for pattern in metric.patterns:
                for m in pattern.finditer(sent):
                    if not _claim(_found(metric, m, a, a, b), claimed, here):
                        continue
                    # "征集提案811件,立案597件": what follows counts the same thing
                    pos = m.end()
                    while metric.follow:
                        nxt = next((fm for p in metric.follow if (fm := p.match(sent, pos))), None)
                        if nxt is None or not _claim(_found(metric, nxt, a, a, b), claimed, here):
                            break
                        pos = nxt.end()
        found.extend(sorted(here, key=lambda f: f.start))
    return found


# -- storage ---------------------------------------------------------------------------------

# One row per figure in figures.json: positional, so 10,000 figures stay small.
ROW = ("article", "docnum", "position", "metric", "qualifier", "value", "unit", "approx",
       "start", "end", "match_start", "match_end", "sentence_start", "sentence_end")  # fmt: skip


class FigureWriter:
    """The figures of a build: those of carried-over articles (from the previous
    generation) and those of the articles added now."""

    def __init__(self, previous_folder: Path | None = None) -> None:
        self.previous_rows: list[list[Any]] = (
            read_rows(previous_folder) if previous_folder is not None else []
        )
        self.rows: list[list[Any]] = []

    def add(
        self, article_index: int, first: int, paragraphs: Sequence[Any], keys: Sequence[str]
    ) -> None:
        """Extract the figures of one article's paragraphs (docnums first, first+1, ...).

        A plan chapter (二、2025年工作打算) gives none, its numbered sub-sections
        ((一)…) included, until the next chapter heading."""
        skip = load_rules().skip_sections
        plan = False
        for i, (p, key) in enumerate(zip(paragraphs, keys, strict=True)):
            if p.is_heading:
                if any(w in key for w in skip):
                    plan = True
                elif not p.text.lstrip().startswith(("（", "(")):  # a chapter, not a sub-section
                    plan = False
                continue
            if plan:
                continue
            for f in extract(p.text, key, p.section):
                d = asdict(f)
                self.rows.append([article_index, first + i, p.position] + [d[k] for k in ROW[3:]])

    def write(self, folder: Path, live_articles: set[int]) -> None:
        rows = [r for r in self.previous_rows if r[0] in live_articles] + self.rows
        (folder / FILE).write_text(
            json.dumps({"row": ROW, "rows": rows}, ensure_ascii=False), encoding="utf-8"
        )


def read_rows(folder: Path) -> list[list[Any]]:
    path = Path(folder) / FILE
    if not path.exists():  # a generation built before figures existed
        return []
    return json.loads(path.read_text(encoding="utf-8"))["rows"]


@dataclass(frozen=True)
class Figure:
    """One stated figure with where it stands: what /api/figures lists."""

    metric: str
    qualifier: str
    value: float
    unit: str
    approx: str
    number: str  # as written: "270余", "1,978", "2.1万"
    statement: str  # the matched words: "征集提案811件"
    sentence: str
    article_id: str
    title: str
    province: str
    city: str
    district: str
    year: int | None
    doc_type: str
    position: int
    docnum: int

    @property
    def mark(self) -> str:
        """What to highlight in the paragraph: the number with its unit where they stand together."""
        both = self.number + self.unit
        return both if both in self.statement else self.number

    @property
    def paragraph_id(self) -> str:
        return documents.paragraph_id(self.article_id, self.position)

    @property
    def committee(self) -> tuple[str, str, str]:
        return (self.province, self.city, self.district)

    @property
    def shown(self) -> str:
        """The value as a reader writes it: 270余, 近400, 99.6%."""
        v = self.value
        num = str(int(v)) if v == int(v) else f"{v:g}"
        pre = self.approx if self.approx in ("近", "约", "超", "超过", "逾") else ""
        post = self.approx[len(pre) :]
        return f"{pre}{num}{post}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "article_id": self.article_id, "title": self.title, "province": self.province,
            "city": self.city, "district": self.district, "year": self.year,
            "doc_type": self.doc_type, "metric": self.metric, "value": self.value, "unit": self.unit,
            "qualifier": self.qualifier, "approx": self.approx, "number": self.number,
            "statement": self.statement, "paragraph_id": self.paragraph_id, "text": self.sentence,
        }  # fmt: skip


_LOADED: weakref.WeakKeyDictionary[Any, tuple[Figure, ...]] = weakref.WeakKeyDictionary()


def store_figures(store: Any) -> tuple[Figure, ...]:
    """Every figure of a generation's live articles (read once per open store)."""
    cached = _LOADED.get(store)
    if cached is not None:
        return cached
    out = []
    for r in read_rows(store.folder):
        row = dict(zip(ROW, r, strict=True))
        a = store.articles[row["article"]]
        if not a.live:
            continue
        text = store.text(row["docnum"])
        out.append(
            Figure(
                metric=row["metric"], qualifier=row["qualifier"], value=row["value"], unit=row["unit"],
                approx=row["approx"], number=text[row["start"] : row["end"]],
                statement=text[row["match_start"] : row["match_end"]].strip(",，、 "),
                sentence=text[row["sentence_start"] : row["sentence_end"]].strip(),
                article_id=a.id, title=a.title, province=a.province, city=a.city, district=a.district,
                year=a.year, doc_type=a.doc_type, position=row["position"], docnum=row["docnum"],
            )
        )  # fmt: skip
    result = tuple(out)
    _LOADED[store] = result
    return result
