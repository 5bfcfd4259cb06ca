"""Near-duplicate paragraphs fold into one hit; counts stay counts of paragraphs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from markupsafe import escape

from search import duplicates, integrity
from search.engine import SearchEngine, SearchRequest
from search.indexer import build_index
from search.normalize import search_key

from .conftest import SAMPLES

REPEATED = "全面推进乡村振兴，新建高标准农田十二万亩，粮食总产量稳定在一百二十亿斤以上，农村居民人均可支配收入增长百分之七。"
EDITED = REPEATED.replace("十二万亩", "十三万亩")  # one figure changed: still a near-duplicate
HALF = REPEATED[:30] + "同时深化农村集体产权制度改革，发展壮大新型农村集体经济，培育家庭农场和农民合作社。"
OTHER = "持续优化营商环境，深化放管服改革，新登记经营主体四万户，政务服务事项全部实现网上可办。"


def _report(city: str, year: int, *paras: str) -> str:
    return f"{year}年{city}政府工作报告\n\n各位代表：\n\n" + "\n\n".join(paras) + "\n"


@pytest.fixture(scope="module")
def dup_engine(tmp_path_factory: pytest.TempPathFactory, backend: str) -> Iterator[tuple[SearchEngine, Path, Path]]:
    src = tmp_path_factory.mktemp(f"dup-src-{backend}")
    (src / "a.txt").write_text(_report("潍坊市", 2024, REPEATED, OTHER), encoding="utf-8")
    (src / "b.txt").write_text(_report("济南市", 2025, EDITED, HALF), encoding="utf-8")
    index_dir = tmp_path_factory.mktemp(f"dup-index-{backend}")
    build_index([src], index_dir, backend=backend)
    e = SearchEngine(index_dir)
    yield e, src, index_dir
    e.close()


def test_signatures_fold_script_and_spacing() -> None:
    keys = [search_key(REPEATED), search_key("全面推進鄉村振興，新建高標準農田十二萬畝，糧食總產量穩定在一百二十億斤以上，農村居民人均可支配收入增長百分之七。"), search_key(OTHER)]
    sigs = duplicates.signatures(keys, np.ones(3, dtype=bool))
    assert (sigs[0] == sigs[1]).all() and (sigs[0] == sigs[2]).mean() < 0.2
    assert [0, 0, -1] == duplicates.clusters(sigs, np.ones(3, dtype=bool)).tolist()
    assert [-1, -1, -1] == duplicates.clusters(sigs, np.array([True, False, True])).tolist()


def test_near_duplicates_fold_into_one_hit(dup_engine) -> None:  # noqa: ANN001
    engine, _, _ = dup_engine
    page = engine.search(SearchRequest(query="乡村振兴"))
    assert 3 == page.total  # paragraphs: the two copies and the half-changed one
    assert 2 == len(page.hits)
    folded = [h for h in page.hits if h.duplicates]
    assert 1 == len(folded) and 1 == folded[0].duplicates
    other = folded[0].duplicate_ids[0]
    assert other not in {h.id for h in page.hits} and {REPEATED, EDITED} >= {folded[0].text}
    assert {"duplicates": 1, "duplicate_ids": [other]}.items() <= folded[0].to_dict().items()
    assert [0] == [h.duplicates for h in page.hits if h.text == HALF]  # half changed: its own hit
    # facet counts are counts of paragraphs
    assert {"山东省": 3} == {v.value: v.count for v in page.facets["province"]}
    assert 3 == sum(1 for _ in engine.iter_matches(SearchRequest(query="乡村振兴")))  # the export keeps all


def test_a_filter_that_leaves_one_copy_folds_nothing(dup_engine) -> None:  # noqa: ANN001
    engine, _, _ = dup_engine
    page = engine.search(SearchRequest(query="高标准农田", cities=("潍坊市",)))
    assert [(REPEATED, 0, ())] == [(h.text, h.duplicates, h.duplicate_ids) for h in page.hits]


def test_pages_count_folded_hits_once(dup_engine) -> None:  # noqa: ANN001
    engine, _, _ = dup_engine
    first = engine.search(SearchRequest(query="高标准农田", per_page=1)).hits[0]
    second = engine.search(SearchRequest(query="高标准农田", per_page=1, page=2)).hits[0]
    assert second.id not in (first.id, *first.duplicate_ids)
    assert () == engine.search(SearchRequest(query="高标准农田", per_page=1, page=3)).hits


def test_an_incremental_build_joins_new_copies_to_the_cluster(dup_engine, tmp_path: Path) -> None:  # noqa: ANN001
    engine, src, index_dir = dup_engine
    (src / "c.txt").write_text(_report("淄博市", 2025, REPEATED), encoding="utf-8")
    try:
        report = build_index([src], index_dir)
        assert report.incremental and report.files_read == 1
        page = engine.search(SearchRequest(query="高标准农田"))
        assert 4 == page.total and [0, 2] == sorted(h.duplicates for h in page.hits)
    finally:
        (src / "c.txt").unlink()
        build_index([src], index_dir)


def test_the_page_says_how_many_more_and_links_to_them(dup_engine) -> None:  # noqa: ANN001
    from search.settings import Settings
    from webui.app import create_app

    engine, _, index_dir = dup_engine
    client = create_app(Settings().with_index(index_dir)).test_client()
    html = client.get("/search?q=高标准农田").get_data(as_text=True)
    assert "还有 1 处相同或相近" in html
    hit = engine.search(SearchRequest(query="高标准农田")).hits[0]
    article, pos = hit.duplicate_ids[0].rsplit("-p", 1)
    title = next(a.title for a in engine.articles() if a.id == article)
    # named by its title, counted from 1 as readers count
    assert (f'href="/doc/{article}?q=%E9%AB%98%E6%A0%87%E5%87%86%E5%86%9C%E7%94%B0#p{pos}">'
            f"{escape(title)} 第 {int(pos) + 1} 段</a>") in html  # fmt: skip
    assert {article: title} == engine.titles([article, "no-such-article"])


def test_a_generation_without_duplicate_files_is_served_and_continued(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(_report("潍坊市", 2024, REPEATED, OTHER), encoding="utf-8")
    index_dir = tmp_path / "ix"
    build_index([src], index_dir)
    gen = next(index_dir.glob("gen-*"))
    (gen / "para.dup.npy").unlink()  # as a build before near-duplicates left it
    (gen / "minhash.npy").unlink()
    report = gen / "build.json"  # whose checksum did not cover them either
    data = json.loads(report.read_text(encoding="utf-8"))
    data["checksum"] = integrity.record(gen)
    report.write_text(json.dumps(data), encoding="utf-8")
    engine = SearchEngine(index_dir)
    assert 1 == engine.search(SearchRequest(query="高标准农田")).total
    (src / "b.txt").write_text(_report("济南市", 2025, EDITED), encoding="utf-8")
    assert build_index([src], index_dir).incremental
    page = engine.search(SearchRequest(query="高标准农田"))
    assert (2, [1]) == (page.total, [h.duplicates for h in page.hits])
    engine.close()


def _lsh_clusters(sigs: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """The reference: every signature inserted into datasketch's MinHashLSH and queried."""
    from datasketch import LeanMinHash, MinHashLSH

    n = len(sigs)
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    docs = np.flatnonzero(candidates & (sigs[:, 0] != np.uint32(0xFFFFFFFF)))
    lsh = MinHashLSH(threshold=duplicates.THRESHOLD, num_perm=duplicates.NUM_PERM)
    lean = {int(d): LeanMinHash(seed=duplicates.SEED, hashvalues=sigs[d], scheme="affine32") for d in docs}
    for d, m in lean.items():
        lsh.insert(d, m)
    for d, m in lean.items():
        for other in lsh.query(m):
            if other != d and np.count_nonzero(sigs[d] == sigs[other]) >= duplicates.THRESHOLD * duplicates.NUM_PERM:
                a, b = find(d), find(other)
                parent[max(a, b)] = min(a, b)
    rep = np.full(n, -1, dtype=np.int32)
    for d in lean:
        rep[d] = find(d)
    sizes = np.bincount(rep[rep >= 0], minlength=n)
    rep[(rep >= 0) & (sizes[np.maximum(rep, 0)] < 2)] = -1
    return rep


