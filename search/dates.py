"""Chinese date language: dates written in Chinese numerals, datelines, numbered sessions.

`arabic_dates` rewrites "二〇一二年一月六日" as "2012年1月6日" (and "2 0 1 9 年" as "2019年")
so the year and date patterns elsewhere see one spelling.  `find_dates` lists the dates of a
text; `dateline_date` finds the delivery date in the lines under a title
("——2026年1月26日在广东省第十四届人民代表大会第五次会议上", "（2007年1月30日）",
"（2025年3月11日第十四届全国人民代表大会第三次会议通过）").  `session_year` turns a numbered
national session into its year: "第十届全国人民代表大会第五次会议" -> 2007,
"中国共产党第二十次全国代表大会" and "(二十大)" -> 2022.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from search.normalize import match_key

_DIGIT = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "0": 0}
_DIGIT.update({c: i for i, c in enumerate("一二三四五六七八九", start=1)})
_CN = "〇○零Ｏ一二三四五六七八九"
_CN_YEAR = re.compile(f"([{_CN}O0]{{4}})\\s*年")
_CN_SMALL = "(?:[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])"
_CN_MONTH_DAY = re.compile(
    f"(?<=\\d年)\\s*({_CN_SMALL})\\s*月(?:\\s*({_CN_SMALL})\\s*日)?"
)
_SPACED_YEAR = re.compile(r"(?<!\d)([12])\s([0-9])\s([0-9])\s([0-9])\s*年")

DATE = re.compile(
    r"(?<!\d)((?:19|20)\d\d)\s*年\s*(?:(\d{1,2})\s*月\s*(?:(\d{1,2})\s*日)?)?"
    r"|(?<!\d)((?:19|20)\d\d)[-./](\d{1,2})[-./](\d{1,2})(?!\d)"
)
# A date that says when the text was delivered: under the title, before "在…会议上" or
# "…会议通过", or alone in brackets.
_DELIVERY_CONTEXT = re.compile(r"^\s*(?:在|.{0,40}(?:会议|大会)(?:上|通过|审议))")
_OPEN_BRACKET = re.compile(r"[（(]\s*$")
# After a bracketed date: the speaker's name at most ("（2015年1月19日 史翔）").
_CLOSE_BRACKET = re.compile(r"^\s*[\u3400-\u9fff·•]{0,12}\s*[)）]")


def small_number(text: str) -> int:
    """Chinese numerals up to 99 ("二十七" -> 27, "十" -> 10) or ASCII digits."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_DIGIT[tens] if tens else 1) * 10 + (_DIGIT[ones] if ones else 0)
    return _DIGIT.get(text, 0)


def arabic_dates(text: str) -> str:
    """Years, months and days in Chinese numerals (or spaced-out digits) as Arabic digits."""
    text = _SPACED_YEAR.sub(lambda m: "".join(m.groups()) + "年", text)
    text = _CN_YEAR.sub(lambda m: "".join(str(_DIGIT[c]) for c in m.group(1)) + "年", text)

    def month_day(m: re.Match[str]) -> str:
        day = f"{small_number(m.group(2))}日" if m.group(2) else ""
        return f"{small_number(m.group(1))}月{day}"

    return _CN_MONTH_DAY.sub(month_day, text)


@dataclass(frozen=True)
class DateMention:
    """A year, with month and day when given, and where it stands in the (rewritten) text."""

    year: int
    month: int | None
    day: int | None
    start: int
    end: int

    def iso(self) -> str:
        """"2026-01-27" for a full date, else "2026"."""
        if self.month and self.day and 1 <= self.month <= 12 and 1 <= self.day <= 31:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        return f"{self.year:04d}"


def find_dates(text: str) -> tuple[str, list[DateMention]]:
    """The text with its dates in Arabic digits (NFKC-folded), and every date in it."""
    text = arabic_dates(match_key(text))
    out = []
    for m in DATE.finditer(text):
        if m.group(1):
            year, month, day = m.group(1), m.group(2), m.group(3)
        else:
            year, month, day = m.group(4), m.group(5), m.group(6)
        out.append(
            DateMention(int(year), int(month) if month else None, int(day) if day else None, m.start(), m.end())
        )
    return text, out


