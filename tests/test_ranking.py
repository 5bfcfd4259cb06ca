"""Query priors: the section a paragraph stands in, and CPPCC documents for CPPCC words."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from search.backends import base
from search.engine import SearchEngine, SearchRequest
from search.indexer import build_index
from search.ranking import RankingRules, RankingRulesError

from .conftest import SAMPLES

FILLER = "全年完成固定资产投资一千二百亿元，新开工重大项目八十个，建成投产六十个，带动就业两万余人，经济运行稳中向好。"

# A government report written for these tests: 提案 is mentioned once under a 提案 heading
# and once, in a paragraph of the same length, under another heading; both are short,
# dense paragraphs that BM25 alone ranks above the long CPPCC sample paragraphs.
GOV_REPORT = f"""2025年潍坊市政府工作报告

各位代表：

一、依法行政

自觉接受人大监督，认真办理政协委员提案，推进法治政府建设见到实效。

二、建议提案办理

认真办理人大代表建议和政协委员提案，办结率百分之百，满意率持续提升。

三、经济运行

{FILLER}
"""


@pytest.fixture(scope="module")
def mixed_engine(tmp_path_factory: pytest.TempPathFactory, backend: str) -> Iterator[SearchEngine]:
    src = tmp_path_factory.mktemp(f"mixed-src-{backend}")
    for p in SAMPLES.iterdir():
        if p.is_file() and p.suffix == ".txt":
            shutil.copy(p, src / p.name)
    (src / "gov_2025_weifang.txt").write_text(GOV_REPORT, encoding="utf-8")
    index_dir = tmp_path_factory.mktemp(f"mixed-index-{backend}")
    build_index([src], index_dir, backend=backend)
    e = SearchEngine(index_dir)
    yield e
    e.close()


def _gov(hit) -> bool:  # noqa: ANN001
    return hit.doc_type == "政府工作报告"


def test_the_written_report_is_a_government_report(mixed_engine: SearchEngine) -> None:
    page = mixed_engine.search(SearchRequest(query="认真办理", per_page=10))
    assert page.hits and all(_gov(h) for h in page.hits)


def test_cppcc_words_rank_cppcc_documents_first_and_say_so(mixed_engine: SearchEngine) -> None:
    on = mixed_engine.search(SearchRequest(query="提案", per_page=50))
    off = mixed_engine.search(SearchRequest(query="提案", per_page=50, type_prior=False))
    assert ("提案",) == on.type_prior and () == off.type_prior
    assert on.to_dict()["type_prior"] == ["提案"]
    assert sorted(h.id for h in on.hits) == sorted(h.id for h in off.hits)  # the same matches
    assert on.total == off.total and on.facets == off.facets

    def first_gov(page) -> int:  # noqa: ANN001
        return next(i for i, h in enumerate(page.hits) if _gov(h))

    assert first_gov(off) < 2  # BM25 alone: a short government paragraph near the top
    assert first_gov(on) >= 5  # CPPCC vocabulary: CPPCC documents first


def test_other_words_have_no_type_prior(mixed_engine: SearchEngine) -> None:
    assert () == mixed_engine.search(SearchRequest(query="固定资产投资")).type_prior


def test_a_query_word_in_the_section_heading_ranks_the_paragraph_first(mixed_engine: SearchEngine) -> None:
    # two paragraphs of the same length and words; the later one stands under 建议提案办理
    page = mixed_engine.search(SearchRequest(query="认真办理", per_page=10, type_prior=False))
    assert ["二、建议提案办理", "一、依法行政"] == [h.section for h in page.hits]
    # a newest-first sort has no priors: reading order decides between the two
    page = mixed_engine.search(SearchRequest(query="认真办理", per_page=10, sort="oldest"))
    assert ["一、依法行政", "二、建议提案办理"] == [h.section for h in page.hits]


def test_the_page_says_when_the_type_prior_applied_and_links_to_switch_it_off(mixed_engine: SearchEngine, tmp_path: Path) -> None:
    from search.settings import Settings
    from webui.app import create_app

    client = create_app(Settings().with_index(mixed_engine.index_dir)).test_client()
    html = client.get("/search?q=提案").get_data(as_text=True)
    assert "「提案」是政协工作用语：政协的文件排在前面。" in html
    assert 'href="/search?q=%E6%8F%90%E6%A1%88&amp;type_prior=0"' in html
    off = client.get("/search?q=提案&type_prior=0").get_data(as_text=True)
    assert "没有让政协文件排在前面" in off
    assert client.get("/api/search?q=提案&type_prior=0").get_json()["type_prior"] == []
    assert client.get("/api/search?q=提案&type_prior=x").status_code == 400


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[section]\nother = 0.7\n", "cppcc"),
        ('[section]\nother = 1.5\n[cppcc]\nother = 0.5\nterms = []\ndoc_types = []\n', "(0, 1]"),
        ("not toml [", "not a valid"),
    ],
)
def test_bad_rules_say_why(text: str, says: str) -> None:
    with pytest.raises(RankingRulesError) as err:
        RankingRules.from_toml(text)
    assert says in str(err.value)


def test_the_packaged_rules_load() -> None:
    rules = RankingRules.load()
    assert "提案" in rules.cppcc_terms and "政协工作综述" in rules.cppcc_types
    assert ("提案",) == rules.cppcc_words(("提案办理",))


@pytest.mark.parametrize("candidates", [1, 3, 16])
@pytest.mark.parametrize("seed", range(6))
def test_priors_of_the_best_raw_scores_only_rank_as_all_of_them(candidates: int, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """top_with_prior works the prior out for the best raw scores first; the pages equal
    ranking every paragraph with its prior, ties, zero scores and strong priors included."""
    monkeypatch.setattr(base, "PRIOR_CANDIDATES", candidates)
    rng = np.random.default_rng(seed)
    n = 400
    raw = np.round(rng.choice([0.0, 0.5, 1.0, 2.0], n) + rng.random(n) * (seed % 3), 2)  # many ties
    factors = rng.choice([1.0, 0.7, 0.42, 0.3, 0.06], n)
    static = rng.choice([1.0, 0.5, 0.2], n)
    order = rng.permutation(n)
    docs = np.sort(rng.choice(n, 300, replace=False))
    for limit in (1, 2, 5, 10, 40, 299, 300, None):
        plan = base.RankPlan(allowed=None, words=("w",), limit=limit, order=order, boost=lambda d: factors[d])
        expected = base.top_k(raw[docs] * static[docs] * factors[docs], docs, limit, order)
        assert base.top_with_prior(raw[docs], docs, plan, static) == expected


@pytest.mark.parametrize("backend", ["whoosh"], indirect=True)
def test_a_small_candidate_count_changes_no_page(engine: SearchEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sample index ranked with the prior worked out for the one best raw score first
    (then 8, then all): the same hits and scores as with every paragraph's prior."""
    queries = ["协商", "委员 OR 提案", "政协 -民主", '"社情民意 信息"', "發展", "一"]
    pages = {}
    for candidates in (10**9, 1):
        monkeypatch.setattr(base, "PRIOR_CANDIDATES", candidates)
        for q in queries:
            for page in (1, 2):
                engine.clear_cache()
                p = engine.search(SearchRequest(query=q, page=page, per_page=5))
                pages.setdefault(candidates, []).append([(h.id, round(h.score, 5)) for h in p.hits])
    assert pages[1] == pages[10**9] and any(pages[1])


@pytest.mark.parametrize("kind", ["only-cppcc", "no-cppcc"])
def test_the_type_prior_is_neither_applied_nor_announced_where_all_documents_are_of_one_kind(
    tmp_path: Path, backend: str, kind: str
) -> None:
    """With no government report beside the CPPCC samples, or no CPPCC report beside a
    government one, the prior would reorder nothing: the page must not say that it did."""
    src = tmp_path / "src"
    src.mkdir()
    if kind == "only-cppcc":
        for p in SAMPLES.iterdir():
            (src / p.name).write_bytes(p.read_bytes())
    else:
        (src / "gov_2025_weifang.txt").write_text(GOV_REPORT, encoding="utf-8")
    build_index([src], tmp_path / "index", backend=backend)
    engine = SearchEngine(tmp_path / "index")
    on = engine.search(SearchRequest(query="提案", per_page=50))
    off = engine.search(SearchRequest(query="提案", per_page=50, type_prior=False))
    assert on.total > 0 and () == on.type_prior
    assert [(h.id, h.score) for h in on.hits] == [(h.id, h.score) for h in off.hits]
    engine.close()
