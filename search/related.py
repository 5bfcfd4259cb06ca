"""相关段落: how other committees (or the same one in other years) wrote about the same thing.

More-like-this on the paragraph's distinctive words: the paragraph is cut into words,
the most distinctive (tf x idf over the generation, documents counted by the backend's
exact-substring lookup, so both backends give the same answer) are looked up, and every
paragraph holding some of them is scored by the idf of the words it shares, normalised
by its length. Paragraphs of the same committee in the same year are left out, and so
are near-duplicates of the text (the same press release reprinted): character 4-gram
overlap (Jaccard) of at least NEAR_DUPLICATE with the paragraph or with one already picked.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from search import budget, documents
from search.analysis import is_searchable
from search.segment import segmenter
from search.snippets import snippet

TERMS = 12  # distinctive words looked up per paragraph
LOOKUPS = 40  # words whose document frequency is asked for, longest and most repeated first
MAX_SHARE = 0.08  # words in more than this share of paragraphs distinguish nothing
CANDIDATES = 60  # best-scored paragraphs checked for near-duplicates
NEAR_DUPLICATE = 0.5
MIN_CHARS = 30  # shorter paragraphs (headings, salutations) are no example of how it was done
LIMIT = 5


class ParagraphNotFound(KeyError):
    """No live paragraph has this id ("<article id>-p<position>")."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Related:
    """One related paragraph with where it comes from."""

    paragraph_id: str
    article_id: str
    title: str
    province: str
    city: str
    district: str
    year: int | None
    doc_type: str
    position: int
    score: float
    shared: tuple[str, ...]  # the distinctive words it shares, most distinctive first
    text: str
    snippet: str  # HTML, escaped, shared words marked

    def to_dict(self) -> dict[str, Any]:
        return {
            "paragraph_id": self.paragraph_id, "article_id": self.article_id, "title": self.title,
            "province": self.province, "city": self.city, "district": self.district, "year": self.year,
            "doc_type": self.doc_type, "score": round(self.score, 4), "shared": list(self.shared),
            "text": self.text, "snippet": self.snippet,
        }  # fmt: skip


_HAS_HAN = re.compile(r"[\u3400-\u9fff]")


def docnum_of(st: Any, paragraph_id: str) -> int:
    """The docnum of a live paragraph id; ParagraphNotFound otherwise."""
    where = documents.split_paragraph_id(paragraph_id)
    docs = st.columns.article_docs(where[0]) if where else np.zeros(0, dtype=np.int64)
    if where is not None and len(docs):
        hit = docs[st.columns.position[docs] == where[1]]
        if len(hit):
            return int(hit[0])
    raise ParagraphNotFound(f"没有这个段落：{paragraph_id!r}（段落编号形如 <文章编号>-p12）。")


def _docs(st: Any, word: str) -> np.ndarray:
    docs = st.piece_cache.get(word)
    if docs is None:
        docs = st.backend.docs_with(word)
        docs.flags.writeable = False
        st.piece_cache.put(word, docs)
    return docs


def _shingles(key: str) -> set[str]:
    key = re.sub(r"\s+", "", key)
    return {key[i : i + 4] for i in range(max(1, len(key) - 3))}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def distinctive_words(st: Any, key: str) -> list[tuple[str, float]]:
    """(word, idf) of the paragraph's most distinctive words, most distinctive first."""
    live = st.columns.live
    n = max(int(live.sum()), 1)
    counts = Counter(
        w for w, _, _ in segmenter().tokenize(key, False) if len(w) >= 2 and _HAS_HAN.search(w) and is_searchable(w)
    )
    # Each frequency is a lookup in the index; long and repeated words are the likely
    # distinctive ones, so at most LOOKUPS words are asked about (a long paragraph has 200).
    first = {w: i for i, w in reversed(list(enumerate(counts)))}
    asked = sorted(counts, key=lambda w: (-counts[w] * min(len(w), 4), first[w]))[:LOOKUPS]
    scored = []
    for w in asked:
        tf = counts[w]
        df = int(live[_docs(st, w)].sum())
        if df < 2 or df > MAX_SHARE * n:  # only here, or everywhere
            continue
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        scored.append((tf * idf, w, idf))
    scored.sort(key=lambda t: (-t[0], t[1]))
    return [(w, idf) for _, w, idf in scored[:TERMS]]


def source(engine: Any, paragraph_id: str) -> tuple[str, str]:
    """(the title of the paragraph's article, its text): what the related paragraphs are like."""
    with engine.selection() as (st, _):
        doc = docnum_of(st, paragraph_id)
        return st.store.article_of(doc).title, st.store.text(doc)


def related(engine: Any, paragraph_id: str, limit: int = LIMIT) -> tuple[tuple[str, ...], list[Related]]:
    """(the paragraph's distinctive words, its most similar paragraphs from other committees
    or other years), best first."""
    with engine.selection() as (st, live):
        store, cols = st.store, st.columns
        doc = docnum_of(st, paragraph_id)
        key = store.key(doc)
        terms = distinctive_words(st, key)
        if not terms:
            return (), []
        scores = np.zeros(cols.size, dtype=np.float64)
        for w, idf in terms:
            scores[_docs(st, w)] += idf
        same_committee = (
            (cols.province == cols.province[doc]) & (cols.city == cols.city[doc])
            & (cols.district == cols.district[doc]) & (cols.year == cols.year[doc])
        )  # fmt: skip
        text_len = np.diff(np.asarray(store.blob_offsets("key"), dtype=np.int64))  # bytes: ~3 per character
        allowed = live & ~cols.heading & ~same_committee & (text_len >= MIN_CHARS * 3)
        scores[~allowed] = 0.0
        wlen = np.asarray(store.col("wlen"), dtype=np.float64)
        avg = float(wlen[live].mean()) if live.any() else 1.0
        scores = scores / (0.5 + 0.5 * np.maximum(wlen, 1.0) / avg)
        cands = np.flatnonzero(scores > 0)
        # best first; ties in reading order, so every backend and build gives the same list
        cands = cands[np.lexsort((cols.order[cands], -np.round(scores[cands], 9)))][:CANDIDATES]
        seen = [_shingles(key)]
        out: list[Related] = []
        words = [w for w, _ in terms]
        for d in budget.checked(cands.tolist()):
            k = store.key(d)
            sh = _shingles(k)
            if any(_jaccard(sh, s) >= NEAR_DUPLICATE for s in seen):
                continue
            seen.append(sh)
            r = store.article_of(d)
            text = store.text(d)
            shared = tuple(w for w in words if w in k)
            position = int(cols.position[d])
            out.append(
                Related(
                    paragraph_id=documents.paragraph_id(r.id, position), article_id=r.id, title=r.title, province=r.province,
                    city=r.city, district=r.district, year=r.year, doc_type=r.doc_type, position=position,
                    score=float(scores[d]), shared=shared, text=text,
                    snippet=snippet(text, shared, key_text=k),
                )
            )  # fmt: skip
            if len(out) >= limit:
                break
        return tuple(words), out
