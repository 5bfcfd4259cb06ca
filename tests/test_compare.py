"""Comparing two reports: keyness by log-likelihood, shared words, figures, aligned sections."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import main
from search.compare import SameArticle, align, compare, g2, offers
from search.engine import ArticleNotFound, SearchEngine
from search.normalize import search_key

WEIFANG, LIAOCHENG = "000_3d8829ce62a8e2e7-1", "001_b71b22b026f0be1c-1"
WUWEI, PINGLIANG = "004_3677e2e64993d42a-1", "004_3677e2e64993d42a-2"


def test_log_likelihood_is_dunnings() -> None:
    # 10 of 1,000 words against 2 of 1,000: expected 6 each
    expected = 2 * (10 * math.log(10 / 6) + 2 * math.log(2 / 6))
    assert expected == pytest.approx(g2(10, 2, 1000, 1000))
    assert 0.0 == g2(5, 5, 1000, 1000)  # the same rate: nothing distinctive
    assert g2(8, 0, 1000, 1000) > 3.84 > g2(2, 0, 1000, 1000)


def heads(*texts: str) -> list[tuple[int, str, str, str]]:
    return [(i, t, search_key(t), "") for i, t in enumerate(texts)]


def test_sections_align_in_order_by_their_headings_without_numbering() -> None:
    a = heads("一、加强理论武装", "二、聚焦中心建言资政", "三、加强自身建设")
    b = heads("（一）聚焦中心工作建言资政", "（二）凝聚共识", "（三）加强自身建设")
    assert [("一、加强理论武装", ""), ("二、聚焦中心建言资政", "（一）聚焦中心工作建言资政"),
            ("", "（二）凝聚共识"), ("三、加强自身建设", "（三）加强自身建设")] == [
        (p.a, p.b) for p in align(a, b)
    ]  # fmt: skip


def test_compare_two_committees_of_one_year(engine: SearchEngine) -> None:
    c = compare(engine, WEIFANG, LIAOCHENG)
    assert (WEIFANG, LIAOCHENG) == (c.a.id, c.b.id)
    a_words = [k.word for k in c.distinctive_a]
    b_words = [k.word for k in c.distinctive_b]
    assert "潍坊" in a_words and "聊城" in b_words and not set(a_words) & set(b_words)
    assert all(k.g2 >= 3.84 for k in c.distinctive_a + c.distinctive_b)
    assert all(k.a * c.words_b > k.b * c.words_a for k in c.distinctive_a)  # more frequent in A
    assert [k.g2 for k in c.distinctive_a] == sorted((k.g2 for k in c.distinctive_a), reverse=True)
    assert "潍坊" not in [k.word for k in c.shared] and all(k.a >= 2 and k.b >= 2 for k in c.shared)
    # the same words on every backend (the test runs once per backend)
    assert ["委员", "潍坊", "企业", "产业", "亿元"] == a_words[:5]
    assert ["学习", "政治", "政协委员", "政协工作", "作为"] == [k.word for k in c.shared][:5]
    pairs = {(p.metric, p.qualifier): ([f.value for f in p.a], [f.value for f in p.b]) for p in c.figures}
    assert ([597.0], [503.0]) == pairs[("提案", "立案")]
    assert ([517.0], [35.0]) == pairs[("社情民意信息", "采用")]
    assert ([], [1978.0]) == pairs[("社情民意信息", "反映")]


def test_compare_aligns_the_sections_of_two_reports(engine: SearchEngine) -> None:
    # 武威 and 平凉 name the same parts of the work in other words: the sections' words meet
    c = compare(engine, WUWEI, PINGLIANG)
    assert [
        ("筑牢政治底色,把准正确方向,在思想政治引领上体现更高站位", "讲政治、铭初心,始终坚持正确履职方向"),
        ("发挥统战本色,着力团结奋斗,在广聚共识合力上发挥更大作用", "聚共识、汇合力,全力画出最大同心圆"),
        ("锻造自身成色,厚植履职基础,在提升履职质效上实现更大突破", "强基础、固根本,着力提升政协履职能力"),
    ] == [(s.a, s.b) for s in c.sections if s.a and s.b]
    doc_a, doc_b = engine.document(WUWEI), engine.document(PINGLIANG)
    assert [p.text for p in doc_a.paragraphs if p.is_heading] == [s.a for s in c.sections if s.a]
    assert [p.text for p in doc_b.paragraphs if p.is_heading] == [s.b for s in c.sections if s.b]


def test_compare_refuses_the_same_article_and_unknown_ones(engine: SearchEngine) -> None:
    with pytest.raises(SameArticle):
        compare(engine, WEIFANG, WEIFANG)
    with pytest.raises(ArticleNotFound):
        compare(engine, WEIFANG, "nope-1")


def test_offers_the_same_committees_earlier_years_and_peers_of_the_year(engine: SearchEngine) -> None:
    arts = engine.articles()
    weifang = next(a for a in arts if a.id == WEIFANG)
    got = offers(arts, weifang)
    assert [] == got["earlier"]  # the samples hold one year per committee
    assert {a.id for a in arts if a.year == 2024 and a.city != "潍坊市"} == {a.id for a in got["peers"]}
    older = type(weifang)(**{**weifang.__dict__, "id": "x-1", "year": 2022})
    assert ["x-1"] == [a.id for a in offers([*arts, older], weifang)["earlier"]]


def test_compare_page_states_the_statistic_and_the_api_and_cli_agree(client, sample_index: Path) -> None:
    html = client.get(f"/compare?a={WEIFANG}&b={LIAOCHENG}").get_data(as_text=True)
    assert "对数似然比 G²" in html and "3.84" in html and "<td>潍坊</td>" in html
    api = client.get(f"/api/compare?a={WEIFANG}&b={LIAOCHENG}").get_json()
    assert api["statistic"].startswith("log-likelihood G²")
    result = CliRunner().invoke(main, ["compare", WEIFANG, LIAOCHENG, "--json", "--index-dir", str(sample_index)])
    assert 0 == result.exit_code and api == json.loads(result.output)
    assert 400 == client.get(f"/api/compare?a={WEIFANG}").status_code
    assert 400 == client.get(f"/compare?a={WEIFANG}&b={WEIFANG}").status_code
    missing = client.get(f"/compare?a={WEIFANG}&b=nope-1")
    assert 404 == missing.status_code and "nope-1" in missing.get_data(as_text=True)


def test_the_document_view_offers_comparisons(client) -> None:
    html = client.get(f"/doc/{WEIFANG}").get_data(as_text=True)
    assert 'action="/compare"' in html and f'<option value="{LIAOCHENG}">' in html


def test_characteristic_words_are_dictionary_words_not_ones_jieba_guesses() -> None:
    """jieba's HMM joins characters it does not know into 'words' (之稳, 二要): on the 267
    reports 二要, 三要 and 四要 were among 内蒙古's characteristic words."""
    from search.compare import _words
    from search.segment import segmenter

    text = "一要坚持稳中求进，二要保持经济稳之稳，三要推进科技创新。"
    guessed = {w for w, _, _ in segmenter().tokenize(text, False)} - {w for w, _, _ in segmenter().tokenize(text, False, hmm=False)}
    assert guessed  # the HMM does guess here, so the test can fail
    words, _ = _words([text])
    assert not guessed & set(words) and {"坚持", "稳中求进", "科技", "创新"} <= set(words)
