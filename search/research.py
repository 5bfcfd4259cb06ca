"""Research views over a whole match set: results by article, trends, a concordance, citations.

Each view asks the engine for the filtered match set of a SearchRequest
(SearchEngine.match_set: the same matches as the search page, on every backend) and
counts or lists it with numpy over the generation's columns:

- group_articles: one row per article, ranked by its best paragraph, with its number
  of matching paragraphs and its best one to three hits;
- trend: matching articles and paragraphs per work year, per province or both, with
  the number of articles of that year/province in the filtered corpus (shares divide by
  it: a year with more documents must not look like a rise);
- concordance: every occurrence of the query, with left and right context as written
  (Traditional stays Traditional), sortable by the left word, the right word, year or
  region; the sort keys come from the search keys, so both scripts sort together, and
  skip punctuation, so lines group by the nearest words;
- citation: a GB/T 7714-2015 [EB/OL] reference and a BibTeX entry for an article or one
  of its paragraphs.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np

from search import budget, documents
from search.engine import BadRequest, Hit, SearchEngine, SearchRequest
from search.facets import NO_YEAR
from search.normalize import char_flags
from search.query import Term
from search.results import page_count

GROUP_HITS = 3  # hits shown under each article
GROUP_PREFIX = 256  # best paragraphs ranked first for a page of articles (grown 4x until enough)
MAX_TREND_QUERIES = 4
TREND_BY = (("year",), ("province",), ("year", "province"))
KWIC_SORTS = ("year", "left", "right", "region")
KWIC_WIDTH = (10, 40)
KWIC_DEFAULT_WIDTH = 20
# A concordance collects at most this many occurrences (in index order) before sorting: a
# single common character in a large corpus would otherwise hold a request for seconds.
KWIC_MAX_OCCURRENCES = 50_000


# results by article -----------------------------------------------------------------


@dataclass(frozen=True)
class ArticleGroup:
    """One article of the grouped results: how many of its paragraphs match, the best ones."""

    article_id: str
    title: str
    province: str
    city: str
    district: str
    year: int | None
    doc_type: str
    level: str
    delivered: str
    matches: int
    hits: tuple[Hit, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "article_id": self.article_id,
            "title": self.title,
            "province": self.province,
            "city": self.city,
            "district": self.district,
            "year": self.year,
            "doc_type": self.doc_type,
            "matches": self.matches,
            "hits": [h.to_dict() for h in self.hits],
        }


@dataclass(frozen=True)
class GroupPage:
    """One page of articles (request.page, request.per_page count articles here)."""

    request: SearchRequest
    total: int  # matching articles
    paragraphs: int  # matching paragraphs
    groups: tuple[ArticleGroup, ...]

    @property
    def pages(self) -> int:
        return page_count(self.total, self.request.per_page)


def group_articles(engine: SearchEngine, request: SearchRequest) -> GroupPage:
    """The request's matches as articles, ranked by their best paragraph (in the request's sort).

    Only as much of the ranking is made as the page needs: the best paragraphs until the
    page's articles have all appeared (an article's place is that of its best paragraph),
    then, unless that was every match, one ranking of those articles' matches for the hits
    shown under each. Both equal the full ranking's: a paragraph's score and tie-break do
    not depend on the others."""
    with engine.match_set(request) as ms:
        matches = ms.article_counts()  # matching paragraphs per article
        total = int(matches.sum())
        if not total:
            return GroupPage(request, 0, 0, ())
        n_articles = int(np.count_nonzero(matches))
        start = (request.page - 1) * request.per_page
        want = min(start + request.per_page, n_articles)
        # a few hundred matches are ranked whole: one ranking costs less than two
        limit = GROUP_PREFIX if total > 4 * GROUP_PREFIX else total
        while True:
            budget.check()
            ranked = ms.ranked(min(limit, total))
            arts = ms.columns.article[np.fromiter((d for d, _ in ranked), dtype=np.int64, count=len(ranked))]
            _, first = np.unique(arts, return_index=True)
            order = arts[np.sort(first)]  # articles in the order their best paragraph comes
            # fewer ranked than asked: no more to rank (should a backend's count ever
            # exceed the matches it ranks, this still ends)
            if len(order) >= want or len(ranked) >= total or len(ranked) < min(limit, total):
                break
            limit *= 4
        page_arts = order[start:want]
        best: dict[int, list[tuple[int, float]]] = {int(a): [] for a in page_arts.tolist()}
        if best:
            if len(ranked) < total:  # the page's articles have matches beyond the prefix
                ranked = ms.ranked(None, within=np.isin(ms.columns.article, page_arts))
            for d, s in ranked:
                shown = best.get(int(ms.columns.article[d]))
                if shown is not None and len(shown) < GROUP_HITS:
                    shown.append((d, s))
        groups = []
        for a, shown in best.items():
            rec = ms.store.articles[a]
            groups.append(
                ArticleGroup(
                    article_id=rec.id, title=rec.title, province=rec.province, city=rec.city,
                    district=rec.district, year=rec.year, doc_type=rec.doc_type, level=rec.level,
                    delivered=rec.delivered, matches=int(matches[a]), hits=tuple(ms.hit(d, s) for d, s in shown),
                )  # fmt: skip
            )
        return GroupPage(request, n_articles, total, tuple(groups))


# trends ----------------------------------------------------------------------------


def split_queries(text: str) -> tuple[str, ...]:
    """The one to four queries of a trend, comma-separated (, or ，); BadRequest beyond four."""
    seen: dict[str, None] = {}
    for part in re.split(r"[,，]", text):
        if part.strip():
            seen.setdefault(part.strip(), None)
    if len(seen) > MAX_TREND_QUERIES:
        raise BadRequest(f"趋势最多比较 {MAX_TREND_QUERIES} 个检索词（用逗号分隔），收到的是 {len(seen)} 个。")
    return tuple(seen)


def parse_by(text: str) -> tuple[str, ...]:
    """"year", "province" or "year,province" (either order) as a tuple; BadRequest otherwise."""
    parts = {p for p in re.split(r"[,，\s]+", (text or "year").strip()) if p}
    by = tuple(n for n in ("year", "province") if n in parts)
    if not parts <= {"year", "province"} or by not in TREND_BY:
        raise BadRequest(f"参数 by 只能是 year、province 或 year,province，而不是 {text!r}。")
    return by


@dataclass(frozen=True)
class TrendRow:
    """Matching articles and paragraphs of one query in one year and/or province."""

    query: str
    year: int | None
    province: str | None
    articles: int
    paragraphs: int
    articles_total: int  # articles of this year/province in the filtered corpus
    share: float | None  # articles / articles_total (None when the corpus has none)

    def to_dict(self, by: tuple[str, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {"query": self.query}
        if "year" in by:
            out["year"] = self.year
        if "province" in by:
            out["province"] = self.province
        return out | {
            "articles": self.articles,
            "paragraphs": self.paragraphs,
            "articles_total": self.articles_total,
            "share": self.share,
        }


@dataclass(frozen=True)
class Trend:
    """A trend table: one row per query and year (or province, or both)."""

    request: SearchRequest
    queries: tuple[str, ...]
    by: tuple[str, ...]
    rows: tuple[TrendRow, ...]
    undated: tuple[tuple[str, int], ...] = ()  # (query, matching articles of unknown year)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of /api/trend and `cppcc-search trend --json`."""
        return {
            "queries": list(self.queries),
            "by": list(self.by),
            "rows": [r.to_dict(self.by) for r in self.rows],
            "undated": [{"query": q, "articles": n} for q, n in self.undated],
        }

    def rows_of(self, query: str) -> list[TrendRow]:
        return [r for r in self.rows if r.query == query]


