"""Chinese date language: numerals, datelines, numbered national sessions."""

from __future__ import annotations

import pytest

from search.dates import arabic_dates, dateline_date, find_dates, session_years, small_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("——二〇一二年一月六日在河北省", "——2012年1月6日在河北省"),
        ("二○二六年一月二十七日", "2026年1月27日"),
        ("二0二0年一月五日", "2020年1月5日"),
        ("一九六四年十二月二十一日、二十二日", "1964年12月21日、二十二日"),
        ("2 0 1 9 年 政府工作报告", "2019年 政府工作报告"),
        ("二十二年来", "二十二年来"),  # a span of years, not a date
        ("十三五时期", "十三五时期"),
    ],
)
def test_arabic_dates(text: str, expected: str) -> None:
    assert expected == arabic_dates(text)


@pytest.mark.parametrize(("text", "expected"), [("二十七", 27), ("十", 10), ("十二", 12), ("三十一", 31), ("7", 7)])
def test_small_number(text: str, expected: int) -> None:
    assert expected == small_number(text)


def test_find_dates_folds_full_width_digits_and_keeps_partial_dates() -> None:
    _, dates = find_dates("（201４年1月5日在福州市…）2013年工作回顾，2008年1月")
    assert ["2014-01-05", "2013", "2008"] == [d.iso() for d in dates]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["——二〇二六年一月二十七日在甘肃省十四届人民代表大会第四次会议上"], "2026-01-27"),
        (["——2026年1月26日在广东省第十四届", "人民代表大会第五次会议上"], "2026-01-26"),  # wrapped
        (["（2007年1月30日）"], "2007-01-30"),
        (["兰州市政府工作报告（2021年12月21日 张伟文）"], "2021-12-21"),
        (["（2025年3月11日第十四届全国人民代表大会第三次会议通过）"], "2025-03-11"),
        (["政府工作报告——2008年1月在河北省第十一届人民代表大会第一次会议上"], "2008"),
        (["2024年是关键之年"], None),  # a sentence about a year, not a dateline
        (["（2024年）"], None),
        (["过去一年，2025年1月我们召开了会议。"], None),
    ],
)
def test_dateline_date(lines: list[str], expected: str | None) -> None:
    found = dateline_date(lines)
    assert expected == (found.iso() if found else None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("第十届全国人民代表大会第五次会议关于政府工作报告的决议", [2007]),
        ("十四届全国人大三次会议", [2025]),
        ("第二届全国人民代表大会第三次会议", [1962]),  # the early terms were irregular
        ("第五届全国人民代表大会第四次会议", [1981]),
        ("中国人民政治协商会议第十四届全国委员会第三次会议", [2025]),
        ("——在中国共产党第二十次全国代表大会上的报告", [2022]),
        ("北京共产主义组织的报告 (一大)", [1921]),
        ("全国人民代表大会常务委员会第十次会议", []),  # standing committee meetings are not yearly
        ("河北省第十届人民代表大会第三次会议", []),  # local terms differ from place to place
    ],
)
def test_session_years(text: str, expected: list[int]) -> None:
    assert expected == session_years(text)


def test_in_an_opening_only_the_session_addressed_counts() -> None:
    assert [2003] == session_years("现在，我代表国务院，向第十届全国人民代表大会第一次会议报告", opening=True)
    assert [] == session_years("以优异成绩迎接中国共产党第十七次全国代表大会的胜利召开", opening=True)
