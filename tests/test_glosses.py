"""Pinyin glosses and lost characters in damaged text."""

from __future__ import annotations

import re

import pytest

from search.glosses import (
    GLOSS_LETTERS,
    LOST_MARK,
    mark_lost_characters,
    pinyin_syllables,
    remove_pinyin_glosses,
    split_pinyin,
)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("政協(xié)商", "政協商"),
        ("擔(dān)當", "擔當"),
        ("任務(wù)10項", "任務10項"),
        ("相關(guān)議題", "相關議題"),
        ("發展(zhǎn)", "發展"),
        ("創新(chuàng xīn)", "創新(chuàng xīn)"),  # a space: not one gloss word, left alone
        ("質(zhì)量", "質量"),
        ("協（xié）商", "協商"),  # full-width parentheses
        ("新?lián)?", "新?"),  # "?" swallowed the "(" with a lost character
        ("領(lǐng)導", "領導"),
        ("產(chǎn)學研", "產學研"),
        ("運(yùn)動", "運動"),
    ],
)
def test_glosses_are_removed(raw, clean):
    assert clean == remove_pinyin_glosses(raw)[0]


@pytest.mark.parametrize(
    "text",
    [
        "党组(扩大)会议学习22次",
        "(一)始终坚持高举旗帜",
        "意见(试 行)》",
        "国内生产总值(GDP)增长5%",
        "委员工作室149个（市级19个、县区130个）",
        "委员工作站(室)扩面提质",
        "市縣(區)政協同步",
        "北京(beijing)",  # no tone mark
        "京(běijīng)",  # two syllables after one character
        "通知(ábc)",  # a tone mark but not pinyin
        "见附件(a)",
    ],
)
def test_real_parentheses_are_kept(text):
    assert (text, 0) == remove_pinyin_glosses(text)


def test_the_quick_check_covers_every_pinyin_letter():
    """A text is passed over unless "(" and a run of GLOSS_LETTERS occur: every letter of
    every syllable must be one of them, or glosses holding it would be kept."""
    letters = {c for s in pinyin_syllables() for c in s}
    assert len(letters) > 40
    assert {c for c in letters if not re.fullmatch(f"[{GLOSS_LETTERS}]", c)} == set()


def test_gloss_count_is_reported():
    assert ("協商任務", 2) == remove_pinyin_glosses("協(xié)商任務(wù)")


def test_syllables_come_from_pypinyin():
    syllables = pinyin_syllables()
    assert {"xié", "dān", "zhǎn", "lǐng", "me"} <= syllables
    assert "xyz" not in syllables
    assert ["zhuǎn", "huà"] == split_pinyin("zhuǎnhuà")
    assert split_pinyin("gdp") is None


@pytest.mark.parametrize(
    ("text", "damaged", "marked"),
    [
        ("彰顯新?", True, f"彰顯新{LOST_MARK}"),
        ("下?斬撠煛", True, f"下{LOST_MARK}斬撠煛"),
        ("履職盡?,始終", False, f"履職盡{LOST_MARK},始終"),  # "?," is never a question
        ("新\ufffd\ufffd作为", False, f"新{LOST_MARK}{LOST_MARK}作为"),
        ("为什么要协商?", False, "为什么要协商?"),  # an undamaged text keeps its questions
        ("见 https://www.gov.cn/a?id=3 页面", True, "见 https://www.gov.cn/a?id=3 页面"),
        ("What? Really?", True, "What? Really?"),
    ],
)
def test_mark_lost_characters(text, damaged, marked):
    assert marked == mark_lost_characters(text, damaged=damaged)