@pytest.mark.parametrize("seed", range(6))
def test_components_are_scipys(seed: int) -> None:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 400))
    m = int(rng.integers(1, n))
    a, b = rng.integers(0, n, size=m), rng.integers(0, n, size=m)
    got = duplicates._components(n, a, b)
    _, theirs = connected_components(coo_matrix((np.ones(m), (a, b)), shape=(n, n)), directed=False)
    # the same partition, each component labelled by its least node
    assert all(len(set(theirs[got == label])) == 1 for label in np.unique(got))
    assert len(np.unique(got)) == len(np.unique(theirs))
    assert all(label == np.flatnonzero(got == label)[0] for label in np.unique(got))


def test_components_of_a_long_shuffled_chain() -> None:
    """One component whose node numbers are shuffled along it: labels must not creep one
    edge per round (a 50,000-node chain took 11 s that way)."""
    rng = np.random.default_rng(3)
    nodes = rng.permutation(50_000)
    got = duplicates._components(50_000, nodes[:-1], nodes[1:])
    assert (got == 0).all()
    halves = duplicates._components(50_000, np.r_[nodes[:20_000], nodes[30_001:-1]], np.r_[nodes[1:20_001], nodes[30_002:]])
    assert len(np.unique(halves)) == 2 + 10_000  # two chains and the 10,000 nodes left alone


