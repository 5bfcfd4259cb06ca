"""The user's query text -> a parsed query (what the engine matches and ranks).

Syntax (everything else is literal text, never Whoosh syntax):
  营商环境 提案          both, anywhere in the paragraph (AND)
  "强理论 固根基"        an exact phrase (also “…”)
  营商环境 OR 新质生产力  either (营商环境 AND 提案: both, as without the AND)
  -北京  /  NOT 北京     without
  title:综述            in the article's title
An unquoted run of Chinese matches where it stands as written (营商环境 does not
match 营商 … 环境 apart): put spaces between words to require each anywhere.

Nothing a user pastes is an error (each leniency adds one sentence to `notices`):
- a quote mark without its partner is a character of the text (能“牛 finds 能“牛);
- a query of nothing but `-` terms looks for the text as typed, dash included (a pasted
  list item `-固守圆心筑同心`); `NOT 北京`, asked in words, excludes from everything;
- `title:` with nothing after it is the text `title:`;
- an AND, OR or NOT with nothing to join is ignored.
Only what cannot mean anything (empty quotes, an over-long query) raises QuerySyntaxError.
"""

from __future__ import annotations

import functools
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
        return _pattern(self.key)


@functools.lru_cache(maxsize=4096)
def _pattern(key: str) -> re.Pattern[str]:
    """A search key's pieces in order, with only spaces or punctuation between them (built
    once per key: tests of many paragraphs ask for it per paragraph)."""
    return re.compile(r"[\W_]*".join(re.escape(p) for p in key.split()))


@dataclass(frozen=True)
class ParsedQuery:
    """AND of OR-groups, minus the negated terms."""

    groups: tuple[tuple[Term, ...], ...]
    negated: tuple[Term, ...]
    notices: tuple[str, ...] = ()  # how a lenient reading differs from the syntax, one sentence each

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

    @property
    def native_keys(self) -> tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]:
        """The search keys of the OR-groups and of the negated terms: a plain query as a
        backend's own query takes it."""
        return tuple(tuple(t.key for t in g) for g in self.groups), tuple(t.key for t in self.negated)

    def matches(self, text_key: str, title_key: str) -> bool:
        """The exact test on a paragraph's search key and its title's."""

        def hit(t: Term) -> bool:
            key = title_key if t.in_title else text_key
            return t.pattern.search(key) is not None if t.spaced else t.key in key

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


# Stand-ins for quote marks that pair with nothing: private-use characters the tokenizer
# treats as word characters, put back in each term's text.
_LONE = {'"': "\ue000", "“": "\ue001", "”": "\ue002"}
_BACK = str.maketrans({v: k for k, v in _LONE.items()})


def _lone_quotes(text: str) -> tuple[str, int]:
    """The text with every quote mark that pairs with nothing made literal, and how many.

    ASCII quotes pair in order (an odd last one is alone); a “ pairs with the next ” after
    it, and a ” with no “ open before it is alone."""
    chars = list(text)
    lone = 0
    straight = [i for i, c in enumerate(chars) if c == '"']
    if len(straight) % 2:
        chars[straight[-1]] = _LONE['"']
        lone += 1
    opened: int | None = None
    for i, c in enumerate(chars):
        if c == "“":
            if opened is not None:  # “a “b”: the first one opens nothing
                chars[opened] = _LONE["“"]
                lone += 1
            opened = i
        elif c == "”":
            if opened is None:
                chars[i] = _LONE["”"]
                lone += 1
            else:
                opened = None
    if opened is not None:
        chars[opened] = _LONE["“"]
        lone += 1
    return "".join(chars), lone