def _share(n: int, total: int) -> float | None:
    return round(n / total, 4) if total else None


def trend(engine: SearchEngine, request: SearchRequest, queries: tuple[str, ...], by: tuple[str, ...] = ("year",)) -> Trend:
    """Per query (request.query is ignored; its filters apply), articles and paragraphs per
    work year / province, beside the filtered corpus's articles there."""
    if by not in TREND_BY:
        raise BadRequest(f"趋势只能按 year、province 或 year,province 统计，而不是 {','.join(by)!r}。")
    if not queries:
        raise BadRequest("请输入至少一个检索词（多个用逗号分隔，最多 4 个）。")
    if len(queries) > MAX_TREND_QUERIES:
        raise BadRequest(f"趋势最多比较 {MAX_TREND_QUERIES} 个检索词，收到的是 {len(queries)} 个。")
    rows: list[TrendRow] = []
    undated: list[tuple[str, int]] = []
    for q in queries:
        with engine.match_set(replace(request, query=q, page=1)) as ms:
            cols = ms.columns
            n_art = len(ms.store.articles)
            paras = ms.article_counts()  # matching paragraphs per article
            in_corpus = np.bincount(cols.article[ms.corpus], minlength=n_art) > 0
            year = cols.article_year[:n_art].astype(np.int64)
            prov = cols.by_article["province"][:n_art].astype(np.int64)
            names = cols.province_values
            hit = paras > 0
            undated.append((q, int(np.count_nonzero(hit & (year == NO_YEAR)))))
            if by == ("year",):
                keep, key = year != NO_YEAR, year
            elif by == ("province",):
                keep, key = prov >= 0, prov
            else:
                keep = (year != NO_YEAR) & (prov >= 0)
                y0, n_prov = int(year[keep].min()) if keep.any() else 0, max(len(names), 1)
                key = (year - y0) * n_prov + prov
            k = key[keep]
            size = int(k.max()) + 1 if len(k) else 1
            arts = np.bincount(k[hit[keep]], minlength=size)
            para_n = np.bincount(k, weights=paras[keep], minlength=size).astype(np.int64)
            total = np.bincount(k[in_corpus[keep]], minlength=size)
            if by == ("year",):
                present = np.flatnonzero(total)
                codes = range(int(present.min()), int(present.max()) + 1) if len(present) else range(0)
            else:
                codes = np.flatnonzero(total).tolist()
            for c in codes:
                if by == ("year", "province"):
                    y, p = y0 + c // n_prov, names[c % n_prov]
                else:
                    y, p = (c, None) if by == ("year",) else (None, names[c])
                rows.append(TrendRow(q, y, p, int(arts[c]), int(para_n[c]), int(total[c]), _share(int(arts[c]), int(total[c]))))
    if by == ("province",):
        rows.sort(key=lambda r: (queries.index(r.query), -r.articles_total, r.province or ""))
    return Trend(request, tuple(queries), by, tuple(rows), tuple(undated))


