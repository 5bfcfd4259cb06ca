"""Query-dependent ranking priors: the section a paragraph stands in, its document's type.

The engine hands them to the backend as `RankPlan.boost` (docnums -> factors in (0, 1]),
so both backends rank with exactly the same formula (see search.backends.base):

- section: a paragraph whose chain of section headings (search.roles: the nearest heading
  and those above it in the outline, not the paragraph itself) holds a query word (a
  ranking word of two characters or more, search.analysis.query_words) keeps its
  score; the others are multiplied by `[section] other`. A 提案工作 section answers 提案办理
  better than a clause that mentions proposals in passing.
- document type: when a query word is CPPCC vocabulary (`[cppcc] terms`, an editable
  list), paragraphs of CPPCC document types keep their score and the others are multiplied
  by `[cppcc] other`. The page says when this applied; it can be switched off.
The factors and lists live in search/data/ranking.toml.
"""

from __future__ import annotations

import tomllib
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

CHAIN_DEPTH = 3  # headings looked at above a paragraph: its section and two levels up


class RankingRulesError(ValueError):
    """search/data/ranking.toml is malformed; the message names the problem."""


@dataclass(frozen=True)
class RankingRules:
    """The factors and the CPPCC vocabulary of ranking.toml."""

    section_other: float
    cppcc_other: float
    cppcc_terms: tuple[str, ...]
    cppcc_types: frozenset[str]

    @classmethod
    @cache
    def load(cls, path: Path | str | None = None) -> RankingRules:
        """The packaged rules (search/data/ranking.toml), or those of `path`."""
        if path is None:
            text = (resources.files("search") / "data" / "ranking.toml").read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        return cls.from_toml(text, source=str(path or "ranking.toml"))

    @classmethod
    def from_toml(cls, text: str, *, source: str = "<string>") -> RankingRules:
        try:
            data = tomllib.loads(text)
            section, cppcc = data["section"], data["cppcc"]
            rules = cls(
                section_other=float(section["other"]),
                cppcc_other=float(cppcc["other"]),
                cppcc_terms=tuple(str(t) for t in cppcc["terms"] if str(t).strip()),
                cppcc_types=frozenset(str(t) for t in cppcc["doc_types"]),
            )
        except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
            raise RankingRulesError(f"{source!r} is not a valid ranking rules file: {exc!r}.") from exc
        for name in ("section_other", "cppcc_other"):
            if not 0 < getattr(rules, name) <= 1:
                raise RankingRulesError(f"{source!r}: factors must be in (0, 1], not {getattr(rules, name)!r}.")
        return rules

    def cppcc_words(self, pieces: tuple[str, ...]) -> tuple[str, ...]:
        """The CPPCC terms the query's pieces are or contain."""
        return tuple(t for t in self.cppcc_terms if any(t in p for p in pieces))


@dataclass(frozen=True)
class QueryPriors:
    """The priors of one query on one generation: `boost` for RankPlan, and what applied."""

    boost: Callable[[np.ndarray], np.ndarray] | None
    type_prior: tuple[str, ...] = ()  # the CPPCC words that made CPPCC documents come first


_CPPCC_ARTICLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _cppcc_articles(store: object, types: frozenset[str] | tuple[str, ...]) -> np.ndarray:
    """Per article of the store: is it a CPPCC document type (computed once per store)."""
    cached = _CPPCC_ARTICLES.get(store)
    if cached is None or cached[0] != types:
        articles = store.articles  # type: ignore[attr-defined]
        flags = np.fromiter((a.doc_type in types for a in articles), dtype=bool, count=len(articles))
        cached = _CPPCC_ARTICLES[store] = (types, flags)
    return cached[1]


def query_priors(
    store: object,
    pieces: tuple[str, ...],
    words: tuple[str, ...],
    *,
    type_prior: bool = True,
    rules: RankingRules | None = None,
) -> QueryPriors:
    """The priors for a query's positive body pieces (search keys without spaces) and its
    ranking words (a section heading holding any of them is about the query)."""
    if not pieces:
        return QueryPriors(None)
    rules = rules or RankingRules.load()
    section = np.asarray(store.col("section"))  # type: ignore[attr-defined]
    up = np.asarray(store.col("up"))  # type: ignore[attr-defined]
    cppcc = rules.cppcc_words(pieces) if type_prior else ()
    cppcc_article = None
    if cppcc:
        cppcc_article = _cppcc_articles(store, rules.cppcc_types)
        article = np.asarray(store.col("article"))  # type: ignore[attr-defined]
    # per heading docnum: -1 not looked at yet, 0 holds no query piece, 1 holds one
    known = np.full(len(section), -1, dtype=np.int8)

    def holds(headings: np.ndarray) -> np.ndarray:
        present = headings >= 0
        todo = np.unique(headings[present])
        todo = todo[known[todo] < 0]
        if len(todo):
            known[todo] = 0
            for w in words or pieces:
                known[store.keys_containing(todo, w)] = 1  # type: ignore[attr-defined]
        return present & (known[np.where(present, headings, 0)] == 1)

    def boost(docs: np.ndarray) -> np.ndarray:
        docs = np.asarray(docs, dtype=np.int64)
        s = section[docs].astype(np.int64)
        s = np.where(s == docs, up[docs], s)  # a heading's own words are no section of it
        hit = np.zeros(len(docs), dtype=bool)
        for _ in range(CHAIN_DEPTH):
            hit |= holds(s)
            s = np.where(s >= 0, up[np.maximum(s, 0)], -1)
        f = np.where(hit, 1.0, rules.section_other)
        if cppcc_article is not None:
            f = f * np.where(cppcc_article[article[docs]], 1.0, rules.cppcc_other)
        return f

    return QueryPriors(boost, cppcc)
