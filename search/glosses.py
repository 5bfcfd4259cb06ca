"""Damage done to text on its way from print to the web: pinyin glosses such as 協(xié)商
left by reading aids, and CJK characters lost to `?` or U+FFFD in a wrong encoding.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from search.normalize import to_simplified

HAN_RANGE = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN = re.compile(f"[{HAN_RANGE}]")
LOST_MARK = "\u3013"  # 〓 GETA MARK: the typographers' sign for a missing character

# --- pinyin glosses ----------------------------------------------------------------------


@lru_cache(maxsize=1)
def pinyin_syllables() -> frozenset[str]:
    """Every toned (and neutral) pinyin syllable pypinyin knows, e.g. "xié", "dān", "me"."""
    # Imported here: pypinyin takes half a second to load, and readers never need it.
    from pypinyin.pinyin_dict import pinyin_dict

    return frozenset(s for value in pinyin_dict.values() for s in value.split(",") if s)


_PLAIN_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzü")
# Every letter a toned syllable can hold (Latin, with precomposed or combining tone marks):
# a text without "(" or "?" before a run of them and a ")" has no gloss, and is passed over
# without loading pypinyin or running the gloss pattern (which backtracks over every Han run).
GLOSS_LETTERS = "a-z\u00c0-\u024f\u0300-\u036f\u1e00-\u1eff"
_GLOSS_HINT = re.compile(f"[(（?][{GLOSS_LETTERS}]{{1,40}}[)）]")


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
    if not _GLOSS_HINT.search(text):
        return text, 0

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


# --- mojibake ----------------------------------------------------------------------------
# Text decoded with the wrong codec (UTF-8 read as GBK and back, a font's private glyphs)
# turns into runs of characters no report uses: Han characters outside GB 2312 even after
# Traditional -> Simplified (GB 2312 holds the 6,763 characters of ordinary printed
# Chinese), private-use and unassigned code points. A real line has at most a rare name
# or place character here and there; mojibake has them in runs.

MOJIBAKE_MIN_RARE = 3  # fewer rare characters is a name or a place, whatever the share
MOJIBAKE_LINE_SHARE = 0.3  # a line this rare is mojibake through and through: dropped
MOJIBAKE_RUN_SHARE = 0.5  # a stretch at least this rare inside a good line: replaced by 〓
MOJIBAKE_RUN_GAP = 3  # common characters allowed between two rare ones inside a run


@lru_cache(maxsize=65536)
def is_rare_character(ch: str) -> bool:
    """True for a character a report would not contain: private use, unassigned, a
    surrogate, or a Han character that is not in GB 2312 even in its Simplified form."""
    category = unicodedata.category(ch)
    if category in ("Co", "Cn", "Cs") or ch == LOST_MARK:
        return True
    if not HAN.match(ch):
        return False
    simple = to_simplified(ch)
    try:
        simple.encode("gb2312")
    except UnicodeEncodeError:
        return True
    return False


class _RareTable(dict):
    """str.translate table keeping only rare characters (decided once per character)."""

    def __missing__(self, code: int) -> str | None:
        ch = chr(code)
        value = ch if is_rare_character(ch) and ch != LOST_MARK else None
        self[code] = value
        return value


_RARE = _RareTable()


@lru_cache(maxsize=64)  # a line is asked whether it is mojibake, then for its mojibake runs
def rare_count(line: str) -> int:
    """How many characters of the line a report would not contain (〓 not counted)."""
    return len(line.translate(_RARE))


def _rare_positions(line: str) -> list[int]:
    return [i for i, ch in enumerate(line) if is_rare_character(ch)]


def is_mojibake_line(line: str) -> bool:
    """A line made mostly of characters no report contains (see is_rare_character)."""
    if rare_count(line) < MOJIBAKE_MIN_RARE:
        return False  # the common case, at C speed
    rare = [i for i in _rare_positions(line) if line[i] != LOST_MARK]
    letters = sum(1 for ch in line if not ch.isspace())
    return len(rare) >= MOJIBAKE_MIN_RARE and len(rare) >= MOJIBAKE_LINE_SHARE * letters


def mojibake_runs(line: str) -> list[tuple[int, int]]:
    """(start, end) of each dense run of rare characters inside a line."""
    runs: list[tuple[int, int]] = []
    if rare_count(line) < MOJIBAKE_MIN_RARE:
        return runs
    group: list[int] = []
    for i in [*_rare_positions(line), len(line) + MOJIBAKE_RUN_GAP + 1]:
        if group and i - group[-1] > MOJIBAKE_RUN_GAP + 1:
            start, end = group[0], group[-1] + 1
            real = [j for j in group if line[j] != LOST_MARK]
            if len(real) >= MOJIBAKE_MIN_RARE and len(group) >= MOJIBAKE_RUN_SHARE * (end - start):
                runs.append((start, end))
            group = []
        group.append(i)
    return runs


def replace_mojibake_runs(line: str) -> tuple[str, int]:
    """The line with each dense run of rare characters replaced by one 〓, and the count."""
    runs = mojibake_runs(line)
    for start, end in reversed(runs):
        line = line[:start] + LOST_MARK + line[end:]
    return line, len(runs)
