"""What the index is made of, computed once per paragraph and handed to every backend.

Three kinds of tokens, all taken from the search key (search.normalize), so that
Traditional and Simplified text give the same tokens:

- words: jieba's search-mode cut (a word and its sub-words), for ranking;
- grams: the character bigram starting at each character, for exact-substring
  matching (a string of n >= 2 characters occurs where its n-1 grams follow each other);
- chars: every distinct character, for one-character queries.

No backend is imported here: Whoosh and tantivy index the same tokens.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from search.segment import cut, cut_with_parts, parts_of, segmenter

# Stands for a space in the gram sequence of a backend that numbers tokens one by one:
# a space keeps its position, so grams on either side of it are never adjacent.
GAP = "\x1f"


def is_searchable(word: str) -> bool:
    """Words with at least one letter or digit; punctuation alone is never indexed."""
    return word.isalnum() or any(ch.isalnum() for ch in word)


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


_SPACE = re.compile(r"\s")


def gram_sequence(key: str) -> list[str]:
    """One token per character of the key: its gram, or GAP for a space (see char_grams)."""
    if not key:
        return []
    if not _SPACE.search(key):  # the common case, at C speed
        return [key[i : i + 2] for i in range(len(key) - 1)] + [key[-1]]
    seq = [GAP] * len(key)
    for i, gram in char_grams(key):
        seq[i] = gram
    return seq


def gram_set(key: str) -> set[str]:
    """The distinct grams of a key."""
    if key and not _SPACE.search(key):
        grams = {key[i : i + 2] for i in range(len(key) - 1)}
        grams.add(key[-1])
        return grams
    grams = set(gram_sequence(key))
    grams.discard(GAP)
    return grams


def char_set(key: str) -> set[str]:
    """The distinct characters of a key but whitespace."""
    chars = set(key)
    if _SPACE.search(key):
        chars = {ch for ch in chars if not ch.isspace()}
    return chars


def piece_grams(piece: str) -> list[tuple[int, str]]:
    """The (offset, gram) pairs that pin a piece (no spaces, >= 2 characters) down exactly:
    non-overlapping bigrams from the start, plus the last one, at their offsets."""
    n = len(piece)
    out = [(i, piece[i : i + 2]) for i in range(0, n - 1, 2)]
    if n % 2 == 1:
        out.append((n - 2, piece[n - 2 :]))
    return out


def index_words(key: str) -> list[str]:
    """The searchable words of a key, each followed by its sub-words (search mode).

    Each default-mode word is cut again on its own, so sub-words never straddle two
    words (as search mode on the whole text can)."""
    out: list[str] = []
    extend = out.extend
    for word, _, _ in segmenter().tokenize(key, False):
        extend(_word_forms(word))
    return out


@lru_cache(maxsize=500_000)
def _word_forms(word: str) -> tuple[str, ...]:
    """What index_words keeps of one default-mode word: itself if searchable, then its
    searchable sub-words; remembered, since the same words come back in every paragraph."""
    if len(word) == 1:
        return (word,) if word.isalnum() else ()
    own = (word,) if word.isalnum() or is_searchable(word) else ()
    if len(word) > 2:
        return own + tuple(p for p, _, _ in parts_of(word) if p.isalnum() or is_searchable(p))
    return own


MAX_WORD = 8  # longest substring of a query piece looked up as a word of the index


def query_words(piece: str, known: Callable[[str], bool] | None = None) -> list[str]:
    """The distinct words that rank a query piece.

    With `known` (is this a word of the index?): the piece and each of its substrings of
    2..MAX_WORD characters that the index holds as a word, longest first, so that
    民主监督 also ranks paragraphs that hold 民主监督员 (indexed as 民主 / 监督员 / 监督);
    the query needs no segmenter at all, and only words that can score are asked for.
    Without it: jieba's search-mode cut of the piece.
    """
    if known is not None:
        n = len(piece)
        if n == 1:
            return [piece] if known(piece) else []
        out = [piece] if n > MAX_WORD and known(piece) else []
        for size in range(min(n, MAX_WORD), 1, -1):
            for i in range(n - size + 1):
                w = piece[i : i + size]
                if w not in out and is_searchable(w) and known(w):
                    out.append(w)
        return out
    words: dict[str, None] = {}
    for word, parts in cut_with_parts(piece):
        for w in (word, *parts):
            if is_searchable(w.text):
                words[w.text] = None
    if not words:
        words = {w.text: None for w in cut(piece) if is_searchable(w.text)}
    return list(words)


@dataclass(frozen=True)
class DocTokens:
    """The tokens of one paragraph, with its number in the generation."""

    docnum: int
    key: str
    words: tuple[str, ...]
    title_words: tuple[str, ...]
    file: str
