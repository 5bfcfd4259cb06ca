"""Two reports side by side: their distinctive words (log-likelihood keyness), what they
share, their stated figures, and their sections aligned by heading.

Keyness is Dunning's log-likelihood G² of a word's count in one report against the
other (Rayson & Garside 2000): with a, b the word's counts and c, d the reports' word
totals, E1 = c(a+b)/(c+d), E2 = d(a+b)/(c+d), G² = 2(a ln(a/E1) + b ln(b/E2)). A word
is distinctive of the report where its relative frequency is higher, when G² ≥ 3.84
(p < 0.05, one degree of freedom); 6.63 is p < 0.01, 10.83 p < 0.001.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from search.analysis import is_searchable
from search.figures import Figure, store_figures
from search.segment import segmenter

CRITICAL = 3.84  # G² for p < 0.05 at one degree of freedom
TOP = 25
SHARED_MAX_SHARE = 0.25  # a shared word in more than this share of all paragraphs says nothing
ALIGN_MIN = 0.15  # least similarity (see align) for two sections to be aligned

_HAN = re.compile(r"[\u3400-\u9fff]")
_COUNTER_WORD = re.compile(r"[余多个次件项篇条场名人家处批期]+")  # 余次, 多项: what is left of a number
_NUMBERING = re.compile(r"^\s*(?:[（(]?[一二三四五六七八九十百\d]+[)）、.．,，]|第[一二三四五六七八九十\d]+[部分章节]?)\s*")


class SameArticle(ValueError):
    """Both sides of a comparison are the same article."""


@dataclass(frozen=True)
class Keyword:
    word: str
    a: int  # count in report A
    b: int  # count in report B
    g2: float

    def to_dict(self) -> dict[str, Any]:
        return {"word": self.word, "a": self.a, "b": self.b, "g2": round(self.g2, 2)}


@dataclass(frozen=True)
class FigurePair:
    metric: str
    qualifier: str
    a: tuple[Figure, ...]
    b: tuple[Figure, ...]

    def to_dict(self) -> dict[str, Any]:
        def side(figs: tuple[Figure, ...]) -> list[dict[str, Any]]:
            return [{"value": f.value, "approx": f.approx, "unit": f.unit, "paragraph_id": f.paragraph_id,
                     "statement": f.statement} for f in figs]  # fmt: skip

        return {"metric": self.metric, "qualifier": self.qualifier, "a": side(self.a), "b": side(self.b)}


@dataclass(frozen=True)
class SectionPair:
    a: str  # heading of A ("" where A has no counterpart)
    b: str
    a_position: int | None
    b_position: int | None
    similarity: float

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "a_position": self.a_position, "b_position": self.b_position,
                "similarity": round(self.similarity, 3)}  # fmt: skip


@dataclass(frozen=True)
class Comparison:
    a: Any  # ArticleSummary
    b: Any
    words_a: int
    words_b: int
    distinctive_a: tuple[Keyword, ...]
    distinctive_b: tuple[Keyword, ...]
    shared: tuple[Keyword, ...]
    figures: tuple[FigurePair, ...]
    sections: tuple[SectionPair, ...]

    statistic = "log-likelihood G² (Dunning 1993), one degree of freedom; ≥3.84 p<0.05, ≥6.63 p<0.01, ≥10.83 p<0.001"

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a.to_dict(), "b": self.b.to_dict(), "statistic": self.statistic,
            "words": {"a": self.words_a, "b": self.words_b},
            "distinctive_a": [k.to_dict() for k in self.distinctive_a],
            "distinctive_b": [k.to_dict() for k in self.distinctive_b],
            "shared": [k.to_dict() for k in self.shared],
            "figures": [f.to_dict() for f in self.figures],
            "sections": [s.to_dict() for s in self.sections],
        }  # fmt: skip


def g2(a: int, b: int, c: int, d: int) -> float:
    """Log-likelihood of counts a (of c words) against b (of d words)."""
    total = a + b
    if not total or not c or not d:
        return 0.0
    e1, e2 = c * total / (c + d), d * total / (c + d)
    return 2 * ((a * math.log(a / e1) if a else 0.0) + (b * math.log(b / e2) if b else 0.0))


def _words(keys: list[str]) -> tuple[Counter[str], Counter[str]]:
    """(words of two characters or more with a Han character, two-word phrases) of the keys."""
    words: Counter[str] = Counter()
    phrases: Counter[str] = Counter()
    for key in keys:
        prev = ""
        for w, _, _ in segmenter().tokenize(key, False, hmm=False):  # dictionary words: no 之稳
            ok = len(w) >= 2 and bool(_HAN.search(w)) and is_searchable(w) and not _COUNTER_WORD.fullmatch(w)
            if ok:
                words[w] += 1
                if prev:
                    phrases[prev + w] += 1
            prev = w if ok else ""
    return words, phrases


def _dice(x: str, y: str) -> float:
    gx = {x[i : i + 2] for i in range(len(x) - 1)}
    gy = {y[i : i + 2] for i in range(len(y) - 1)}
    return 2 * len(gx & gy) / (len(gx) + len(gy)) if gx and gy else 0.0


def _section_words(body: str) -> Counter[str]:
    return Counter(w for w, _, _ in segmenter().tokenize(body, False) if len(w) >= 2 and _HAN.search(w))


def _cosines(bodies_a: list[str], bodies_b: list[str]) -> list[list[float]]:
    """Cosine similarity of the sections' words, weighted by idf over the sections of both."""
    bags = [_section_words(x) for x in (*bodies_a, *bodies_b)]
    df: Counter[str] = Counter(w for bag in bags for w in bag)
    n = len(bags)
    vecs = []
    for bag in bags:
        v = {w: c * math.log(1 + n / df[w]) for w, c in bag.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vecs.append({w: x / norm for w, x in v.items()})
    va, vb = vecs[: len(bodies_a)], vecs[len(bodies_a) :]
    return [[sum(x * y.get(w, 0.0) for w, x in p.items()) for y in vb] for p in va]


def align(a: list[tuple[int, str, str, str]], b: list[tuple[int, str, str, str]]) -> list[SectionPair]:
    """Align two heading lists (position, text, key, key of the section's paragraphs) in
    order, maximising the summed similarity of aligned pairs; the rest stand alone.

    Similarity: the Dice coefficient of the headings' character bigrams (numbering left
    out), or, where higher, its mean with the cosine of the two sections' words (so that
    坚持党建引领 and 讲政治、铭初心 meet through what the sections say). A pair needs ALIGN_MIN."""
    norm_a = [_NUMBERING.sub("", h[2]) for h in a]
    norm_b = [_NUMBERING.sub("", h[2]) for h in b]
    cos = _cosines([h[3] for h in a], [h[3] for h in b]) if a and b else []
    sim = [[max(d := _dice(x, y), (d + cos[i][j]) / 2) for j, y in enumerate(norm_b)] for i, x in enumerate(norm_a)]
    n, m = len(a), len(b)
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            pair = best[i + 1][j + 1] + sim[i][j] if sim[i][j] >= ALIGN_MIN else -1.0
            best[i][j] = max(pair, best[i + 1][j], best[i][j + 1])
    out, i, j = [], 0, 0
    while i < n or j < m:
        if i < n and j < m and sim[i][j] >= ALIGN_MIN and best[i][j] == best[i + 1][j + 1] + sim[i][j]:
            out.append(SectionPair(a[i][1], b[j][1], a[i][0], b[j][0], sim[i][j]))
            i, j = i + 1, j + 1
        elif i < n and (j >= m or best[i][j] == best[i + 1][j]):
            out.append(SectionPair(a[i][1], "", a[i][0], None, 0.0))
            i += 1
        else:
            out.append(SectionPair("", b[j][1], None, b[j][0], 0.0))
            j += 1
    return out


def compare(engine: Any, a_id: str, b_id: str) -> Comparison:
    """Compare article a_id with article b_id (ArticleNotFound if either is not indexed)."""
    if a_id == b_id:
        raise SameArticle(f"请选择两篇不同的文章（两边都是 {a_id!r}）。")
    doc_a, doc_b = engine.document(a_id), engine.document(b_id)
    with engine.selection() as (st, live):
        keys: dict[str, list[str]] = {}
        heads: dict[str, list[list[Any]]] = {}
        for art_id in (a_id, b_id):
            docs = st.columns.article_docs(art_id)
            keys[art_id] = [st.store.key(d) for d in docs.tolist() if not st.columns.heading[d]]
            heads[art_id] = []
            for d in docs.tolist():
                if st.columns.heading[d]:
                    heads[art_id].append([int(st.columns.position[d]), st.store.text(d), st.store.key(d), ""])
                elif heads[art_id]:
                    heads[art_id][-1][3] += st.store.key(d) + "\n"
        (wa, pa), (wb, pb) = _words(keys[a_id]), _words(keys[b_id])
        c, d = sum(wa.values()), sum(wb.values())  # phrases are counted against the word totals
        # a phrase said fewer than three times in all is no pattern
        ca = wa + Counter({p: n for p, n in pa.items() if n + pb[p] >= 3})
        cb = wb + Counter({p: n for p, n in pb.items() if n + pa[p] >= 3})
        scored = [Keyword(w, ca[w], cb[w], g2(ca[w], cb[w], c, d)) for w in set(ca) | set(cb)]
        order = sorted(scored, key=lambda k: (-k.g2, k.word))
        dist_a = tuple(k for k in order if k.g2 >= CRITICAL and k.a * d > k.b * c)[:TOP]
        dist_b = tuple(k for k in order if k.g2 >= CRITICAL and k.b * c > k.a * d)[:TOP]
        both = sorted(
            (k for k in scored if k.a >= 2 and k.b >= 2 and k.g2 < CRITICAL),
            key=lambda k: (-min(k.a / max(c, 1), k.b / max(d, 1)), k.word),
        )
        n = max(int(live.sum()), 1)
        shared = []
        for k in both[: TOP * 4]:
            docs = st.backend.docs_with(k.word)
            if int(live[docs].sum()) <= SHARED_MAX_SHARE * n:
                shared.append(k)
            if len(shared) >= TOP:
                break
        figs = [f for f in store_figures(st.store) if f.article_id in (a_id, b_id)]
    groups: dict[tuple[str, str], tuple[list[Figure], list[Figure]]] = {}
    for f in figs:
        pair = groups.setdefault((f.metric, f.qualifier), ([], []))
        pair[0 if f.article_id == a_id else 1].append(f)
    figure_pairs = tuple(FigurePair(m, q, tuple(x), tuple(y)) for (m, q), (x, y) in groups.items())
    return Comparison(
        a=doc_a.article, b=doc_b.article, words_a=c, words_b=d, distinctive_a=dist_a,
        distinctive_b=dist_b, shared=tuple(shared), figures=figure_pairs,
        sections=tuple(align(heads[a_id], heads[b_id])),
    )  # fmt: skip


def offers(articles: list[Any], article: Any, limit: int = 12) -> dict[str, list[Any]]:
    """What to compare an article with: the same committee's earlier reports (latest first)
    and other committees' reports of the same work year."""
    same = (article.province, article.city, article.district)
    earlier = [
        a for a in articles
        if article.province and (a.province, a.city, a.district) == same and a.id != article.id and a.year and article.year
        and a.year < article.year
    ]  # fmt: skip
    earlier.sort(key=lambda a: -a.year)
    peers = [
        a for a in articles
        if article.year and a.year == article.year and a.id != article.id
        and (a.province, a.city, a.district) != same
    ]  # fmt: skip
    peers.sort(key=lambda a: (a.doc_type != article.doc_type, a.province, a.city, a.district))
    return {"earlier": earlier[:limit], "peers": peers[:limit]}
