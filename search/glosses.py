"""Damage done to text on its way from print to the web: pinyin glosses such as 協(xié)商
left by reading aids, and CJK characters lost to `?` or U+FFFD in a wrong encoding.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin.pinyin_dict import pinyin_dict

HAN_RANGE = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN = re.compile(f"[{HAN_RANGE}]")
LOST_MARK = "\u3013"  # 〓 GETA MARK: the typographers' sign for a missing character

# --- pinyin glosses ----------------------------------------------------------------------


@lru_cache(maxsize=1)
def pinyin_syllables() -> frozenset[str]:
    """Every toned (and neutral) pinyin syllable pypinyin knows, e.g. "xié", "dān", "me"."""
    return frozenset(s for value in pinyin_dict.values() for s in value.split(",") if s)


_PLAIN_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzü")


@lru_cache(maxsize=1)
def _gloss_pattern() -> re.Pattern[str]:
    letters = "".join(sorted({c for s in pinyin_syllables() for c in s}))
    # the run of CJK (or lost) characters before the gloss, then "(" -- or a "?" that swallowed
    # the "(" together with a lost character -- then the letters and ")"
    return re.compile(
        f"(?P<run>[{HAN_RANGE}?\ufffd]+)(?:[(（]|(?<=[{HAN_RANGE}])\\?)(?P<py>[{letters}]{{1,40}})[)）]"
    )


def split_pinyin(word: str) -> list[str] | None:
    """Split a word wholly into pinyin syllables (fewest pieces), or None if it cannot be."""
    syllables = pinyin_syllables()
    best: list[list[str] | None] = [None] * (len(word) + 1)
    best[0] = []
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 7), end):
            head = best[start]
            if head is not None and word[start:end] in syllables:
                if best[end] is None or len(head) + 1 < len(best[end]):  # type: ignore[arg-type]
                    best[end] = [*head, word[start:end]]
    return best[-1]


def _is_gloss(run: str, letters: str) -> bool:
    if not any(c not in _PLAIN_LETTERS for c in letters):
        return False  # no tone mark: (ab), (bei) ... could be anything
    pieces = split_pinyin(letters)
    return pieces is not None and len(pieces) <= len(HAN.findall(run))


def remove_pinyin_glosses(text: str) -> tuple[str, int]:
    """Remove pinyin glosses like 協(xié)商 or ?lián) and say how many went."""
    removed = 0

    def replace(m: re.Match[str]) -> str:
        nonlocal removed
        if not _is_gloss(m["run"], m["py"]):
            return m[0]
        removed += 1
        return m["run"]

    return _gloss_pattern().sub(replace, text), removed


# --- lost characters ---------------------------------------------------------------------

_LOST_RUN = re.compile("[?\ufffd]+")
_IMPOSSIBLE_QUESTION = re.compile(f"[{HAN_RANGE}]\\?+[,，、。;；:：]")


def mark_lost_characters(text: str, *, damaged: bool = False) -> str:
    """Replace `?`/U+FFFD standing for a lost CJK character with 〓.

    U+FFFD next to a Han character always is one. A `?` is one when it cannot be a question
    mark (followed by a comma or full stop), or, in a text known to be damaged (glosses or
    replacement characters found), whenever it touches a Han character. Latin `?` stays.
    """
    damaged = damaged or "\ufffd" in text or bool(_IMPOSSIBLE_QUESTION.search(text))

    def replace(m: re.Match[str]) -> str:
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end()] if m.end() < len(text) else ""
        touches = bool(HAN.match(before) or HAN.match(after))
        run = m[0]
        if not touches:
            return run
        if "\ufffd" in run or damaged or (after and after in ",，、。;；:："):
            return LOST_MARK * len(run)
        return run

    return _LOST_RUN.sub(replace, text)
