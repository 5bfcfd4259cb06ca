"""Whoosh analyzers built on search.segment and search.normalize.

These classes are pickled into the index with the schema: keep them at this
import path. jieba's own ChineseAnalyzer sets token.pos to a character offset,
which breaks phrase search (FINDINGS, trap 1); here every word gets one position,
and search-mode sub-words share their parent's position.
"""

from __future__ import annotations

from collections.abc import Iterator

from whoosh.analysis import Token, Tokenizer

from search.normalize import search_key
from search.segment import cut, cut_with_parts


def is_searchable(word: str) -> bool:
    """Words with at least one letter or digit; punctuation alone is never indexed."""
    return any(ch.isalnum() for ch in word)


def char_grams(key: str) -> Iterator[tuple[int, str]]:
    """(position, gram) pairs: the bigram starting at each character, or the character
    alone where it ends a run. Whitespace is skipped but keeps its position, so a phrase
    of grams matches exactly where the key holds the substring."""
    n = len(key)
    for i, ch in enumerate(key):
        if ch.isspace():
            continue
        if i + 1 < n and not key[i + 1].isspace():
            yield i, key[i : i + 2]
        else:
            yield i, ch


class _KeyTokenizer(Tokenizer):
    """A tokenizer over the search key of the value; subclasses say which pieces it yields.

    Whoosh passes the same keyword arguments to every tokenizer; this class turns the
    pieces of `pieces` into the one reused Token, with positions and character offsets
    (offsets into the key are offsets into the value: the key keeps its length).
    """

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))

    def pieces(self, key: str, mode: str) -> Iterator[tuple[str, int, int, int]]:
        """(text, position, start, end) of each token of the key."""
        raise NotImplementedError

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        key = search_key(value)
        pieces = self.pieces(key, mode) if tokenize else iter([(key, 0, 0, len(key))])
        for text, pos, start, end in pieces:
            t.text = text
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = value[start:end]
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar, t.endchar = start_char + start, start_char + end
            yield t


class ChineseWordTokenizer(_KeyTokenizer):
    """Words of the search key: one position per word; in index mode, sub-words too."""

    def pieces(self, key: str, mode: str) -> Iterator[tuple[str, int, int, int]]:
        words = cut_with_parts(key) if mode == "index" else ((w, ()) for w in cut(key))
        # Punctuation and spaces take a position without a token, so that words on
        # either side of them are not adjacent for phrase queries.
        for pos, (word, parts) in enumerate(words):
            for w in (word, *parts):
                if is_searchable(w.text):
                    yield w.text, pos, w.start, w.end


class CharGramTokenizer(_KeyTokenizer):
    """Character bigrams of the search key at character positions (see char_grams)."""

    def pieces(self, key: str, mode: str) -> Iterator[tuple[str, int, int, int]]:
        for i, gram in char_grams(key):
            yield gram, i, i, i + len(gram)


class CharTokenizer(_KeyTokenizer):
    """Every distinct character of the search key but spaces, for single-character queries."""

    def pieces(self, key: str, mode: str) -> Iterator[tuple[str, int, int, int]]:
        # Each character once: the field answers "does it occur", nothing more.
        seen: set[str] = set()
        for i, ch in enumerate(key):
            if not ch.isspace() and ch not in seen:
                seen.add(ch)
                yield ch, i, i, i + 1


def char_analyzer() -> CharTokenizer:
    """The analyzer of the single-character field."""
    return CharTokenizer()


def word_analyzer() -> ChineseWordTokenizer:
    """The analyzer of the text and title fields."""
    return ChineseWordTokenizer()


def gram_analyzer() -> CharGramTokenizer:
    """The analyzer of the character-gram fields."""
    return CharGramTokenizer()
