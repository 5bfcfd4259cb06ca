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


class ChineseWordTokenizer(Tokenizer):
    """Words of the search key: one position per word; in index mode, sub-words too."""

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))

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
        if not tokenize:
            t.original = t.text = key
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        pos = start_pos
        with_parts = mode == "index"
        for word, parts in cut_with_parts(key) if with_parts else ((w, ()) for w in cut(key)):
            # Punctuation and spaces take a position without a token, so that words on
            # either side of them are not adjacent for phrase queries.
            for w in (word, *parts):
                if not is_searchable(w.text):
                    continue
                t.text = w.text
                t.boost = 1.0
                t.stopped = False
                if keeporiginal:
                    t.original = value[w.start : w.end]
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar, t.endchar = start_char + w.start, start_char + w.end
                yield t
            pos += 1


class CharGramTokenizer(Tokenizer):
    """Character bigrams of the search key at character positions (see char_grams)."""

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))

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
        for i, gram in char_grams(key):
            t.text = gram
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = value[i : i + len(gram)]
            if positions:
                t.pos = start_pos + i
            if chars:
                t.startchar, t.endchar = start_char + i, start_char + i + len(gram)
            yield t


class CharTokenizer(Tokenizer):
    """Every character of the search key but spaces, for single-character queries."""

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))

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
        # Each distinct character once: the field answers "does it occur", nothing more.
        for ch in dict.fromkeys(search_key(value)):
            if ch.isspace():
                continue
            t.text = ch
            t.boost = 1.0
            t.stopped = False
            yield t


def char_analyzer() -> CharTokenizer:
    """The analyzer of the single-character field."""
    return CharTokenizer()


def word_analyzer() -> ChineseWordTokenizer:
    """The analyzer of the text and title fields."""
    return ChineseWordTokenizer()


def gram_analyzer() -> CharGramTokenizer:
    """The analyzer of the character-gram fields."""
    return CharGramTokenizer()
