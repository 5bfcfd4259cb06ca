import pickle

import pytest

from search.analysis import CharGramTokenizer, ChineseWordTokenizer, char_grams, is_searchable


def tokens(text: str, mode: str) -> list[tuple[str, int, int, int]]:
    return [
        (t.text, t.pos, t.startchar, t.endchar)
        for t in ChineseWordTokenizer()(text, positions=True, chars=True, mode=mode)
    ]


def test_index_mode_puts_sub_words_at_their_parents_position() -> None:
    assert tokens("民主監督員", "index") == [
        ("民主", 0, 0, 2),
        ("监督员", 1, 2, 5),
        ("监督", 1, 2, 4),
    ]


def test_query_mode_has_no_sub_words() -> None:
    assert tokens("民主監督員", "query") == [("民主", 0, 0, 2), ("监督员", 1, 2, 5)]


def test_punctuation_and_spaces_keep_a_gap_between_words() -> None:
    # 协商，议政 must not be a phrase match for 协商议政
    assert [(t, p) for t, p, _, _ in tokens("協商，議政", "query")] == [("协商", 0), ("议政", 2)]


def test_offsets_point_into_the_original_traditional_text() -> None:
    text = "擔當作為"
    for word, _, start, end in tokens(text, "index"):
        assert len(text[start:end]) == len(word)


def test_char_grams_skip_spaces_but_keep_positions() -> None:
    assert list(char_grams("强理论 固根基")) == [
        (0, "强理"), (1, "理论"), (2, "论"), (4, "固根"), (5, "根基"), (6, "基"),
    ]  # fmt: skip


def test_gram_tokenizer_uses_the_search_key() -> None:
    assert [t.text for t in CharGramTokenizer()("協商")] == ["协商", "商"]


@pytest.mark.parametrize(("word", "ok"), [("协商", True), ("2024", True), ("，", False), (" ", False), ("——", False)])
def test_is_searchable(word: str, ok: bool) -> None:
    assert is_searchable(word) is ok


def test_tokenizers_survive_pickling() -> None:
    # Whoosh pickles the schema, analyzers included, into the index.
    for tok in (ChineseWordTokenizer(), CharGramTokenizer()):
        again = pickle.loads(pickle.dumps(tok))
        assert again == tok
        assert [t.text for t in again("协商议政")] == [t.text for t in tok("协商议政")]
