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
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from search.rulefiles import read_rules

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
        text, source = read_rules(path, "ranking.toml")
        return cls.from_toml(text, source=source)

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


def _cppcc_articles(store: object, types: frozenset[str]) -> np.ndarray:
    """Per article of the store, whether its type is one of `types` (kept on the store)."""
    cache = store.__dict__.setdefault("_cppcc_articles", {})  # type: ignore[attr-defined]
    found = cache.get(types)
    if found is None:
        arts = store.articles  # type: ignore[attr-defined]
        found = cache[types] = np.fromiter((a.doc_type in types for a in arts), dtype=bool, count=len(arts))
    return found


def _types_mixed(store: object, types: frozenset[str]) -> bool:
    """Whether the live articles include both documents of `types` and others: where they
    are all of one kind, the type prior reorders nothing, and the page must not say it did.
    (Kept on the store, as _cppcc_articles.)"""
    cache = store.__dict__.setdefault("_types_mixed", {})  # type: ignore[attr-defined]
    if types not in cache:
        arts = store.articles  # type: ignore[attr-defined]
        kinds = _cppcc_articles(store, types)[np.fromiter((a.live for a in arts), dtype=bool, count=len(arts))]
        cache[types] = bool(kinds.any() and not kinds.all())
    return cache[types]


def _structure(store: object) -> dict[str, np.ndarray]:
    """The store's section, parent-heading and article columns as int64 (kept on the store:
    converting them took a copy of three whole columns per query)."""
    found = store.__dict__.get("_rank_structure")  # type: ignore[attr-defined]
    if found is None:
        found = {
            "section": np.asarray(store.col("section"), dtype=np.int64),  # type: ignore[attr-defined]
            "up": np.asarray(store.col("up"), dtype=np.int64),  # type: ignore[attr-defined]
            "article": np.asarray(store.col("article")),  # type: ignore[attr-defined]
        }
        store.__dict__["_rank_structure"] = found  # type: ignore[attr-defined]
    return found


def query_priors(
    store: object,
    pieces: tuple[str, ...],
    words: tuple[str, ...],
    *,
    type_prior: bool = True,
    rules: RankingRules | None = None,
) -> QueryPriors:
    """The priors for a query's positive body pieces (search keys without spaces) and its
    ranking words (a section heading holding any of them is about the query). Nothing is
    computed until the backend asks for the factors of some paragraphs."""
    if not pieces:
        return QueryPriors(None)
    rules = rules or RankingRules.load()
    cppcc = rules.cppcc_words(pieces) if type_prior and _types_mixed(store, rules.cppcc_types) else ()
    state: dict[str, np.ndarray] = {}

    def holds(headings: np.ndarray) -> np.ndarray:
        """Whether each heading docnum (-1: none) holds a query word, looked up once each."""
        known, value = state["known"], state["value"]
        valid = headings >= 0
        todo = np.unique(headings[valid])
        todo = todo[~known[todo]]
        if len(todo):
            for w in words or pieces:
                value[store.keys_containing(todo, w)] = True  # type: ignore[attr-defined]
            known[todo] = True
        return valid & value[np.maximum(headings, 0)]

    def boost(docs: np.ndarray) -> np.ndarray:
        if not state:
            n = int(store.size)  # type: ignore[attr-defined]
            state.update(
                _structure(store),
                known=np.zeros(n, dtype=bool),
                value=np.zeros(n, dtype=bool),
            )
        section, up = state["section"], state["up"]
        docs = np.asarray(docs, dtype=np.int64)
        s = section[docs]
        s = np.where(s == docs, up[docs], s)  # a heading's own words are no section of it
        hit = np.zeros(len(docs), dtype=bool)
        for _ in range(CHAIN_DEPTH):
            hit |= holds(s)
            s = np.where(s >= 0, up[np.maximum(s, 0)], -1)
        f = np.where(hit, 1.0, rules.section_other)
        if cppcc:
            types = _cppcc_articles(store, rules.cppcc_types)
            f = f * np.where(types[state["article"][docs]], 1.0, rules.cppcc_other)
        return f

    return QueryPriors(boost, cppcc)
