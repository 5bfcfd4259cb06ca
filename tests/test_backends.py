"""The backend seam: Whoosh and tantivy give the same answers, full and incremental builds agree."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from search.backends import BackendError, get_backend
from search.engine import SearchEngine, SearchRequest
from search.indexer import META, build_index, current_generation

from .conftest import SAMPLES

# Every kind of query the suite uses: words, single characters, Traditional input,
# phrases with and without spaces, AND / OR / NOT, title terms, punctuation, nothing.
QUERIES = [
    "协商", "提案", "社情民意", "营商环境", "民主监督", "委员工作室", "书香政协", "新质生产力",
    "有事多商量", "习近平", "中国式现代化", "75周年", "政", "担当", "擔當", "協商議政", "乡村振兴",
    "生态", "界别", "2024年", "营商环境 提案", "提案 OR 民主监督", "协商 -潍坊", "-北京",
    "NOT 协商", '"强理论 固根基"', '"协商议政"', '"议政 协商"', "title:综述", "title:政", "协商 title:政协",
    "。", "%", "一", "", "发展 OR 改革 -委员", '提案 -"强理论 固根基"',
]  # fmt: skip
FILTERS = [
    {},
    {"provinces": ("山东省",)},
    {"cities": ("平凉市", "潍坊市"), "year_from": 2024},
    {"themes": ("提案工作",), "year_to": 2024},
]


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SearchEngine]:
    out = {}
    for name in ("whoosh", "tantivy"):
        index_dir = tmp_path_factory.mktemp(f"parity-{name}")
        build_index([SAMPLES], index_dir, backend=name)
        out[name] = SearchEngine(index_dir)
    yield out
    for e in out.values():
        e.close()


@pytest.fixture(scope="module")
def whoosh_postings(engines: dict, tmp_path_factory: pytest.TempPathFactory) -> SearchEngine:
    """The Whoosh index of the samples read as a large one is: pieces from the gram and
    character postings, words from the term table, files not memory-mapped."""
    from search.backends import whoosh_backend

    patch = pytest.MonkeyPatch()
    patch.setattr(whoosh_backend, "SMALL_INDEX_KEY_BYTES", -1)
    patch.setattr(whoosh_backend, "MMAP_BELOW", -1)
    engine = SearchEngine(engines["whoosh"].index_dir)
    try:
        engine.search(SearchRequest(query="协商"))  # opens the generation under the patch
    finally:
        patch.undo()
    with engine._use() as st:
        assert not st.backend.small
    yield engine
    engine.close()


def answer(engine: SearchEngine, query: str, filters: dict) -> tuple[set[str], dict]:
    page = engine.search(SearchRequest(query=query, per_page=10, **filters))
    matched = {h.id for h in engine.iter_matches(SearchRequest(query=query, **filters))}
    assert page.total == len(matched)
    return matched, page.to_dict()["facets"]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f) or "none")
@pytest.mark.parametrize("query", QUERIES)
def test_both_backends_give_the_same_hits_and_facet_counts(
    engines: dict, whoosh_postings: SearchEngine, query: str, filters: dict
) -> None:
    whoosh = answer(engines["whoosh"], query, filters)
    tantivy = answer(engines["tantivy"], query, filters)
    assert whoosh == tantivy
    # a small Whoosh index answers pieces from its keys; a large one from its postings
    assert answer(whoosh_postings, query, filters) == whoosh


def test_whoosh_ranks_the_same_read_small_or_large(engines: dict, whoosh_postings: SearchEngine) -> None:
    for query in ("协商", "全过程人民民主", "提案 OR 民主监督", "擔當", "一"):
        request = SearchRequest(query=query, per_page=20)
        small = [(h.id, h.score) for h in engines["whoosh"].search(request).hits]
        large = [(h.id, h.score) for h in whoosh_postings.search(request).hits]
        assert small == large and small, query


def test_token_batches_are_the_chars_and_grams_of_each_key(engine: SearchEngine) -> None:
    from search.analysis import char_set, gram_set
    from search.backends.whoosh_backend import BATCH, batch_codes, gram_text

    with engine._use() as st:
        keys = [st.store.key(d) for d in range(st.columns.size)]
    # spaces of every kind, a run ending in a space, astral characters, empty keys
    keys += ["", " ", "协 商\u3000议政 ", "政协\x1f委员", "a\tb\x85c", "\U0002000b字", "x"]
    for start in range(0, len(keys), BATCH - 24):
        batch = keys[start : start + BATCH - 24]
        chars, grams = batch_codes(batch)
        local = {"c": chars & (BATCH - 1), "g": grams & (BATCH - 1)}
        for i, key in enumerate(batch):
            assert {chr(c) for c in (chars[local["c"] == i] >> 10).tolist()} == char_set(key), key
            assert {gram_text(g) for g in (grams[local["g"] == i] >> 10).tolist()} == gram_set(key), key


def test_a_byte_search_of_all_keys_equals_a_scan(engine: SearchEngine) -> None:
    with engine._use() as st:
        keys = [st.store.key(d) for d in range(st.columns.size)]
        for piece in ("协商", "全过程人民民主", "政协委员", "。", "一", "2024年", "不存在的词语"):
            expected = [d for d, k in enumerate(keys) if piece in k]
            assert st.store.docs_containing(piece).tolist() == expected, piece
        # a piece spanning the end of one key and the start of the next is no match
        a, b = keys[0], keys[1]
        across = a[-2:] + b[:2]
        if across not in a and across not in b:
            assert 0 not in st.store.docs_containing(across).tolist()


@pytest.mark.parametrize("query", ["协商", "营商环境", "提案 OR 民主监督", "民主监督", "擔當", "乡村振兴 -潍坊"])
def test_both_backends_rank_alike(engines: dict, query: str) -> None:
    # The same BM25 formula over the same tokens; tantivy quantises lengths to a byte, so
    # near-ties may swap, but the leaders agree.
    tops = [[h.id for h in e.search(SearchRequest(query=query, per_page=10)).hits] for e in engines.values()]
    assert tops[0][0] == tops[1][0]
    assert len(set(tops[0]) & set(tops[1])) >= min(8, len(tops[0]))


def test_the_backend_is_recorded_in_the_generation_and_read_from_it(engines: dict) -> None:
    for name, engine in engines.items():
        meta = json.loads((current_generation(engine.index_dir) / META).read_text())
        assert meta["backend"] == name
        assert SearchEngine(engine.index_dir).backend == name  # no configuration needed


def test_an_unknown_backend_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BackendError, match="Unknown index backend 'lucene'"):
        get_backend("lucene")
    with pytest.raises(BackendError):
        build_index([SAMPLES], tmp_path / "ix", backend="lucene")


# -- incremental builds ------------------------------------------------------------------

FILES = sorted(SAMPLES.glob("*.txt"))


def snapshot(index_dir: Path) -> dict:
    """Everything a user sees of an index, for comparing two builds of the same sources."""
    e = SearchEngine(index_dir)
    try:
        out = {
            "articles": [a.to_dict() for a in e.articles()],
            "docs": {a.id: [p.text for p in e.document(a.id).paragraphs] for a in e.articles()},
        }
        for q in ("协商", "营商环境 提案", '"议政 协商"', "title:综述", "政", "提案 -潍坊", ""):
            page = e.search(SearchRequest(query=q, per_page=100))
            out[q] = (sorted(h.id for h in page.hits), page.total, page.to_dict()["facets"])
        return out
    finally:
        e.close()


def test_incremental_build_equals_a_full_build(tmp_path: Path, backend: str) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for f in FILES[:4]:
        shutil.copy(f, src / f.name)
    index_dir = tmp_path / "inc"
    first = build_index([src], index_dir, backend=backend)
    assert not first.incremental and first.files == 4
    # change one file, delete one, add one
    changed = src / FILES[0].name
    changed.write_text(changed.read_text(encoding="utf-8") + "\n新增一段：委员履职尽责，协商议政成效明显。\n", encoding="utf-8")
    (src / FILES[1].name).unlink()
    shutil.copy(FILES[4], src / FILES[4].name)
    second = build_index([src], index_dir)  # the backend of the current generation
    assert second.backend == backend
    assert (second.incremental, second.files_read, second.files_reused, second.files_removed) == (True, 2, 2, 2)
    assert second.files == 4
    full_dir = tmp_path / "full"
    build_index([src], full_dir, backend=backend)
    assert snapshot(index_dir) == snapshot(full_dir)
    # the change is searchable, the deleted file is gone
    e = SearchEngine(index_dir)
    assert e.search(SearchRequest(query="协商议政成效明显")).total == 1
    assert not any(a.source == FILES[1].name for a in e.articles())
    e.close()


def test_an_unchanged_source_makes_no_new_generation(tmp_path: Path) -> None:
    index_dir = tmp_path / "ix"
    first = build_index([FILES[0]], index_dir)
    again = build_index([FILES[0]], index_dir)
    assert again.up_to_date and again.generation == first.generation
    assert build_index([FILES[0]], index_dir, full=True).generation != first.generation


def test_a_changed_rule_file_rereads_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import search.indexer as indexer

    index_dir = tmp_path / "ix"
    build_index([FILES[0]], index_dir)
    monkeypatch.setattr(indexer, "INGEST_VERSION", indexer.INGEST_VERSION + "-next")
    report = build_index([FILES[0]], index_dir)
    assert (report.files_read, report.files_reused) == (1, 0)


def test_a_killed_builds_folder_is_removed_and_the_good_index_kept(tmp_path: Path) -> None:
    index_dir = tmp_path / "ix"
    first = build_index([FILES[0]], index_dir)
    debris = index_dir / "gen-99999999999999-1-1"  # newer than any real one, no meta.json
    (debris / "whoosh").mkdir(parents=True)
    (debris / "text.bin").write_bytes(b"x" * 1000)
    second = build_index([FILES[0], FILES[1]], index_dir)
    names = {p.name for p in index_dir.iterdir() if p.name.startswith("gen-")}
    assert names == {first.generation, second.generation}
    assert SearchEngine(index_dir).search(SearchRequest()).total == second.paragraphs


def test_a_batch_without_words_writes_no_word_postings() -> None:
    # paragraphs of symbols only have characters and grams but no searchable word
    from search.backends.whoosh_backend import DictPool

    pool = DictPool()
    pool.add_words([], [0, 0], 0)
    pool.add_words(["协商", "协商", "政协"], [2, 0, 1], 2)
    grouped = pool.iter_postings()
    words = grouped.fields["words"]
    assert sorted(words) == ["协商", "政协"]
    ids, freqs = words["协商"]
    assert (list(ids), list(freqs)) == ([2], [2])
    assert list(words["政协"][0]) == [4]


def test_an_incremental_build_of_a_file_without_words(tmp_path: Path, backend: str) -> None:
    # the new paragraphs have characters and grams but not one searchable word
    src = tmp_path / "src"
    shutil.copytree(SAMPLES, src)
    index_dir = tmp_path / "index"
    build_index([src], index_dir, backend=backend)
    (src / "zz.txt").write_text("※※※ ＊＊＊\n\n～～～～～～\n", encoding="utf-8")
    assert build_index([src], index_dir).incremental
    engine = SearchEngine(index_dir)
    try:
        assert engine.search(SearchRequest(query="※※※")).total >= 1
        assert engine.search(SearchRequest(query="协商")).total > 0
    finally:
        engine.close()


def _whoosh_postings(index_dir: Path) -> dict[str, bytes]:
    from whoosh import index

    ix = index.open_dir(str(current_generation(index_dir) / "whoosh"))
    segment = ix._segments()[0]
    files = segment.open_compound_file(ix.storage)
    return {ext: files.open_file(segment.make_filename(f".{ext}")).read() for ext in ("pst", "trm")}


@pytest.mark.parametrize("block", [40, 1024])  # blocks are never shorter than an inlined list
def test_direct_term_writer_writes_whooshs_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int) -> None:
    """The compact terms written at once are byte for byte what Whoosh's own term and block
    calls write: inlined lists, one block and (with small blocks) many."""
    from search.backends import whoosh_backend

    monkeypatch.setattr(whoosh_backend, "BLOCK_LIMIT", block)
    written = {}
    for direct in (True, False):
        monkeypatch.setattr(whoosh_backend.LeanFieldWriter, "direct", direct)
        build_index([SAMPLES], tmp_path / str(direct), backend="whoosh", progress=False)
        written[direct] = _whoosh_postings(tmp_path / str(direct))
    assert written[True] == written[False]
    assert len(written[True]["pst"]) > 10_000
    engine = SearchEngine(tmp_path / "True")
    assert engine.search(SearchRequest(query="协商")).total == engine.search(SearchRequest(query="協商")).total > 20
    engine.close()


@pytest.mark.parametrize("block", [40, 1024])
def test_posting_lists_read_at_once_equal_whooshs_block_walk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int) -> None:
    """Every term's postings read from one get of its bytes (whoosh_backend._read_blocks)
    equal walking its blocks with Whoosh's own W3LeafMatcher (one block and, with small
    blocks, many; document numbers and frequencies), and a character's postings are exactly
    the paragraphs whose search key holds it."""
    from whoosh import index
    from whoosh.codec.whoosh3 import W3LeafMatcher

    from search.backends import whoosh_backend as wb

    monkeypatch.setattr(wb, "BLOCK_LIMIT", block)
    build_index([SAMPLES], tmp_path, backend="whoosh", progress=False)
    engine = SearchEngine(tmp_path)
    engine.search(SearchRequest(query="协商"))
    st = engine._acquire()
    keys = [st.store.key(d) for d in range(st.store.size)]
    ix = index.open_dir(str(current_generation(tmp_path) / "whoosh"))
    blocks = 0
    with ix.reader() as r:
        (seg, offset), = r.leaf_readers()
        terms = seg._terms
        for field in (wb.CHARS, wb.GRAMS, wb.WORDS):
            for text in r.lexicon(field):
                got_ids, got_freqs = st.backend.postings(field, text.decode("utf-8"), with_freq=True)
                if field == wb.CHARS:
                    assert got_ids.tolist() == [d for d, k in enumerate(keys) if text.decode("utf-8") in k]
                info = terms.term_info(field, text)
                if info.is_inlined():
                    continue
                m = W3LeafMatcher(terms._postfile, *info.extent(), ix.schema[field].format)
                ids, freqs, n = [], [], 0
                while m.is_active():
                    m._read_data()
                    ids += np.cumsum(wb._uint32s(m._data[0])).tolist()
                    w = m._data[1]
                    freqs += [1.0] * (len(ids) - len(freqs)) if w is None else wb._uint32s(w).astype(float).tolist()
                    n += 1
                    m._next_block()
                assert (got_ids.tolist(), got_freqs.tolist()) == (ids, freqs), (field, text)
                blocks += n > 1
    assert blocks > (20 if block == 40 else -1)
    engine.close()
