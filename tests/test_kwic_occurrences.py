"""The concordance's occurrence finder (search.research._occurrences: a chunk of search keys
joined and searched at once, sort keys cut with numpy) against the plain way, one paragraph
at a time with the regex and re.sub, on text made to trip it: a spaced phrase whose pieces
end one paragraph and begin the next, punctuation and underscores inside the contexts,
characters beyond the Basic Multilingual Plane, overlapping OR terms, Traditional text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pytest

from search import research
from search.engine import SearchEngine, SearchRequest
from search.facets import NO_YEAR
from search.indexer import build_index
from search.normalize import char_flags

PARAGRAPHS = [
    "政协委员围绕重点工作积极议政，协商建言，认真议政",
    "协商民主是我国社会主义民主政治的特有形式，委员议政、协商，政治协商会议把协商贯穿履职全过程。",
    "协商——“协商”（协商）；协商_协商 协商。协协商商，商协商协商！",
    "𠀀𠀁协商𠀂𠀃，围绕ABC协商123项目开展对口协商，委员_议政，协商。",
    "全市政協堅持協商於決策之前和決策實施之中，政治協商、民主監督、參政議政。",
    "委员们议政，协商议政；议政……协商。议政 协商，議政、協商。",
    "开展专题协商、对口协商、界别协商和提案办理协商，协商成果转化为决策部署。",
]
QUERIES = ["协商", '"议政 协商"', "协商 OR 政治协商", "协商 -民主", "委员 协商", "議政", "政治协商 OR 协商会"]


def _report(city: str, year: int, paras: list[str]) -> str:
    return f"{year}年{city}政协工作报告\n\n各位委员：\n\n" + "\n\n".join(paras) + "\n"


@pytest.fixture(scope="module")
def tricky(tmp_path_factory: pytest.TempPathFactory, backend: str) -> Iterator[SearchEngine]:
    src = tmp_path_factory.mktemp(f"kwic-src-{backend}")
    (src / "a.txt").write_text(_report("潍坊市", 2024, PARAGRAPHS), encoding="utf-8")
    (src / "b.txt").write_text(_report("济南市", 2025, PARAGRAPHS[::-1]), encoding="utf-8")
    index_dir = tmp_path_factory.mktemp(f"kwic-index-{backend}")
    build_index([src], index_dir, backend=backend)
    e = SearchEngine(index_dir)
    yield e
    e.close()


_WORDLESS = re.compile(r"[\W_]+")


def _plain(engine: SearchEngine, request: SearchRequest, width: int, sort: str) -> tuple:
    """What the concordance must give, worked out the plain way: every matching paragraph's
    key searched alone, the sort keys cut with re.sub, the cap counted paragraph by paragraph."""
    with engine.match_set(replace(request, page=1)) as ms:
        patterns = [t.pattern for g in ms.parsed.groups for t in g if not t.in_title]
        occ: list[tuple[int, int, int, str]] = []
        truncated = False
        for d in ms.docs.tolist():
            if len(occ) >= research.KWIC_MAX_OCCURRENCES:
                truncated = True
                break
            key = ms.store.key(d)
            for s, e in research._spans(patterns, key):
                if sort == "left":
                    k = _WORDLESS.sub("", key[max(0, s - width) : s])[::-1]
                elif sort == "right":
                    k = _WORDLESS.sub("", key[e : e + width])
                else:
                    k = ""
                occ.append((d, s, e, k))
        cols, store = ms.columns, ms.store
        rank = {i: r for r, i in enumerate(sorted(range(len(occ)), key=lambda i: occ[i][3]))}  # ties: collection order
        arts = {d: store.article_of(d) for d, *_ in occ}
        places = sorted({(a.province, a.city, a.district) for a in arts.values() if a.province})
        place = {v: i for i, v in enumerate(places)}

        def year(d: int) -> int:
            return int(cols.year[d]) if int(cols.year[d]) != NO_YEAR else 10**6

        def order(i: int) -> tuple:
            d, s, _, _ = occ[i]
            reading = int(cols.order[d])
            if sort in ("left", "right"):
                return (rank[i], reading, s)
            if sort == "region":
                a = arts[d]
                return (place.get((a.province, a.city, a.district), len(places)), int(cols.year[d]), reading, s)
            return (year(d), reading, s)

        lines = [occ[i][:3] for i in sorted(range(len(occ)), key=order)]
        return len(occ), len({d for d, *_ in occ}), truncated, lines


def _ids(engine: SearchEngine, lines: list[tuple[int, int, int]], width: int) -> list[tuple[str, str, str, str]]:
    with engine.match_set(SearchRequest()) as ms:
        out = []
        for d, s, e in lines:
            text, rec = ms.store.text(d), ms.store.article_of(d)
            pid = f"{rec.id}-p{int(ms.columns.position[d])}"
            out.append((pid, text[max(0, s - width) : s], text[s:e], text[e : e + width]))
        return out


@pytest.mark.parametrize("sort", research.KWIC_SORTS)
@pytest.mark.parametrize("width", [10, 17, 40])
@pytest.mark.parametrize("query", QUERIES)
def test_occurrences_equal_searching_each_paragraph_alone(tricky: SearchEngine, query: str, width: int, sort: str) -> None:
    req = SearchRequest(query=query, per_page=1000)
    total, paragraphs, truncated, lines = _plain(tricky, req, width, sort)
    got = research.concordance(tricky, req, width=width, sort=sort)
    assert (got.total, got.paragraphs, got.truncated) == (total, paragraphs, truncated)
    assert [(x.paragraph_id, x.left, x.match, x.right) for x in got.lines] == _ids(tricky, lines, width)


def test_the_tricky_text_is_there(tricky: SearchEngine) -> None:
    """The cases the finder must not get wrong survived ingest: a spaced phrase split over
    two paragraphs, characters beyond the BMP, underscores, Traditional text."""
    whole = research.concordance(tricky, SearchRequest(query="协商", per_page=1000), width=12, sort="left")
    text = "".join(x.left + x.match + x.right for x in whole.lines)
    assert "𠀁" in text and "_" in text and "協商" in text
    phrase = research.concordance(tricky, SearchRequest(query='"议政 协商"', per_page=1000), width=12)
    assert phrase.total >= 2 and all("议政" in x.match or "議政" in x.match for x in phrase.lines)


@pytest.mark.parametrize(("cap", "chunk"), [(1, 1), (3, 2), (7, 3), (10, 64), (50, 1)])
@pytest.mark.parametrize("sort", ["left", "year"])
def test_the_cap_and_the_chunks_cut_where_one_paragraph_at_a_time_does(
    tricky: SearchEngine, cap: int, chunk: int, sort: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(research, "KWIC_MAX_OCCURRENCES", cap)
    monkeypatch.setattr(research, "KWIC_CHUNK", chunk)
    req = SearchRequest(query="协商 OR 议政", per_page=1000)
    total, paragraphs, truncated, lines = _plain(tricky, req, 20, sort)
    got = research.concordance(tricky, req, width=20, sort=sort)
    assert (got.total, got.paragraphs, got.truncated) == (total, paragraphs, truncated)
    assert [(x.paragraph_id, x.left, x.match, x.right) for x in got.lines] == _ids(tricky, lines, 20)


@pytest.mark.parametrize("sort", research.KWIC_SORTS)
def test_sample_reports_concordance_equals_the_plain_way(engine: SearchEngine, sort: str) -> None:
    for query in ("协商", "委员 OR 提案", '"社情民意 信息"'):
        req = SearchRequest(query=query, per_page=1000)
        total, paragraphs, truncated, lines = _plain(engine, req, 20, sort)
        got = research.concordance(engine, req, width=20, sort=sort)
        assert (got.total, got.paragraphs, got.truncated) == (total, paragraphs, truncated) and total
        assert [(x.paragraph_id, x.left, x.match, x.right) for x in got.lines] == _ids(engine, lines, 20)


def test_word_characters_beyond_the_bmp_are_looked_up_one_by_one() -> None:
    cps = np.array([ord(c) for c in "a_，𠀀😀中"], dtype=np.uint32)
    assert char_flags(cps, str.isalnum).tolist() == [True, False, False, True, False, True]


@pytest.mark.parametrize("chunk", [1, 3, 4096])
def test_a_cap_reached_by_the_last_paragraph_truncates_nothing(
    tricky: SearchEngine, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    req = SearchRequest(query="协商", per_page=1000)
    total = research.concordance(tricky, req).total
    monkeypatch.setattr(research, "KWIC_CHUNK", chunk)
    seen = set()
    for cap in (1, total - 1, total, total + 1):
        monkeypatch.setattr(research, "KWIC_MAX_OCCURRENCES", cap)
        got = research.concordance(tricky, req)
        expected = _plain(tricky, req, 20, "year")
        assert (got.total, got.paragraphs, got.truncated) == expected[:3]
        seen.add(got.truncated)
    assert seen == {True, False}
