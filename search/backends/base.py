"""The seam between the engine and an index backend.

The engine (search.engine) owns the semantics: what a query means, exact-substring
matching with recall equal to a scan, Traditional = Simplified, AND/OR/NOT, facets,
snippets, the ranking formula. A backend owns the postings: it writes a generation's
tokens (search.analysis) and answers three questions about them:

- `docs_with(piece)`: every paragraph whose search key contains the piece (a string
  without spaces) as an exact substring, as sorted docnums;
- `has_word(word)`: whether a ranking word occurs at all;
- `top(plan)`: the best-ranked paragraphs among the allowed ones.

Per-document data (text, keys, facet columns, articles) is not the backend's: it lives
in the generation's store (search.store), the same for every backend.

Ranking is BM25 (k1 = 1.2, b = 0.75, idf = ln(1 + (N - n + 0.5) / (n + 0.5))) over the
words of the paragraph, plus the words of its article's title at TITLE_BOOST, times
priors of at most 1: the paragraph's own (its role and length, `static_prior`) and the
query's (`RankPlan.boost`: its section headings, its document type). Whoosh computes it
with numpy from its postings; tantivy computes BM25 natively and applies the priors to
the fetched top (priors of at most 1 let it stop fetching once the top is exact).
"""

from __future__ import annotations

import os
import shutil
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from search.analysis import DocTokens
from search.facets import FacetFilter as DocFilter  # the filters a backend may express natively

K1, B = 1.2, 0.75
TITLE_BOOST = 0.5
# Per role (search.roles): a heading names a topic, the paragraphs under it say what was
# done; a lead announces them; notes explain a term; tables and captions are fragments.
ROLE_PRIOR = (1.0, 0.3, 0.4, 0.25, 0.5, 0.3)  # body, heading, lead, note, table, caption
LENGTH_FULL = 50  # characters: a paragraph this long or longer has no length penalty
LENGTH_FLOOR = 0.2
PRIOR_CANDIDATES = 256  # best raw scores whose prior is worked out first (top_with_prior)


class BackendError(Exception):
    """The backend could not open or write its index; the message says why."""


@dataclass(frozen=True)
class RankPlan:
    """What to rank and among which paragraphs.

    `allowed` is the exact answer (matches that pass the filters, live only) as a mask.
    `pieces` are the query's positive body pieces (exact substrings every allowed
    paragraph satisfies in some OR-combination); `native` says whether the whole match
    condition is `pieces_all` AND `filter` exactly, so a backend may express it in its own
    query language instead of enumerating `allowed`.
    """

    allowed: np.ndarray | None  # None: the backend answers `native` plans on its own
    words: tuple[str, ...]  # body words: BM25 on the paragraph, and at TITLE_BOOST on the title
    limit: int | None
    groups: tuple[tuple[str, ...], ...] = ()  # positive pieces: AND of OR-groups
    negated: tuple[str, ...] = ()
    filter: DocFilter = DocFilter()
    native: bool = False
    order: np.ndarray | None = None  # per docnum, the reading order that breaks ties
    # The query's priors: docnums -> multipliers in (0, 1] (section headings, document type).
    boost: Callable[[np.ndarray], np.ndarray] | None = None


class BackendReader(ABC):
    """An open backend index of one generation. Safe to use from several threads."""

    @abstractmethod
    def docs_with(self, piece: str, limit: int | None = None) -> np.ndarray:
        """Sorted docnums of the paragraphs whose key contains `piece` (no spaces); with a
        limit, the first `limit` of them."""

    @abstractmethod
    def has_word(self, word: str) -> bool:
        """Whether any paragraph holds the word (a ranking term of search.analysis)."""

    @abstractmethod
    def top(self, plan: RankPlan) -> list[tuple[int, float]]:
        """(docnum, score) of the best allowed paragraphs, best first, at most plan.limit."""

    def close(self) -> None:  # noqa: B027 - most readers hold nothing to close
        """Let go of files and memory."""


class BackendWriter(ABC):
    """Writes one generation's backend index, new or continued from the previous one."""

    @abstractmethod
    def add(self, doc: DocTokens, fields: ParagraphFields) -> None:
        """Index one paragraph under docnum doc.docnum (docnums come in increasing order)."""

    @abstractmethod
    def delete_file(self, source: str) -> None:
        """Remove every paragraph of a source file (an incremental build's changed file)."""

    @abstractmethod
    def commit(self) -> None:
        """Make everything added durable in the folder."""

    @abstractmethod
    def cancel(self) -> None:
        """Give up; the folder is thrown away by the caller."""


@dataclass(frozen=True)
class ParagraphFields:
    """The filterable values of a paragraph, for backends that filter natively."""

    province: str
    city: str
    district: str
    doc_type: str
    level: str
    year: int  # 0 when unknown
    themes: Sequence[str]
    heading: bool
    article: int = 0  # the article's index in the store (stable across incremental builds)