def test_batched_signatures_equal_each_keys_own() -> None:
    keys = [search_key(line) for p in sorted(SAMPLES.iterdir()) for line in p.read_text(encoding="utf-8").splitlines()]
    keys += ["", "ab", "abc", "，，，甲乙", "甲乙丙", "甲 乙 丙 丁"] * 3
    eligible = np.array([i % 7 != 3 for i in range(len(keys))])
    got = duplicates.signatures(keys, eligible)
    for i, key in enumerate(keys):
        shingles = duplicates._shingles(key)
        if not eligible[i] or not len(shingles):
            assert (got[i] == 0xFFFFFFFF).all()
            continue
        with np.errstate(over="ignore"):
            own = (duplicates._A[:, None] * shingles[None, :] + duplicates._B[:, None]).min(axis=1)
        assert (got[i] == own).all(), key


def test_bands_are_datasketchs() -> None:
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=duplicates.THRESHOLD, num_perm=duplicates.NUM_PERM)
    assert [tuple(b) for b in lsh.hashranges] == list(duplicates.BANDS)


def test_clusters_by_numpy_banding_equal_datasketchs_lsh() -> None:
    # the sample reports' paragraphs, each also copied with one, two or five characters
    # changed and a quarter of them twice: clusters of 2-4, near misses, and singles
    keys = [search_key(line) for p in sorted(SAMPLES.iterdir()) for line in p.read_text(encoding="utf-8").splitlines() if len(line) >= 30]
    rng = np.random.default_rng(7)
    copies = []
    for i, k in enumerate(keys):
        for edits in (1, 2, 5) if i % 4 == 0 else (rng.integers(1, 6),):
            chars = list(k)
            for j in rng.choice(len(chars), size=int(edits), replace=False):
                chars[j] = "改"
            copies.append("".join(chars))
    everything = keys + copies
    eligible = np.ones(len(everything), dtype=bool)
    sigs = duplicates.signatures(everything, eligible)
    candidates = eligible & (rng.random(len(everything)) < 0.9)
    got = duplicates.clusters(sigs, candidates)
    assert (got == _lsh_clusters(sigs, candidates)).all()
    assert 50 < np.count_nonzero(got >= 0) < len(everything)  # both clusters and singles
