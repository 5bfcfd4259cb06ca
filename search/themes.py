"""Theme rules: transparent keyword lists (search/data/themes.toml) -> themes of a paragraph.

A researcher reads and edits the TOML file; this module only validates it and counts
keyword occurrences.  Text is matched on its simplified form (OpenCC t2s), so traditional
paragraphs get the same themes as simplified ones.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from search.normalize import match_key
from search.rulefiles import read_rules

_THEME_KEYS = {"name", "keywords", "exclude", "min_hits"}
_MASK = "\u0000"


class ThemeRulesError(ValueError):
    """The theme rules file is malformed."""


@lru_cache(maxsize=256)
def _any_keyword(keywords: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(k) for k in sorted(keywords, key=len, reverse=True)))


@dataclass(frozen=True)
class Theme:
    """One theme: a paragraph has it when its keywords occur at least `min_hits` times."""

    name: str
    keywords: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    min_hits: int = 1

    @cached_property
    def _any(self) -> re.Pattern[str]:
        return _any_keyword(self.keywords)

    def _masked(self, key: str) -> str:
        for phrase in self.exclude:
            key = key.replace(phrase, _MASK * len(phrase))
        return key

    def hits(self, key: str) -> dict[str, int]:
        """Occurrences of each keyword in `key` (simplified text) once excluded phrases are masked."""
        if not self._any.search(key):
            return {}  # most paragraphs: one pass of one pattern, not one per keyword
        key = self._masked(key)
        counts = {kw: key.count(kw) for kw in self.keywords}
        return {kw: n for kw, n in counts.items() if n}

    def fires(self, key: str) -> bool:
        """Whether the theme applies to `key`: sum(hits(key).values()) >= min_hits, without
        counting every keyword when one occurrence is enough."""
        if not self._any.search(key):
            return False
        if self.min_hits > 1:
            return sum(self.hits(key).values()) >= self.min_hits
        return not self.exclude or self._any.search(self._masked(key)) is not None


def _strings(value: object, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ThemeRulesError(f"{what} must be a list of non-empty strings, got {value!r}.")
    return tuple(match_key(v.strip()) for v in value)


@dataclass(frozen=True)
class ThemeRules:
    """The ordered list of themes."""

    themes: tuple[Theme, ...]
    source: str = ""

    @classmethod
    def load(cls, path: Path | str | None = None) -> ThemeRules:
        """Read rules from `path`, or the packaged search/data/themes.toml by default."""
        text, source = read_rules(path, "themes.toml")
        return cls.from_toml(text, source=source)

    @classmethod
    def from_toml(cls, text: str, *, source: str = "<string>") -> ThemeRules:
        """Parse and validate rules; raises ThemeRulesError with a sentence naming the problem."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ThemeRulesError(f"{source!r} is not valid TOML: {exc}.") from exc
        unknown_top = set(data) - {"theme"}
        if unknown_top:
            raise ThemeRulesError(f"{source!r} has unknown top-level keys {sorted(unknown_top)!r}.")
        tables = data.get("theme", [])
        if not isinstance(tables, list) or not tables:
            raise ThemeRulesError(f"{source!r} defines no [[theme]] tables.")
        themes: list[Theme] = []
        for number, table in enumerate(tables, start=1):
            where = f"{source!r}, theme #{number}"
            unknown = set(table) - _THEME_KEYS
            if unknown:
                raise ThemeRulesError(f"{where} has unknown keys {sorted(unknown)!r}.")
            name = table.get("name")
            if not isinstance(name, str) or not name.strip():
                raise ThemeRulesError(f"{where} needs a non-empty name, got {name!r}.")
            where = f"{source!r}, theme {name!r}"
            if name in {t.name for t in themes}:
                raise ThemeRulesError(f"{where} is defined twice.")
            keywords = _strings(table.get("keywords"), f"{where}: keywords")
            if not keywords:
                raise ThemeRulesError(f"{where} has an empty keywords list.")
            exclude = _strings(table.get("exclude", []), f"{where}: exclude")
            min_hits = table.get("min_hits", 1)
            if not isinstance(min_hits, int) or isinstance(min_hits, bool) or min_hits < 1:
                raise ThemeRulesError(f"{where}: min_hits must be a positive integer, got {min_hits!r}.")
            themes.append(Theme(name.strip(), keywords, exclude, min_hits))
        return cls(tuple(themes), source)

    @property
    def names(self) -> tuple[str, ...]:
        """Theme names in file order."""
        return tuple(t.name for t in self.themes)

    def explain(self, text: str) -> dict[str, dict[str, int]]:
        """For each theme that fires on `text`, the keywords that fired and how often."""
        key = match_key(text)
        out: dict[str, dict[str, int]] = {}
        for theme in self.themes:
            hits = theme.hits(key)
            if sum(hits.values()) >= theme.min_hits:
                out[theme.name] = hits
        return out

    def themes_for(self, text: str) -> tuple[str, ...]:
        """Names of the themes of `text`, in file order (those explain() lists)."""
        key = match_key(text)
        return tuple(theme.name for theme in self.themes if theme.fires(key))
