"""Document types: readable rules (search/data/doctypes.toml) -> the genre of an article.

A researcher reads and edits the TOML file; this module validates it, matches the
patterns (title patterns of every type first, then the opening paragraphs in reading order)
and makes titles for articles that have none or only the genre's name.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from search.normalize import match_key
from search.rulefiles import read_rules

OTHER = "其他"
_TYPE_KEYS = {
    "name", "title", "opening", "session", "reviews_delivery_year", "made_title",
    "bare_titles", "national_place",
}
_PLACEHOLDERS = re.compile(r"\{(\w*)\}")
# Words a bare title may carry besides the genre: a year, a generic level, brackets.
_BARE_NOISE = re.compile(
    r"(?:19|20)\d\d\s*年?|[（(]\s*[)）]|[《》“”\"'\s:：]|^(?:省|市|县|区|自治区|州|盟|旗|本)(?=人民政府|政府)"
)


def _bare(title: str) -> str:
    """The title without years, generic level words, quotes and emptied brackets."""
    text, previous = match_key(title), ""
    while text != previous:
        previous, text = text, _BARE_NOISE.sub("", text)
    return text


class DocTypeRulesError(ValueError):
    """The document type rules file is malformed."""


@dataclass(frozen=True)
class DocType:
    """One genre and the rules that recognise it."""

    name: str
    title: tuple[re.Pattern[str], ...] = ()
    opening: tuple[re.Pattern[str], ...] = ()
    session: bool = False
    reviews_delivery_year: bool = False
    made_title: str = "{place}{year}"
    bare_titles: tuple[str, ...] = ()
    national_place: str = "全国"

    def is_bare(self, title: str) -> bool:
        """True when `title` names only this genre (and perhaps a year): "2014年政府工作报告"."""
        return bool(title) and _bare(title) in self.bare_titles

    def make_title(self, place: str, year: int | None) -> str:
        """`made_title` with the parts known: "河北省2012年政府工作报告", "政府工作报告"."""
        values = {"place": place, "year": f"{year}年" if year else ""}
        return _PLACEHOLDERS.sub(lambda m: values.get(m.group(1), ""), self.made_title).strip()


def _patterns(value: object, where: str) -> tuple[re.Pattern[str], ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise DocTypeRulesError(f"{where} must be a list of non-empty strings, got {value!r}.")
    out = []
    for v in value:
        try:
            out.append(re.compile(match_key(v)))
        except re.error as exc:
            raise DocTypeRulesError(f"{where}: {v!r} is not a valid regular expression ({exc}).") from exc
    return tuple(out)


@dataclass(frozen=True)
class DocTypeRules:
    """The ordered document types."""

    types: tuple[DocType, ...]
    source: str = ""

    @classmethod
    def load(cls, path: Path | str | None = None) -> DocTypeRules:
        """Read rules from `path`, or the packaged search/data/doctypes.toml by default."""
        if path is None:
            return _load_default()
        path = Path(path)
        return cls.from_toml(path.read_text(encoding="utf-8"), source=str(path))

    @classmethod
    def from_toml(cls, text: str, *, source: str = "<string>") -> DocTypeRules:
        """Parse and validate rules; raises DocTypeRulesError with a sentence naming the problem."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise DocTypeRulesError(f"{source!r} is not valid TOML: {exc}.") from exc
        if set(data) - {"type"}:
            raise DocTypeRulesError(f"{source!r} has unknown top-level keys {sorted(set(data) - {'type'})!r}.")
        tables = data.get("type", [])
        if not isinstance(tables, list) or not tables:
            raise DocTypeRulesError(f"{source!r} defines no [[type]] tables.")
        types = []
        for number, table in enumerate(tables, start=1):
            where = f"{source!r}, type #{number}"
            unknown = set(table) - _TYPE_KEYS
            if unknown:
                raise DocTypeRulesError(f"{where} has unknown keys {sorted(unknown)!r}; allowed: {sorted(_TYPE_KEYS)!r}.")
            name = table.get("name")
            if not isinstance(name, str) or not name.strip():
                raise DocTypeRulesError(f"{where} needs a non-empty name, got {name!r}.")
            for flag in ("session", "reviews_delivery_year"):
                if not isinstance(table.get(flag, False), bool):
                    raise DocTypeRulesError(f"{where}: {flag} must be true or false, got {table[flag]!r}.")
            made = table.get("made_title", "{place}{year}")
            bad = {p for p in _PLACEHOLDERS.findall(str(made))} - {"place", "year"}
            if not isinstance(made, str) or bad:
                raise DocTypeRulesError(f"{where}: made_title may use {{place}} and {{year}} only, got {made!r}.")
            bare = table.get("bare_titles", [])
            if not isinstance(bare, list) or not all(isinstance(b, str) for b in bare):
                raise DocTypeRulesError(f"{where}: bare_titles must be a list of strings, got {bare!r}.")
            types.append(DocType(
                name=name.strip(),
                title=_patterns(table.get("title", []), f"{where} title"),
                opening=_patterns(table.get("opening", []), f"{where} opening"),
                session=table.get("session", False),
                reviews_delivery_year=table.get("reviews_delivery_year", False),
                made_title=made,
                bare_titles=tuple(_bare(b) for b in bare),
                national_place=str(table.get("national_place", "全国")),
            ))
        names = [t.name for t in types]
        if len(set(names)) != len(names):
            raise DocTypeRulesError(f"{source!r} names a type twice: {names!r}.")
        if OTHER not in names:
            types.append(DocType(OTHER))
        return cls(tuple(types), source)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.types)

    def get(self, name: str) -> DocType:
        """The type called `name`; raises KeyError naming the known types."""
        for t in self.types:
            if t.name == name:
                return t
        raise KeyError(f"unknown document type {name!r}; known types: {', '.join(self.names)}")

    def classify(self, headings: Sequence[str], opening: Sequence[str]) -> tuple[DocType, str]:
        """The type of an article and the pattern that decided it ("" for 其他).

        `headings` are its title and subtitle, `opening` its first paragraphs.
        """
        heads = [match_key(h) for h in headings if h]
        for t in self.types:
            for pattern in t.title:
                if any(pattern.search(x) for x in heads):
                    return t, f"title: {pattern.pattern}"
        # Openings in reading order: the speech formula ("我代表…人民政府向大会报告工作")
        # comes before a review paragraph that mentions other bodies ("在市人大、市政协的监督下").
        for para in (match_key(p) for p in opening if p):
            for t in self.types:
                for pattern in t.opening:
                    if pattern.search(para):
                        return t, f"opening: {pattern.pattern}"
        return self.get(OTHER), ""


@functools.cache
def _load_default() -> DocTypeRules:
    text, source = read_rules(None, "doctypes.toml")
    return DocTypeRules.from_toml(text, source=source)


def doc_type_names() -> tuple[str, ...]:
    """The known document types, in rule order (for validating overrides)."""
    return DocTypeRules.load().names