class Backend:
    """A kind of index: how to write a generation and how to open one."""

    name: ClassVar[str]
    folder_name: ClassVar[str]
    writer_class: ClassVar[type[BackendWriter]]
    reader_class: ClassVar[type[BackendReader]]

    @classmethod
    def writer(cls, folder: Path, previous: Path | None, *, procs: int = 1) -> BackendWriter:
        """A writer into `folder`; with `previous`, continuing that generation's index."""
        return cls.writer_class(folder, previous, procs)  # type: ignore[call-arg]

    @classmethod
    def open(cls, folder: Path, store: object) -> BackendReader:
        """Open the index in `folder` (the generation's store gives lengths and keys)."""
        return cls.reader_class(folder, store)  # type: ignore[call-arg]


def clone_folder(src: Path, dst: Path, *, link: Callable[[Path], bool], skip: Callable[[Path], bool] = lambda p: False) -> None:
    """Copy a generation's index files for the next one to continue: hard links for the
    files `link` says the backend never rewrites in place (cheap, and the old generation
    keeps its own), real copies for the rest, nothing for what `skip` says."""
    dst.mkdir(parents=True, exist_ok=True)
    for p in src.iterdir():
        if not p.is_file() or skip(p):
            continue
        if link(p):
            try:
                os.link(p, dst / p.name)
                continue
            except OSError:
                pass  # another file system: copy instead
        shutil.copy2(p, dst / p.name)


def bm25(tf: np.ndarray, df: int, n_docs: int, dl: np.ndarray, avgdl: float) -> np.ndarray:
    """BM25 of one term (tantivy's formula), for arrays of term frequency and length."""
    idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))
    norm = K1 * (1 - B + B * dl / max(avgdl, 1e-9))
    return idf * tf * (K1 + 1) / (tf + norm)


def static_prior(store: object) -> np.ndarray:
    """The per-paragraph multiplier of the score, in (0, 1]: its role's prior times a
    length prior (the square root of its share of LENGTH_FULL characters, at least
    LENGTH_FLOOR): a 9-character line is not the best answer to anything."""
    role = np.asarray(store.col("role"), dtype=np.int64)  # type: ignore[attr-defined]
    nchars = np.asarray(store.col("nchars"), dtype=np.float64)  # type: ignore[attr-defined]
    length = np.clip(np.sqrt(nchars / LENGTH_FULL), LENGTH_FLOOR, 1.0)
    return np.asarray(ROLE_PRIOR, dtype=np.float64)[role] * length


def prior(plan: RankPlan, static: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """The multiplier of the score of each of `docs`: the paragraph's and the query's."""
    p = static[docs]
    if plan.boost is not None and len(docs):
        p = p * plan.boost(docs)
    return p


def top_with_prior(raw: np.ndarray, docs: np.ndarray, plan: RankPlan, static: np.ndarray) -> list[tuple[int, float]]:
    """top_k of the raw scores of `docs` times their prior, which is worked out only for the
    best raw scores when the plan has a limit: a prior is at most 1, so once the limit-th
    score so adjusted beats the lowest raw score taken, nothing left out can reach the top
    (else 8x as many are taken, once; then all). A large match set's section chains are
    not all followed."""
    limit, k = plan.limit, max(PRIOR_CANDIDATES, 8 * (plan.limit or 0))
    for _ in range(2 if limit is not None else 0):
        if k >= len(docs):
            break
        cut = -np.partition(-raw, k - 1)[k - 1]
        taken = np.flatnonzero(raw >= cut)  # ties at the cut whole
        adjusted = raw[taken] * prior(plan, static, docs[taken])
        if len(taken) == len(docs) or (
            len(taken) >= limit and -np.partition(-np.round(adjusted, 6), limit - 1)[limit - 1] > np.round(cut, 6)
        ):
            return top_k(adjusted, docs[taken], limit, plan.order)
        k *= 8
    return top_k(raw * prior(plan, static, docs), docs, limit, plan.order)


def top_k(
    scores: np.ndarray, docs: np.ndarray, limit: int | None, order: np.ndarray | None = None
) -> list[tuple[int, float]]:
    """The `limit` best (docnum, score), best first; ties go to the earlier in reading
    `order` (per docnum; docnum itself when None)."""
    scores = np.round(scores, 6)  # the same score computed two ways must tie
    tie = docs if order is None else order[docs]
    if limit is not None and limit < len(docs):
        part = np.argpartition(-scores, limit - 1)[:limit]
        # argpartition picks arbitrarily among ties at the boundary: take the tie group whole
        cut = scores[part].min()
        keep = np.flatnonzero(scores >= cut)
        picked = keep[np.lexsort((tie[keep], -scores[keep]))][:limit]
    else:
        picked = np.lexsort((tie, -scores))
    return list(zip(docs[picked].tolist(), scores[picked].tolist(), strict=True))
