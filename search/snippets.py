"""Chinese-aware snippets and <mark> highlighting.

Matches are found on the search key (search.normalize), which has the text's
length, and drawn on the original text: a traditional paragraph found by a
simplified query shows its own characters highlighted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from search.glosses import LOST_MARK
from search.normalize import search_key

SNIPPET_CHARS = 160
# 〓 stands for a character lost on the way to us; shown as a placeholder that says so
LOST_HTML = f'<span class="lost" title="原文此处字符缺失">{LOST_MARK}</span>'


def escape_text(text: str) -> str:
    """Text as HTML: everything escaped, each lost character (〓) as a labelled placeholder."""
    return escape(text).replace(LOST_MARK, LOST_HTML)

_SENTENCE_END = re.compile(r"[。！？；!?;]+[”’」』\"')）]*")


def match_spans(text: str, keys: Sequence[str], key_text: str | None = None) -> list[tuple[int, int]]:
    """Sorted, merged (start, end) spans of every occurrence of any key in text.

    `key_text` is the text's search key when the caller has it (the index stores it)."""
    if not text or not keys:
        return []
    if key_text is None or len(key_text) != len(text):
        key_text = search_key(text)
    spans = []
    for k in keys:
        if not k:
            continue
        start = key_text.find(k)
        while start != -1:
            spans.append((start, start + len(k)))
            start = key_text.find(k, start + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def mark(text: str, spans: Sequence[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    """text[start:end] as HTML: spans in <mark>, everything escaped, 〓 as a placeholder."""
    pieces = _pieces(text, spans, start, len(text) if end is None else end)
    if _OPEN in text or _CLOSE in text:  # the text itself holds a sentinel: piece by piece
        return "".join(f"<mark>{escape_text(p)}</mark>" if m else escape_text(p) for p, m in pieces)
    joined = "".join(f"{_OPEN}{p}{_CLOSE}" if m else p for p, m in pieces)
    return escape_text(joined).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")


# Stand for <mark> and </mark> while the text around them is escaped in one go.
_OPEN, _CLOSE = "\ue000", "\ue001"


def _pieces(text: str, spans: Sequence[tuple[int, int]], start: int, end: int) -> list[tuple[str, bool]]:
    """text[start:end] cut at the spans: (piece, is a match) in order."""
    out = []
    pos = start
    for s, e in spans:
        s, e = max(s, start), min(e, end)
        if s >= e:
            continue
        out.append((text[pos:s], False))
        out.append((text[s:e], True))
        pos = e
    out.append((text[pos:end], False))
    return out


def highlight(text: str, keys: Sequence[str], key_text: str | None = None) -> str:
    """The whole text as HTML with every match in <mark>."""
    return mark(text, match_spans(text, keys, key_text))


def _sentences(text: str) -> list[tuple[int, int]]:
    bounds = []
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        bounds.append((pos, m.end()))
        pos = m.end()
    if pos < len(text):
        bounds.append((pos, len(text)))
    return bounds


def snippet(text: str, keys: Sequence[str], max_chars: int = SNIPPET_CHARS, key_text: str | None = None) -> str:
    """The best sentence(s) of text for the keys, as HTML with the matches in <mark>.

    The best sentence holds the most distinct keys, then the most matches; the
    following sentences are added while they fit. A sentence longer than max_chars
    is cut to a window around its first match. Without matches: the opening.
    When a key the paragraph holds is not in that passage (营商环境 … far on … 提案), a
    second passage, the sentence that holds it, is shown beside the first ("…"): the
    reader sees why the paragraph matched. Both together stay within max_chars.
    """
    if not keys:
        key_text = text  # nothing to find: no need to fold the text
    elif key_text is None or len(key_text) != len(text):
        key_text = search_key(text)
    spans = match_spans(text, keys, key_text)
    if len(text) <= max_chars:
        return mark(text, spans)
    sentences = _sentences(text)

    def inside(s: int, e: int) -> list[str]:
        """The matched keys within text[s:e], one per match."""
        return [key_text[a:z] for a, z in spans if s <= a and z <= e]

    def score(b: tuple[int, int]) -> tuple[int, int, int]:
        found = inside(*b)
        return (len(set(found)), len(found), -b[0])

    best = max(range(len(sentences)), key=lambda i: score(sentences[i])) if spans else 0
    start, end = _passage(sentences, best, spans, max_chars)
    missing = set(inside(0, len(text))) - set(inside(start, end))
    if missing:
        def holds(i: int) -> tuple[int, int]:
            return (len(set(inside(*sentences[i])) & missing), -sentences[i][0])

        other = max((i for i in range(len(sentences)) if i != best), key=holds, default=None)
        if other is not None and holds(other)[0]:
            half = max_chars // 2
            two = sorted([_passage(sentences, best, spans, half), _passage(sentences, other, spans, half, missing, key_text)])
            if two[0][1] < two[1][0]:  # apart: two passages; else the first one was enough
                return _shown(text, spans, two)
    return _shown(text, spans, [(start, end)])


def _passage(
    sentences: Sequence[tuple[int, int]],
    i: int,
    spans: Sequence[tuple[int, int]],
    max_chars: int,
    wanted: set[str] | None = None,
    key_text: str = "",
) -> tuple[int, int]:
    """Sentence i and those after it that fit in max_chars; cut to a window around its
    first match (of a `wanted` key, when given) where it alone is longer."""
    start, end = sentences[i]
    j = i + 1
    while j < len(sentences) and sentences[j][1] - start <= max_chars:
        end = sentences[j][1]
        j += 1
    if end - start > max_chars:
        inside = [s for s, e in spans if start <= s < end and (wanted is None or key_text[s:e] in wanted)]
        first = inside[0] if inside else start
        start = max(start, min(first - max_chars // 4, end - max_chars))
        end = min(end, start + max_chars)
        # never cut through a highlighted match
        for s, e in spans:
            if s < start < e:
                start = s
            if s < end < e:
                end = e
    return start, end


def _shown(text: str, spans: Sequence[tuple[int, int]], passages: Sequence[tuple[int, int]]) -> str:
    """The passages (start, end) of text, in order, as HTML, with … where text was cut."""
    lead = "…" if passages[0][0] > 0 else ""
    tail = "…" if passages[-1][1] < len(text) else ""
    return lead + "…".join(mark(text, spans, s, e).strip() for s, e in passages) + tail
