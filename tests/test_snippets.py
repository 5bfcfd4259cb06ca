import re

import pytest

from search.snippets import highlight, match_spans, snippet


def test_spans_are_found_on_the_key_and_merged() -> None:
    assert match_spans("協商議政和协商", ["协商", "商议"]) == [(0, 3), (5, 7)]


def test_highlight_marks_the_original_characters_and_escapes_the_rest() -> None:
    assert highlight("<b>協商</b> & 协商", ["协商"]) == (
        "&lt;b&gt;<mark>協商</mark>&lt;/b&gt; &amp; <mark>协商</mark>"
    )


def test_short_text_is_shown_whole() -> None:
    assert snippet("开展协商议政。", ["协商"]) == "开展<mark>协商</mark>议政。"


def test_snippet_picks_the_sentence_with_the_most_distinct_terms() -> None:
    text = "甲" * 100 + "。只有协商。" + "乙" * 100 + "。协商与提案都在这里。" + "丙" * 100 + "。"
    html = snippet(text, ["协商", "提案"], max_chars=40)
    assert "<mark>协商</mark>与<mark>提案</mark>都在这里。" in html
    assert html.startswith("…")


def test_long_sentence_is_cut_around_its_first_match_without_cutting_a_mark() -> None:
    text = "甲" * 300 + "营商环境" + "乙" * 300
    html = snippet(text, ["营商环境"], max_chars=100)
    assert "<mark>营商环境</mark>" in html
    assert len(re.sub(r"</?mark>", "", html)) <= 102 + 4


@pytest.mark.parametrize("text", ["", "没有匹配的文字。" * 40])
def test_no_match_gives_the_opening(text: str) -> None:
    html = snippet(text, ["协商"])
    assert "<mark>" not in html
    assert html.rstrip("…") == text[: len(html.rstrip("…"))]


def test_lost_characters_render_as_a_labelled_placeholder_and_the_rest_stays_escaped():
    html = highlight("<b>新时代呼唤新〓</b>", ["新时代"])
    assert (
        '&lt;b&gt;<mark>新时代</mark>呼唤新<span class="lost" title="原文此处字符缺失">〓</span>&lt;/b&gt;'
        == html
    )


def test_mark_escapes_text_that_holds_the_private_use_sentinels() -> None:
    # the fast path marks matches with U+E000/U+E001 before escaping: text that holds
    # them itself must come out the same as piece-by-piece escaping
    text = "a<b>\ue000委员\ue001&协商"
    spans = match_spans(text, ["委员", "协商"])
    html = highlight(text, ["委员", "协商"])
    assert html == "a&lt;b&gt;\ue000<mark>委员</mark>\ue001&amp;<mark>协商</mark>"
    assert spans == [(5, 7), (9, 11)]
    plain = highlight("x<委员>&y", ["委员"])
    assert plain == "x&lt;<mark>委员</mark>&gt;&amp;y"


def test_a_term_far_from_the_best_passage_gets_a_passage_of_its_own() -> None:
    """营商环境 提案: a paragraph with 提案 only 300 characters on showed 营商环境 alone."""
    text = "我们持续优化营商环境，" + "甲" * 150 + "。" + "乙" * 150 + "。全年共办理提案500件。" + "丙" * 100 + "。"
    html = snippet(text, ["营商环境", "提案"], max_chars=80)
    assert "<mark>营商环境</mark>" in html and "<mark>提案</mark>" in html
    assert html.index("营商环境") < html.index("提案")  # in the paragraph's order
    shown = re.sub(r"</?mark>", "", html)
    assert len(shown.replace("…", "")) <= 80 + 8  # both within the budget (a mark is never cut)
    assert shown.startswith("我们持续优化营商环境") and "…" in shown and shown.endswith("…")
    # the second passage comes first when it stands earlier
    text2 = "全年共办理提案500件。" + "乙" * 300 + "。我们持续优化营商环境。" * 3 + "丙" * 100 + "。"
    html2 = snippet(text2, ["营商环境", "提案"], max_chars=80)
    assert html2.index("提案") < html2.index("营商环境")
    # a key the paragraph does not hold asks for nothing more
    assert snippet(text, ["营商环境"], max_chars=80) == snippet(text, ["营商环境", "政协"], max_chars=80)
