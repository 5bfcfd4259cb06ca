"""Word segmentation with jieba's algorithm and dictionary.

rjieba (the jieba-rs binding) cuts exactly like jieba 0.42.1 and is ~20x faster
(FINDINGS); pure-Python jieba is the fallback when rjieba cannot be imported.
Both get the domain user dictionary in search/data/userdict.txt. Text handed in
here is already the search key (search.normalize), so the dictionary is Simplified.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from search.settings import Settings


@dataclass(frozen=True)
class Word:
    """A word cut from the text, with its character offsets."""

    text: str
    start: int
    end: int


def user_dictionary() -> list[tuple[str, int | None, str | None]]:
    """The entries of the packaged user dictionary: (word, freq or None, tag or None)."""
    entries = []
    path = resources.files("search") / "data" / "userdict.txt"
    if not path.is_file():
        return entries
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tag = parts[2] if len(parts) > 2 else None
        entries.append((parts[0], freq, tag))
    return entries


class _Rjieba:
    name = "rjieba"

    def __init__(self) -> None:
        import rjieba

        self._jieba = rjieba.Jieba()
        for word, freq, tag in user_dictionary():
            # rjieba needs a frequency; suggest_freq gives the one that keeps the word whole.
            f = freq if freq is not None else self._jieba.suggest_freq(word)
            self._jieba.add_word(word, f, tag)

    def tokenize(self, text: str, search: bool, *, hmm: bool = True) -> list[tuple[str, int, int]]:
        """(word, start, end) of text; `hmm=False`: dictionary words only (jieba's HMM
        otherwise joins unknown characters into words such as 稳之稳)."""
        return self._jieba.tokenize(text, "search" if search else "default", hmm)


class _Jieba:
    name = "jieba"

    def __init__(self) -> None:
        import jieba

        tk = jieba.Tokenizer()
        # jieba caches a 9 MB prefix dictionary in the system temp folder unless told (FINDINGS).
        cache = Settings.from_env().cache_dir / "jieba"
        cache.mkdir(parents=True, exist_ok=True)
        tk.tmp_dir = str(cache)
        for word, freq, tag in user_dictionary():
            tk.add_word(word, freq, tag)
        self._jieba = tk

    def tokenize(self, text: str, search: bool, *, hmm: bool = True) -> list[tuple[str, int, int]]:
        return list(self._jieba.tokenize(text, mode="search" if search else "default", HMM=hmm))


def segmenter(prefer: str = "rjieba") -> _Rjieba | _Jieba:
    """The shared segmenter: rjieba unless it is missing or `prefer` is "jieba"."""
    return _segmenter(prefer)  # one cache key whether or not `prefer` was given


@lru_cache(maxsize=2)
def _segmenter(prefer: str) -> _Rjieba | _Jieba:
    if prefer == "rjieba":
        try:
            return _Rjieba()
        except ImportError:
            pass
    return _Jieba()


def cut(text: str, *, backend: str = "rjieba") -> list[Word]:
    """Tokens of text in jieba's default (accurate) mode, punctuation and spaces included.

    The tokens tile the text, so a caller that numbers them keeps gaps where the
    text has punctuation or spaces between two words.
    """
    return [Word(w, s, e) for w, s, e in segmenter(backend).tokenize(text, False)]


def cut_with_parts(text: str, *, backend: str = "rjieba") -> Iterator[tuple[Word, list[Word]]]:
    """Each default-mode word with the shorter dictionary words inside it (jieba's search mode).

    Search mode on the whole text can also emit words that straddle two default-mode
    words; cutting each word on its own keeps every sub-word inside its parent, so it
    can share the parent's position in the index.
    """
    for w in cut(text, backend=backend):
        yield w, [Word(p, w.start + s, w.start + e) for p, s, e in parts_of(w.text, backend=backend)]


@lru_cache(maxsize=500_000)
def parts_of(word: str, *, backend: str = "rjieba") -> tuple[tuple[str, int, int], ...]:
    """The shorter dictionary words inside one word (jieba's search mode), with their offsets
    in it; remembered, since the same words come back in every paragraph."""
    if len(word) <= 2:
        return ()
    return tuple((p, s, e) for p, s, e in segmenter(backend).tokenize(word, True) if e - s < len(word))
