"""The user's query text -> a parsed query (what the engine matches and ranks).

Syntax (everything else is literal text, never Whoosh syntax):
  营商环境 提案          both, anywhere in the paragraph (AND)
  "强理论 固根基"        an exact phrase (also “…”)
  营商环境 OR 新质生产力  either
  -北京  /  NOT 北京     without
  title:综述            in the article's title
An unquoted run of Chinese matches where it stands as written (营商环境 does not
match 营商 … 环境 apart): put spaces between words to require each anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from search.analysis import is_searchable
from search.normalize import search_key

MAX_QUERY_LENGTH = 200

_TOKEN = re.compile(
    r"""(?P<neg>-)?(?P<field>title[:：])?(?:"(?P<q1>[^"]*)"|“(?P<q2>[^”]*)”|(?P<word>[^\s"“”]+))""",
    re.IGNORECASE,
)


class QuerySyntaxError(ValueError):
    """The query text could not be understood; the message says why, in a sentence."""


@dataclass(frozen=True)
class Term:
    """One thing to look for: its text as typed, its search key, and where."""

    text: str
    key: str
    in_title: bool = False
    phrase: bool = False

    @property
    def spaced(self) -> bool:
        """A quoted phrase with spaces: its pieces must follow each other, with only spaces
        or punctuation between them."""
        return " " in self.key

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile(r"[\W_]*".join(re.escape(p) for p in self.key.split()))


@dataclass(frozen=True)
class ParsedQuery:
    """AND of OR-groups, minus the negated terms."""

    groups: tuple[tuple[Term, ...], ...]
    negated: tuple[Term, ...]

    @property
    def is_empty(self) -> bool:
        return not self.groups and not self.negated

    @property
    def needs_verification(self) -> bool:
        """Whether the index only narrows the matches down (a quoted phrase with spaces)."""
        return any(t.spaced for t in self.terms)

    @property
    def terms(self) -> tuple[Term, ...]:
        """Every term, positive and negated."""
        return (*(t for g in self.groups for t in g), *self.negated)

    @property
    def plain(self) -> bool:
        """Every term is a body term without spaces: the whole match condition is exact
        substrings combined with AND/OR/NOT, which a backend can express on its own."""
        return all(not t.in_title and not t.spaced for t in self.terms)

    def matches(self, text_key: str, title_key: str) -> bool:
        """The exact test on a paragraph's search key and its title's."""

        def hit(t: Term) -> bool:
            return t.pattern.search(title_key if t.in_title else text_key) is not None

        return all(any(hit(t) for t in g) for g in self.groups) and not any(hit(t) for t in self.negated)

    def highlight_keys(self) -> tuple[str, ...]:
        """Search keys of the positive body terms, longest first, for snippets."""
        keys = {
            part
            for group in self.groups
            for t in group
            if not t.in_title
            for part in t.key.split()
        }
        return tuple(sorted(keys, key=lambda k: (-len(k), k)))


def _clean_space(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u3000", " ")).strip()


def parse(text: str) -> ParsedQuery:
    """Parse the user's query; raise QuerySyntaxError for what cannot be understood."""
    text = _clean_space(text or "")
    if len(text) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError(
            f"查询太长（{len(text)} 个字符），请缩短到 {MAX_QUERY_LENGTH} 个字符以内。"
        )
    if text.count('"') % 2 or text.count("“") != text.count("”"):
        raise QuerySyntaxError(f"引号没有配对：{text!r}。请补上另一半引号，或去掉引号。")
    items: list[tuple[str, object]] = []  # ("term", (Term, negated)) / ("or", None) / ("not", None)
    pos = 0
    while pos < len(text):
        if text[pos] == " ":
            pos += 1
            continue
        m = _TOKEN.match(text, pos)
        if not m:  # a quote that opens nothing here (”协商“)
            raise QuerySyntaxError(f"无法理解查询中位置 {pos + 1} 处的内容：{text[pos:]!r}。")
        pos = m.end()
        word = m.group("word")
        quoted = m.group("q1") if m.group("q1") is not None else m.group("q2")
        if word in ("OR", "|") and not m.group("neg") and not m.group("field"):
            items.append(("or", None))
            continue
        if word == "NOT" and not m.group("neg") and not m.group("field"):
            items.append(("not", None))
            continue
        raw = quoted if quoted is not None else word
        if raw is None or not raw.strip() or re.fullmatch(r"title[:：]", raw, re.IGNORECASE):
            if quoted is not None and not m.group("field"):
                raise QuerySyntaxError("引号里是空的：请在引号中写要查找的短语。")
            raise QuerySyntaxError("“title:” 后面需要跟要在标题中查找的词，例如 title:综述。")
        raw = raw.strip()
        key = " ".join(p for p in search_key(raw).split())
        term = Term(raw, key, in_title=bool(m.group("field")), phrase=quoted is not None)
        items.append(("term", (term, bool(m.group("neg")))))
    # Stray punctuation beside real words is dropped (协商， 提案); a query of nothing
    # but punctuation or symbols (。 or %) looks for exactly that.
    if any(kind == "term" and is_searchable(v[0].key) for kind, v in items):  # type: ignore[index]
        items = [(k, v) for k, v in items if k != "term" or is_searchable(v[0].key)]  # type: ignore[index]
    return _assemble(items, text)


def _assemble(items: list[tuple[str, object]], text: str) -> ParsedQuery:
    groups: list[list[Term]] = []
    negated: list[Term] = []
    pending_or = False
    pending_not = False
    for kind, value in items:
        if kind == "or":
            if not groups or pending_or or pending_not:
                raise QuerySyntaxError(f"“OR” 两边都需要有词，例如 营商环境 OR 新质生产力：{text!r}。")
            pending_or = True
            continue
        if kind == "not":
            if pending_not:
                raise QuerySyntaxError(f"“NOT” 后面需要跟一个词：{text!r}。")
            pending_not = True
            continue
        term, neg = value  # type: ignore[misc]
        if neg or pending_not:
            if pending_or:
                raise QuerySyntaxError(f"“OR” 后面不能是排除的词：{text!r}。")
            negated.append(term)
            pending_not = False
            continue
        if pending_or:
            groups[-1].append(term)
            pending_or = False
        else:
            groups.append([term])
    if pending_or:
        raise QuerySyntaxError(f"“OR” 两边都需要有词，例如 营商环境 OR 新质生产力：{text!r}。")
    if pending_not:
        raise QuerySyntaxError(f"“NOT” 后面需要跟一个词：{text!r}。")
    return ParsedQuery(tuple(tuple(g) for g in groups), tuple(negated))