# concordance ------------------------------------------------------------------------


@dataclass(frozen=True)
class KwicLine:
    """One occurrence: left context, the match and right context, as written."""

    left: str
    match: str
    right: str
    paragraph_id: str
    article_id: str
    position: int
    title: str
    year: int | None
    province: str
    city: str
    district: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "left": self.left,
            "match": self.match,
            "right": self.right,
            "paragraph_id": self.paragraph_id,
            "article_id": self.article_id,
            "year": self.year,
            "province": self.province,
            "city": self.city,
            "district": self.district,
            "title": self.title,
        }


KWIC_CSV_COLUMNS = ("left", "match", "right", "paragraph_id", "article_id", "year", "province", "city", "district", "title")


@dataclass(frozen=True)
class Concordance:
    """One page of a concordance (request.page, request.per_page count lines)."""

    request: SearchRequest
    width: int
    sort: str
    total: int  # occurrences
    paragraphs: int  # paragraphs they are in
    lines: tuple[KwicLine, ...]
    truncated: bool = False  # more than KWIC_MAX_OCCURRENCES: only the first ones were kept

    @property
    def pages(self) -> int:
        return page_count(self.total, self.request.per_page)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of /api/kwic and `cppcc-search kwic --json`."""
        return {
            "query": self.request.query,
            "total": self.total,
            "paragraphs": self.paragraphs,
            "page": self.request.page,
            "per_page": self.request.per_page,
            "width": self.width,
            "sort": self.sort,
            "truncated": self.truncated,
            "lines": [line.to_dict() for line in self.lines],
        }


def check_kwic(width: int, sort: str) -> None:
    lo, hi = KWIC_WIDTH
    if not lo <= width <= hi:
        raise BadRequest(f"语境宽度必须在 {lo}–{hi} 个字之间，而不是 {width!r}。")
    if sort not in KWIC_SORTS:
        raise BadRequest(f"索引行只能按 {'、'.join(KWIC_SORTS)} 排序，而不是 {sort!r}。")


def _spans(patterns: list[re.Pattern[str]], key: str) -> list[tuple[int, int]]:
    """Non-overlapping occurrences of any pattern, leftmost first, the longest at a start."""
    if len(patterns) == 1:  # the common case: finditer's matches are already that
        return [m.span() for m in patterns[0].finditer(key) if m.end() > m.start()]
    found = sorted({(m.start(), -m.end()) for p in patterns for m in p.finditer(key) if m.end() > m.start()})
    out: list[tuple[int, int]] = []
    for s, neg_e in found:
        if not out or s >= out[-1][1]:
            out.append((s, -neg_e))
    return out


# Occurrences are found a chunk of paragraphs at a time: their search keys joined by a word
# character no query piece holds (so no match can span two keys), one regex pass each.
KWIC_CHUNK = 4096
_SEPARATOR_FROM = 0xA000  # Yi syllables: word characters no search key is likely to hold


def _context_keys(cp: np.ndarray, lo: np.ndarray, hi: np.ndarray, width: int, reverse: bool) -> np.ndarray:
    """The sort key of each context cp[lo:hi] (at most `width` characters): its word
    characters (punctuation and spaces skipped, so lines group by the nearest words),
    nearest the match first when `reverse`, as a numpy string array (its order is
    Python's string order)."""
    n = len(lo)
    if not n:
        return np.zeros(0, dtype=f"<U{width}")
    step = np.arange(width, dtype=np.int64)
    pos = (hi[:, None] - 1 - step) if reverse else (lo[:, None] + step)  # nearest the match first
    inside = (pos >= lo[:, None]) & (pos < hi[:, None])
    chars = np.where(inside, cp[np.clip(pos, 0, len(cp) - 1)], 0).astype("<u4")
    chars[~char_flags(chars.ravel(), str.isalnum).reshape(n, width)] = 0  # [\W_]: not alphanumeric
    # word characters to the front of each row, in order; the NULs behind are no part of a numpy string
    chars = np.take_along_axis(chars, np.argsort(chars == 0, axis=1, kind="stable"), axis=1)
    return np.ascontiguousarray(chars).view(f"<U{width}").ravel()


def _find(patterns: list[re.Pattern[str]], literal: str | None, text: str) -> np.ndarray:
    """(start, end) rows of the occurrences, as _spans finds them; one literal is found by
    splitting on it (the same leftmost non-overlapping occurrences, without a match object each)."""
    if literal is None:
        return np.asarray(_spans(patterns, text), dtype=np.int64).reshape(-1, 2)
    gaps = np.fromiter(map(len, text.split(literal)), dtype=np.int64)[:-1]
    starts = np.cumsum(gaps) + np.arange(len(gaps), dtype=np.int64) * len(literal)
    return np.stack((starts, starts + len(literal)), axis=1)


def _occurrences(
    store: Any, docs_from: Callable[[int, int], np.ndarray], terms: list[Term], sort: str, width: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]:
    """Every occurrence of the terms in the matching paragraphs' search keys, in docnum
    order, up to the paragraph that brings them to KWIC_MAX_OCCURRENCES (`truncated` when
    paragraphs are left after it): docnums, starts and ends (in the key, which is the text
    character for character), and for the left/right sorts each one's sort key, the
    context's word characters (the left one reversed). `docs_from(offset, limit)` gives
    the matching paragraphs a chunk at a time (MatchSet.docs_from)."""
    patterns = [t.pattern for t in terms]
    literal = terms[0].key if len({t.key for t in terms}) == 1 and not terms[0].spaced else None
    used = "".join(p.pattern for p in patterns)
    sep = next(chr(c) for c in itertools.count(_SEPARATOR_FROM) if chr(c) not in used)
    docs_out: list[np.ndarray] = []
    starts_out: list[np.ndarray] = []
    ends_out: list[np.ndarray] = []
    sort_keys: list[np.ndarray] = []
    found, lo, size, truncated = 0, 0, KWIC_CHUNK, False
    while True:
        budget.check()
        chunk = docs_from(lo, size + 1)  # one more: whether any paragraph follows
        more, chunk = len(chunk) > size, chunk[:size]
        joined, first, lengths = store.joined_keys(chunk, sep)
        spans = _find(patterns, literal, joined)
        which = np.searchsorted(first, spans[:, 0], side="right") - 1  # the key of each
        cum = found + np.cumsum(np.bincount(which, minlength=len(chunk)))
        last = int(np.searchsorted(cum, KWIC_MAX_OCCURRENCES))  # the paragraph that reaches the cap
        if last < len(chunk):
            keep = which <= last
            spans, which = spans[keep], which[keep]
            truncated = last + 1 < len(chunk) or more
        found += len(spans)
        docs_out.append(chunk[which])
        starts_out.append(spans[:, 0] - first[which])
        ends_out.append(spans[:, 1] - first[which])
        if sort in ("left", "right") and len(spans):
            cp = np.frombuffer(joined.encode("utf-32-le"), dtype="<u4")
            if sort == "left":
                lo_, hi_ = np.maximum(first[which], spans[:, 0] - width), spans[:, 0]
            else:
                lo_, hi_ = spans[:, 1], np.minimum(first[which] + lengths[which], spans[:, 1] + width)
            sort_keys.append(_context_keys(cp, lo_, hi_, width, reverse=sort == "left"))
        lo += len(chunk)
        if last < len(chunk) or not more:
            break
        if found:  # the next chunk: about as many paragraphs as the cap still needs
            size = int(min(KWIC_CHUNK, max(64, (KWIC_MAX_OCCURRENCES - found) * lo / found * 1.1)))
    empty = np.zeros(0, dtype=np.int64)
    return (
        np.concatenate(docs_out) if docs_out else empty,
        np.concatenate(starts_out) if starts_out else empty,
        np.concatenate(ends_out) if ends_out else empty,
        np.concatenate(sort_keys) if sort_keys else np.zeros(0, dtype=f"<U{width}"),
        truncated,
    )


def concordance(
    engine: SearchEngine,
    request: SearchRequest,
    *,
    width: int = KWIC_DEFAULT_WIDTH,
    sort: str = "year",
    limit: int | None = None,
) -> Concordance:
    """Every occurrence of the query's body terms in the matching paragraphs, sorted, one
    page of them (request.page / per_page), or the first `limit` when given (exports)."""
    check_kwic(width, sort)
    with engine.match_set(replace(request, page=1)) as ms:
        terms = [t for g in ms.parsed.groups for t in g if not t.in_title]
        if not terms:
            raise BadRequest("索引行需要检索词：请输入要查看上下文的词语。")
        store, cols = ms.store, ms.columns
        docs, starts, ends, sort_keys, truncated = _occurrences(store, ms.docs_from, terms, sort, width)
        n = len(docs)
        reading = cols.order[docs] if n else np.zeros(0, dtype=np.int64)
        if sort in ("left", "right"):
            text_rank = np.empty(n, dtype=np.int64)
            text_rank[np.argsort(sort_keys, kind="stable")] = np.arange(n)  # ties: collection order
            order = np.lexsort((starts, reading, text_rank))
        elif sort == "region":
            region = np.zeros(n, dtype=np.int64)
            if n:
                arts = cols.article[docs]
                used = {a: store.articles[a] for a in set(arts.tolist())}
                places = sorted({(r.province, r.city, r.district) for r in used.values() if r.province})
                rank = {v: i for i, v in enumerate(places)}
                per_art = {a: rank.get((r.province, r.city, r.district), len(places)) for a, r in used.items()}
                region = np.fromiter((per_art[a] for a in arts.tolist()), dtype=np.int64, count=n)
            order = np.lexsort((starts, reading, cols.year[docs] if n else starts, region))
        else:
            year = np.where(cols.year[docs] == NO_YEAR, 10**6, cols.year[docs]) if n else starts
            order = np.lexsort((starts, reading, year))
        if limit is not None:
            picked = order[:limit]
        else:
            first = (request.page - 1) * request.per_page
            picked = order[first : first + request.per_page]
        lines = []
        for d, s, e in zip(docs[picked].tolist(), starts[picked].tolist(), ends[picked].tolist(), strict=True):
            text = store.text(d)
            rec = store.article_of(d)
            position = int(cols.position[d])
            lines.append(
                KwicLine(
                    left=text[max(0, s - width) : s], match=text[s:e], right=text[e : e + width],
                    paragraph_id=documents.paragraph_id(rec.id, position), article_id=rec.id, position=position,
                    title=rec.title, year=rec.year, province=rec.province, city=rec.city, district=rec.district,
                )  # fmt: skip
            )
        return Concordance(request, width, sort, n, len(np.unique(docs)), tuple(lines), truncated)


# permalinks and citations -------------------------------------------------------------


def paragraph_exists(engine: SearchEngine, article_id: str, position: int) -> bool:
    """Whether the index holds that paragraph (ids "<article id>-p<position>" are stable:
    the article id is the source file's stem and the article's number in it)."""
    with engine.selection() as (st, _):  # the generation held, no match set needed
        docs = st.columns.article_docs(article_id)
        return bool(np.any(st.columns.position[docs] == position)) if len(docs) else False


# The body that issues each document type, before and after the place name.
_ISSUERS = {
    "政府工作报告": ("", "人民政府", "国务院"),
    "人大决议与报告": ("", "人民代表大会", "全国人民代表大会"),
    "党代会报告": ("中国共产党", "委员会", "中国共产党中央委员会"),
}
_CPPCC = ("政协", "委员会", "中国人民政治协商会议全国委员会")


def issuing_body(doc_type: str, province: str, city: str, district: str) -> str:
    """The body a document of this type and place comes from ("政协济南市市中区委员会"), or
    "" when the type names none (其他) or the place is unknown."""
    prefix, suffix, national = _CPPCC if doc_type.startswith("政协") else _ISSUERS.get(doc_type, ("", "", ""))
    if not suffix or not province:
        return ""
    if province == "全国":
        return national
    place = f"{city}{district}" if district else (city or province)
    return f"{prefix}{place}{suffix}"


@dataclass(frozen=True)
class Citation:
    """A reference to an article (or one of its paragraphs) in two formats."""

    gbt7714: str
    bibtex: str

    def to_dict(self) -> dict[str, str]:
        return {"gbt7714": self.gbt7714, "bibtex": self.bibtex}


_BIBTEX_SPECIAL = re.compile(r"([&%$#_{}])")


def _bib(text: str) -> str:
    return _BIBTEX_SPECIAL.sub(r"\\\1", text.replace("\\", "/"))


def citation(
    *,
    article_id: str,
    title: str,
    doc_type: str,
    province: str,
    city: str,
    district: str,
    year: int | None,
    date_issued: str,
    url: str,
    cited: date,
    position: int | None = None,
) -> Citation:
    """GB/T 7714-2015 for an electronic document (责任者. 题名[EB/OL]. (发布日期)[引用日期].
    获取和访问路径.) and a BibTeX @misc entry. `url` is the permalink on this site;
    `position` names a paragraph."""
    body = issuing_body(doc_type, province, city, district)
    issued = f"({date_issued})" if date_issued else ""
    lead = f"{body}. " if body else ""
    gb = f"{lead}{title}[EB/OL]. {issued}[{cited.isoformat()}]. {url}."
    key = "cppcc" + (str(year) if year else "") + hashlib.sha1(article_id.encode("utf-8")).hexdigest()[:8]
    if position is not None:
        key += f"p{position}"
    # positions count from 0 (the anchor #p0); readers count paragraphs from 1
    notes = [doc_type, f"工作年度 {year}" if year else "", f"第 {position + 1} 段" if position is not None else ""]
    fields = [("author", f"{{{_bib(body)}}}" if body else ""), ("title", f"{{{_bib(title)}}}")]
    pub_year = date_issued[:4] if re.match(r"\d{4}", date_issued or "") else ""
    fields += [
        ("year", pub_year),
        ("date", date_issued if pub_year else ""),
        ("howpublished", f"\\url{{{url}}}"),
        ("url", url),
        ("urldate", cited.isoformat()),
        ("note", _bib("；".join(n for n in notes if n))),
    ]
    entries = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields if v)
    return Citation(gb, f"@misc{{{key},\n{entries}\n}}")
