import pytest

from search.analysis import (
    GAP,
    char_grams,
    gram_sequence,
    index_words,
    is_searchable,
    piece_grams,
    query_words,
)
from search.normalize import search_key


def test_index_words_keep_sub_words_after_their_word() -> None:
    assert index_words(search_key("民主監督員")) == ["民主", "监督员", "监督"]


def test_punctuation_is_never_a_word() -> None:
    assert index_words(search_key("協商，議政")) == ["协商", "议政"]


def test_query_words_add_the_sub_words_of_a_longer_word() -> None:
    # 民主监督 is one word; its search-mode sub-words let it rank paragraphs holding
    # 民主监督员 (cut 民主 / 监督员 / 监督)
    assert query_words("民主监督") == ["民主监督", "民主", "主监", "监督"]


def test_char_grams_skip_spaces_but_keep_positions() -> None:
    assert list(char_grams("强理论 固根基")) == [
        (0, "强理"), (1, "理论"), (2, "论"), (4, "固根"), (5, "根基"), (6, "基"),
    ]  # fmt: skip


def test_gram_sequence_has_one_token_per_character() -> None:
    assert gram_sequence("协商 议政") == ["协商", "商", GAP, "议政", "政"]
    assert GAP.isspace()  # whitespace to Python, so char_grams never puts it in a gram


@pytest.mark.parametrize(
    ("piece", "grams"),
    [
        ("协商", [(0, "协商")]),
        ("高质量", [(0, "高质"), (1, "质量")]),
        ("高质量发", [(0, "高质"), (2, "量发")]),
        ("高质量发展", [(0, "高质"), (2, "量发"), (3, "发展")]),
    ],
)
def test_piece_grams_cover_every_character(piece: str, grams: list[tuple[int, str]]) -> None:
    assert piece_grams(piece) == grams
    covered = {o + i for o, g in grams for i in range(len(g))}
    assert covered == set(range(len(piece)))


@pytest.mark.parametrize(("word", "ok"), [("协商", True), ("2024", True), ("，", False), (" ", False), ("——", False)])
def test_is_searchable(word: str, ok: bool) -> None:
    assert is_searchable(word) is ok