def parse(text: str) -> ParsedQuery:
    """Parse the user's query leniently; raise QuerySyntaxError only for what cannot mean anything."""
    text = _clean_space(text or "")
    if len(text) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError(
            f"查询太长（{len(text)} 个字符），请缩短到 {MAX_QUERY_LENGTH} 个字符以内。"
        )
    notices: list[str] = []
    marked, lone = _lone_quotes(text)
    if lone:
        notices.append("引号没有配对，已把引号当作普通字符查找。")
    items: list[tuple[str, object]] = []  # ("term", (Term, negated, dashed)) / ("or" / "not" / "and", None)
    pos = 0
    while pos < len(marked):
        if marked[pos] == " ":
            pos += 1
            continue
        m = _TOKEN.match(marked, pos)
        if m is None:
            # a quote mark the pairing above let through (" and “” interleaved: `" “ a " ”`)
            # opens nothing the tokenizer can close: it is a character like the other lone ones
            marked = marked[:pos] + _LONE.get(marked[pos], marked[pos]) + marked[pos + 1 :]
            if not lone:
                notices.append("引号没有配对，已把引号当作普通字符查找。")
                lone = 1
            continue
        pos = m.end()
        word = m.group("word")
        quoted = m.group("q1") if m.group("q1") is not None else m.group("q2")
        if word in ("OR", "|") and not m.group("neg") and not m.group("field"):
            items.append(("or", None))
            continue
        if word == "NOT" and not m.group("neg") and not m.group("field"):
            items.append(("not", None))
            continue
        if word == "AND" and not m.group("neg") and not m.group("field"):
            items.append(("and", None))  # what two words side by side mean already
            continue
        raw = (quoted if quoted is not None else word).translate(_BACK)
        field = bool(m.group("field"))
        if quoted is not None and not raw.strip():
            raise QuerySyntaxError("引号里是空的：请在引号中写要查找的短语。")
        if quoted is None and re.fullmatch(r"title[:：]", raw, re.IGNORECASE):
            notices.append(f"“{raw}” 后面没有词，已把它当作普通文字查找。")  # `title:` alone is text
        raw = raw.strip()
        key = " ".join(p for p in search_key(raw).split())
        term = Term(raw, key, in_title=field, phrase=quoted is not None)
        items.append(("term", (term, bool(m.group("neg")), m.group(0))))
    # Stray punctuation beside real words is dropped (协商， 提案); a query of nothing
    # but punctuation or symbols (。 or %) looks for exactly that.
    if any(kind == "term" and is_searchable(v[0].key) for kind, v in items):  # type: ignore[index]
        items = [(k, v) for k, v in items if k != "term" or is_searchable(v[0].key)]  # type: ignore[index]
    return _assemble(items, notices)


def _literal(written: str) -> Term:
    """A `-term` as written, dash and all, as a term to find."""
    raw = written.translate(_BACK)
    return Term(raw, " ".join(search_key(raw).split()))


def _assemble(items: list[tuple[str, object]], notices: list[str]) -> ParsedQuery:
    groups: list[list[Term]] = []
    negated: list[Term] = []
    dashed: list[str] = []  # the negated terms as written with their dash
    asked_not = False
    pending_or = False
    pending_not = False
    pending_and = False
    for kind, value in items:
        if kind == "and":
            if not (groups or negated) or pending_or or pending_not or pending_and:
                notices.append("“AND” 两边都需要有词，多余的 AND 已忽略。")
            else:
                pending_and = True
            continue
        pending_and = False
        if kind == "or":
            if not groups or pending_or or pending_not:
                notices.append("“OR” 两边都需要有词，多余的 OR 已忽略。")
                continue
            pending_or = True
            continue
        if kind == "not":
            if pending_not:
                notices.append("连续的 “NOT” 只算一个。")
            pending_not = True
            continue
        term, neg, written = value  # type: ignore[misc]
        if neg or pending_not:
            if pending_or:
                notices.append("“OR” 后面不能是排除的词，该 OR 已忽略。")
                pending_or = False
            negated.append(term)
            if pending_not:
                asked_not = True
            else:
                dashed.append(written)
            pending_not = False
            continue
        if pending_or:
            groups[-1].append(term)
            pending_or = False
        else:
            groups.append([term])
    if pending_or:
        notices.append("“OR” 两边都需要有词，末尾的 OR 已忽略。")
    if pending_not:
        notices.append("“NOT” 后面需要跟一个词，末尾的 NOT 已忽略。")
    if pending_and:
        notices.append("“AND” 两边都需要有词，末尾的 AND 已忽略。")
    if not groups and negated and not asked_not:
        # Only `-` terms: a pasted line that starts with a dash, not "everything except".
        groups = [[_literal(w)] for w in dashed]
        negated = []
        notices.append("查询只有以 “-” 开头的词，已按原文（含 “-”）查找；要排除某词，请写 NOT 某词。")
    return ParsedQuery(tuple(tuple(g) for g in groups), tuple(negated), tuple(notices))
