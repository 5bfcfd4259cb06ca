"""Synonyms and abbreviations: a query word also finds the other words of its group.

The groups live in search/data/synonyms.toml (editable). Only unquoted body terms that
are a whole group word are expanded (政协 -> 人民政协, 中国人民政治协商会议, …); a quoted
word ("政协") is searched alone, and so is everything when the request says expand=False.
The expansion is an OR beside the typed word, so every paragraph the typed words find is
still found: recall for the typed words stays that of a substring scan.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from search.normalize import search_key
from search.query import ParsedQuery, Term
from search.rulefiles import read_rules


class SynonymsError(ValueError):
    """synonyms.toml is malformed; the message says where."""


@dataclass(frozen=True)
class Synonyms:
    """Search key of a word -> the other words of its group (as written)."""

    groups: tuple[tuple[str, ...], ...]

    @classmethod
    @cache
    def load(cls, path: Path | str | None = None) -> Synonyms:
        """The packaged groups (search/data/synonyms.toml), or those of `path`."""
        text, source = read_rules(path, "synonyms.toml")
        return cls.from_toml(text, source=source)

    @classmethod
    def from_toml(cls, text: str, *, source: str = "<string>") -> Synonyms:
        try:
            groups = tomllib.loads(text)["groups"]
        except (tomllib.TOMLDecodeError, KeyError) as exc:
            raise SynonymsError(f"{source!r} needs a list `groups` of word lists: {exc!r}.") from exc
        out = []
        seen: dict[str, int] = {}
        for i, g in enumerate(groups):
            if not isinstance(g, list) or len(g) < 2 or not all(isinstance(w, str) and w.strip() for w in g):
                raise SynonymsError(f"{source!r}: group {i + 1} must list two or more non-empty words, not {g!r}.")
            for w in g:
                k = search_key(w)
                if k in seen and seen[k] != i:
                    raise SynonymsError(f"{source!r}: {w!r} is in groups {seen[k] + 1} and {i + 1}; a word belongs to one group.")
                seen[k] = i
            out.append(tuple(w.strip() for w in g))
        return cls(tuple(out))

    @property
    def _by_key(self) -> dict[str, tuple[str, ...]]:
        return _index(self)

    def of(self, word: str) -> tuple[str, ...]:
        """The other words of the word's group (none when it is in no group)."""
        return self._by_key.get(search_key(word), ())


@cache
def _index(syn: Synonyms) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for g in syn.groups:
        for w in g:
            out[search_key(w)] = tuple(o for o in g if o != w)
    return out


def expand(parsed: ParsedQuery, synonyms: Synonyms | None = None) -> tuple[ParsedQuery, tuple[str, ...]]:
    """The query with each unquoted body term OR-ed with its synonyms, and the words added."""
    synonyms = synonyms or Synonyms.load()
    added: list[str] = []
    groups = []
    for group in parsed.groups:
        terms = list(group)
        keys = {t.key for t in group}
        for t in group:
            if t.phrase or t.in_title or t.spaced:
                continue
            for w in sorted(synonyms.of(t.text), key=len):
                k = " ".join(search_key(w).split())
                if not any(known in k for known in keys):  # 人民政协 holds 政协: it adds nothing
                    keys.add(k)
                    terms.append(Term(w, k))
                    added.append(w)
        groups.append(tuple(terms))
    if not added:
        return parsed, ()
    return replace(parsed, groups=tuple(groups)), tuple(dict.fromkeys(added))