def dateline_date(lines: list[str]) -> DateMention | None:
    """The delivery date in a title's dateline lines, or None.

    A date counts when the line is short and the date is followed by the meeting
    ("2026年1月26日在…会议上", "…会议通过"; a wrapped dateline may stop after "在广东省第十四届")
    or stands in brackets, alone or with the speaker ("（2007年1月30日）", "（2015年1月19日 史翔）").
    """
    for line in lines:
        text, dates = find_dates(line.strip().lstrip("—-－―─ ").strip())
        if len(text) > 90 or "。" in text:
            continue
        for d in dates:
            if d.month is None:
                continue
            after = text[d.end :]
            before = text[: d.start]
            if _DELIVERY_CONTEXT.match(after) or (_OPEN_BRACKET.search(before) and _CLOSE_BRACKET.match(after)):
                return d
    return None


# -- numbered sessions of national bodies ----------------------------------------------------

# The National People's Congress: year of each session of the first five terms, then every
# term from the sixth (1983) has five yearly sessions.  The CPPCC National Committee has met
# alongside it since its sixth term (1983) too.
NPC_SESSIONS = {
    1: (1954, 1955, 1956, 1957, 1958),
    2: (1959, 1960, 1962),
    3: (1964,),
    4: (1975,),
    5: (1978, 1979, 1980, 1981, 1982),
}
REGULAR_TERM = 6
REGULAR_TERM_START = 1983
# National congresses of the Communist Party of China; from the twelfth (1982) every five years.
CPC_CONGRESSES = {
    1: 1921, 2: 1922, 3: 1923, 4: 1925, 5: 1927, 6: 1928, 7: 1945, 8: 1956,
    9: 1969, 10: 1973, 11: 1977, 12: 1982,
}
_ORD = "[一二三四五六七八九十]{1,3}|\\d{1,2}"
_NPC = re.compile(
    f"第?({_ORD})届全国(?:人民代表大会|人大)(?!常务委员会|常委会)\\s*第?({_ORD})次(?:会议|全体会议)"
)
_CPPCC = re.compile(
    f"(?:中国人民政治协商会议第?({_ORD})届全国委员会|全国政协第?({_ORD})届)\\s*第?({_ORD})次(?:会议|全体会议)"
)
_CPC = re.compile(
    f"中国共产党第({_ORD})次全国代表大会|党的第({_ORD})次全国代表大会|[（(]\\s*({_ORD})大\\s*[)）]"
)


def _number(text: str) -> int:
    return int(text) if text.isdigit() else small_number(text)


def _term_session_year(term: int, session: int, irregular: dict[int, tuple[int, ...]]) -> int | None:
    if term >= REGULAR_TERM and 1 <= session <= 5:
        return REGULAR_TERM_START + 5 * (term - REGULAR_TERM) + session - 1
    years = irregular.get(term, ())
    return years[session - 1] if 1 <= session <= len(years) else None


def session_years(text: str, *, opening: bool = False) -> list[int]:
    """Years of the numbered national sessions and party congresses named in `text`.

    With `opening`, only a session that the text addresses or opens with counts
    ("第十届全国人民代表大会第五次会议听取…", "向第十届全国人民代表大会第一次会议报告"), not
    one it looks back or forward to ("…以来", "迎接…胜利召开").
    """
    text = match_key(text)
    out = []
    for m in (*_NPC.finditer(text), *_CPPCC.finditer(text), *_CPC.finditer(text)):
        if opening and not (m.start() == 0 or text[m.start() - 1] in "向在"):
            continue
        out.extend(_year_of(m))
    return out


def _year_of(m: re.Match[str]) -> list[int]:
    if m.re is _NPC:
        year = _term_session_year(_number(m.group(1)), _number(m.group(2)), NPC_SESSIONS)
    elif m.re is _CPPCC:
        year = _term_session_year(_number(m.group(1) or m.group(2)), _number(m.group(3)), {})
    else:
        n = _number(next(g for g in m.groups() if g))
        year = CPC_CONGRESSES.get(n) or (1982 + 5 * (n - 12) if n > 12 else None)
    return [year] if year else []
