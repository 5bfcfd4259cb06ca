"""The search key: one folded form of the text that index and query share.

The key has exactly the length of the original text, character for character, so
a match found at key[i:j] is the original text[i:j]: highlights are computed on the
key and drawn on the stored original.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache, lru_cache

import numpy as np
import opencc

# OpenCC's t2s leaves Taiwan-style forms alone (FINDINGS, trap 7); fold them after it.
_PHRASE_FIXES = (("甚么", "什么"),)
_CHAR_FIXES = str.maketrans({"著": "着", "衞": "卫", "祇": "只", "眾": "众"})


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    """NFKC and lower case of one character, kept only where it stays one character."""
    if ch.isascii():
        return ch.lower()
    if unicodedata.decomposition(ch).startswith("<circle>"):
        return ch  # ① is a list marker, not the digit 1: `①` must find ①, not every 1
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) != 1:
        # ⑴, ⒈, ㈠, … would grow: keep them as they are so offsets stay true.
        return ch
    return folded.lower() if len(folded.lower()) == 1 else folded


class _FoldTable(dict):
    """str.translate table that folds each character once, on first sight (C speed after)."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        self[code] = folded
        return folded


_FOLD = _FoldTable()


def _t2s(text: str) -> str:
    converted = _converter().convert(text)
    if len(converted) == len(text):
        return converted
    # A phrase rule changed the length: convert character by character instead.
    out = []
    for ch in text:
        c = _converter().convert(ch)
        out.append(c if len(c) == 1 else ch)
    return "".join(out)


def search_key(text: str) -> str:
    """Fold text for matching: NFKC, lower case, Traditional -> Simplified. Same length as text.

    Enclosed numerals (①, ⑩, ⑴, ⒈, ㊀) stay as written."""
    if not text:
        return text
    folded = text.translate(_FOLD)
    key = _t2s(folded)
    for old, new in _PHRASE_FIXES:
        key = key.replace(old, new)
    key = key.translate(_CHAR_FIXES)
    assert len(key) == len(text), "search_key must preserve length"
    return key


# PDF extraction splits words with spaces ("委员工 作室", "中共武威 市委"): join Han across them.
_HAN_GAP = re.compile(r"(?<=[\u3400-\u9fff])[ \t\u3000]+(?=[\u3400-\u9fff])")


def to_simplified(text: str) -> str:
    """OpenCC t2s, with the converter the search key uses (may change the length)."""
    return _converter().convert(text)


@lru_cache(maxsize=4096)  # region, date, type and theme rules each ask for the same paragraphs
def match_key(text: str) -> str:
    """The form keywords and place names are matched against: NFKC, Simplified, spaces
    between Han characters closed. Unlike search_key it may change the length."""
    return _HAN_GAP.sub("", to_simplified(unicodedata.normalize("NFKC", text)))


@cache
def _bmp_table(test: Callable[[str], bool]) -> np.ndarray:
    """test(ch) of every Basic Multilingual Plane character (a few ms, once per test)."""
    return np.fromiter((test(chr(c)) for c in range(0x10000)), dtype=bool, count=0x10000)


def char_flags(codes: np.ndarray, test: Callable[[str], bool]) -> np.ndarray:
    """test(chr(c)) for each code point of `codes` (uint32, as from a UTF-32 encoding):
    looked up in a table of the BMP; beyond it (rare) asked one by one. `test` must be a
    module-level function: its table is kept for the life of the process."""
    out = np.zeros(len(codes), dtype=bool)
    bmp = codes < 0x10000
    out[bmp] = _bmp_table(test)[codes[bmp]]
    for i in np.flatnonzero(~bmp).tolist():
        out[i] = test(chr(int(codes[i])))
    return out
