"""Did you mean: place filters named short or in Traditional script, and queries with no hits.

- A province / city / district filter value that no article carries but the gazetteer
  knows at that level (山东 -> 山东省, 濟南 -> 济南市) is searched as the gazetteer's name,
  and the page says so.
- A query with no hits gets the closest queries that have some. First the query read in
  this engine's syntax when it was written in another's (plain_form: 委员* -> 委员,
  委员 and 提案 -> 委员 AND 提案, (委员) -> 委员, 委员，提案 -> 委员 提案); then each term that
  finds nothing is tried with one character dropped, two neighbours swapped, or split in
  two words that may stand apart (营商环境优化提升 -> 营商环境 优化提升); the ones with
  hits are offered, most hits first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace

from search.query import ParsedQuery, QuerySyntaxError, parse
from search.results import SearchRequest

MAX_SUGGESTIONS = 3
MAX_TERM = 12  # longer terms are pasted text, not typos: no variants are tried
_PLACE_FIELDS = (("provinces", "province"), ("cities", "city"), ("districts", "district"))


def _level(region: object) -> str:
    return "district" if region.district else "city" if region.city else "province"  # type: ignore[attr-defined]


def resolve_places(request: SearchRequest, articles: Iterable[object]) -> tuple[SearchRequest, tuple[str, ...]]:
    """The request with place filter values the index does not hold replaced by the
    gazetteer's name at the same level, when that is unique; and a notice for each."""
    if not (request.provinces or request.cities or request.districts):
        return request, ()
    arts = list(articles)
    changes: dict[str, tuple[str, ...]] = {}
    notices: list[str] = []
    for attr, level in _PLACE_FIELDS:
        values = getattr(request, attr)
        known = {getattr(a, level) for a in arts}
        if all(v in known for v in values):
            continue
        from search.regions import Gazetteer  # only now: readers need not load the gazetteer

        fixed = []
        for v in values:
            names = {getattr(r, level) for r in Gazetteer.load().lookup(v) if _level(r) == level} if v not in known else set()
            if len(names) == 1 and (name := names.pop()) != v:
                fixed.append(name)
                notices.append(f"筛选条件「{v}」按「{name}」查找。")
            else:
                fixed.append(v)
        changes[attr] = tuple(dict.fromkeys(fixed))
    return (replace(request, **changes) if changes else request), tuple(notices)


_OPERATORS = ("and", "or", "not")
_EDGE = "*?？+()（）[]【】"  # wildcards, a leading plus, brackets: other engines' syntax at a word's edge
_BETWEEN = re.compile(r"[，,、；;]+")  # marks that separate words in a list
_QUOTED = re.compile(r'("[^"]*"|“[^”]*”)')


def plain_form(query: str) -> str:
    """`query` read as other search engines' syntax means it: and / or / not in any case as
    the operators, wildcards and brackets at a word's edge dropped (this engine finds the
    text inside longer words anyway), list marks between words as spaces. Quoted phrases
    stay as written. Offered when the query as written finds nothing: in this engine these
    marks are text."""
    out = []
    for i, part in enumerate(_QUOTED.split(query)):
        if i % 2:
            out.append(part)
            continue
        for word in _BETWEEN.sub(" ", part).split():
            if word.lower() in _OPERATORS:
                out.append(word.upper())
                continue
            dash = "-" if word.startswith("-") and len(word) > 1 else ""
            core = word[len(dash) :].strip(_EDGE)
            if core:
                out.append(dash + core)
    return " ".join(out)


def variants(text: str, wild: Callable[[str, str], list[str]] | None = None) -> list[str]:
    """Near forms of a term, closest first: one character replaced by one the index holds
    in that place (`wild(left, right)`: the strings left + one character + right found in
    the text), two neighbours swapped, split in two words, one character dropped."""
    n = len(text)
    if n < 2 or n > MAX_TERM or " " in text:
        return []
    out: list[str] = []
    if wild is not None:
        for i in range(n):
            out += wild(text[:i], text[i + 1 :])
    out += [text[:i] + text[i + 1] + text[i] + text[i + 2 :] for i in range(n - 1)]
    out += [text[:i] + " " + text[i:] for i in range(2, n - 1)]  # two words, each of 2+ characters
    if n > 2:
        out += [text[:i] + text[i + 1 :] for i in range(n)]
    return list(dict.fromkeys(v for v in out if v != text))


def suggestions(
    query: str,
    parsed: ParsedQuery,
    count: Callable[[ParsedQuery], int],
    found: Callable[[str], int],
    wild: Callable[[str, str], list[str]] | None = None,
) -> tuple[tuple[str, int], ...]:
    """Queries close to `query` that have hits, as (query, total), closest first.

    `count(parsed)` is the total of a query under the request's filters; `found(key)` how
    many paragraphs hold a term's search key at all (terms that find something are kept)."""
    out: dict[str, int] = {}
    plain = plain_form(query)
    if plain and plain != query:
        try:
            n = count(parse(plain))
        except QuerySyntaxError:
            n = 0
        if n:
            out[plain] = n
    for group in parsed.groups:
        for t in group:
            if t.in_title or t.spaced or found(t.key):
                continue
            for v in variants(t.text, wild):
                q = query
                for written in (f'"{t.text}"', f"“{t.text}”", t.text):
                    if written in q:
                        q = q.replace(written, v, 1)
                        break
                try:
                    n = count(parse(q))
                except QuerySyntaxError:
                    continue
                if n and not any(q in other and n == m for other, m in out.items()):
                    out[q] = n  # (a dropped character that only repeats a longer offer is none)
                if len(out) >= MAX_SUGGESTIONS:
                    return tuple(out.items())
    return tuple(out.items())
