"""Building, skipping, locking and switching generations, on small real report files."""

from __future__ import annotations

import fcntl
import json
import threading
from pathlib import Path

import pytest

from search.engine import SearchEngine, SearchRequest
from search.indexer import (
    CURRENT,
    LOCK,
    BuildInProgress,
    NothingToIndex,
    build_index,
    current_generation,
    read_report,
)

REPORT_A = """\
凝心聚力谱新篇
——聊城市政协2024年工作综述

2024年，聊城市政协深入学习贯彻党的二十届三中全会精神，围绕营商环境开展专题协商。

强化民主监督

全年立案提案503件，反映社情民意信息1978篇，营商环境持续优化。
"""

REPORT_B = """\
履职尽责展作为
——政协平凉市委员会2024年工作综述

2024年，平凉市政协围绕乡村振兴开展协商议政，建成委员工作室131个。

围绕生态文明建设开展民主监督，提出意见建议42条。
"""


def write_reports(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.txt").write_text(REPORT_A, encoding="utf-8")
    (folder / "b.txt").write_bytes(REPORT_B.encode("gb18030"))
    (folder / "broken.txt").write_bytes(b"\x00\x01\x02\xff\xfe\x00" * 100)
    (folder / "empty.txt").write_bytes(b"")
    return folder


def test_build_reports_files_articles_paragraphs_and_skips(tmp_path: Path) -> None:
    src = write_reports(tmp_path / "src")
    report = build_index([src], tmp_path / "index")
    assert (report.files, report.articles) == (2, 2)
    assert report.paragraphs == 5  # 3 in a.txt (one a heading), 2 in b.txt
    assert sorted(Path(s.path).name for s in report.skipped) == ["broken.txt", "empty.txt"]
    assert all(s.reason for s in report.skipped)
    stored = read_report(tmp_path / "index")
    assert stored is not None and stored["articles"] == 2 and len(stored["skipped"]) == 2


def test_unreadable_file_loses_nothing_else(tmp_path: Path) -> None:
    src = write_reports(tmp_path / "src")
    build_index([src], tmp_path / "index")
    engine = SearchEngine(tmp_path / "index")
    assert {a.city for a in engine.articles()} == {"聊城市", "平凉市"}
    assert engine.search(SearchRequest(query="营商环境")).total == 2
    assert engine.search(SearchRequest(query="委员工作室")).total == 1  # from the GB18030 file


def test_missing_source_path_is_reported(tmp_path: Path) -> None:
    src = write_reports(tmp_path / "src")
    report = build_index([src, tmp_path / "nowhere"], tmp_path / "index")
    assert any("does not exist" in s.reason for s in report.skipped)


def test_rebuild_switches_atomically_and_the_engine_follows(tmp_path: Path) -> None:
    src = write_reports(tmp_path / "src")
    index_dir = tmp_path / "index"
    first = build_index([src / "a.txt"], index_dir)
    engine = SearchEngine(index_dir)
    assert engine.search(SearchRequest()).total == first.paragraphs
    old_gen = current_generation(index_dir)
    second = build_index([src], index_dir)
    assert current_generation(index_dir) != old_gen
    assert (index_dir / CURRENT).read_text() == second.generation
    assert engine.search(SearchRequest()).total == second.paragraphs
    # a third build prunes the oldest generation but keeps the previous one for open readers
    third = build_index([src], index_dir, full=True)
    gens = sorted(p.name for p in index_dir.iterdir() if p.name.startswith("gen-"))
    assert len(gens) == 2 and third.generation in gens and old_gen.name not in gens
    engine.close()


def test_readers_never_see_a_half_built_index(tmp_path: Path) -> None:
    """Four threads search one engine while the index is rebuilt: every answer is whole."""
    src = write_reports(tmp_path / "src")
    index_dir = tmp_path / "index"
    build_index([src], index_dir)
    engine = SearchEngine(index_dir)
    expected = engine.search(SearchRequest()).total
    seen: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                page = engine.search(SearchRequest(query="营商环境"))
                seen.append(engine.search(SearchRequest()).total)
                assert [h.text for h in page.hits]  # stored fields read from a live reader
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(4)]
    for r in readers:
        r.start()
    try:
        for _ in range(4):
            build_index([src], index_dir)
    finally:
        stop.set()
        for r in readers:
            r.join()
    assert errors == []
    assert seen and set(seen) == {expected}
    engine.close()


def test_an_export_keeps_its_generation_through_rebuilds(tmp_path: Path) -> None:
    src = write_reports(tmp_path / "src")
    index_dir = tmp_path / "index"
    build_index([src], index_dir)
    engine = SearchEngine(index_dir)
    rows = engine.iter_matches(SearchRequest())
    first = next(rows)
    for _ in range(3):  # the generation it reads is replaced, then pruned from the folder
        build_index([src], index_dir)
    rest = list(rows)
    assert [first.id, *(h.id for h in rest)] == [h.id for h in engine.iter_matches(SearchRequest())]
    engine.close()


def test_a_second_concurrent_build_fails_clearly(tmp_path: Path) -> None:
    src = write_reports(tmp_path / "src")
    index_dir = tmp_path / "index"
    build_index([src], index_dir)
    before = current_generation(index_dir)
    with open(index_dir / LOCK, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running build holds it
        with pytest.raises(BuildInProgress, match="Another build"):
            build_index([src], index_dir)
    assert current_generation(index_dir) == before
    assert len([p for p in index_dir.iterdir() if p.name.startswith("gen-")]) == 1


def test_nothing_to_index_keeps_the_current_index(tmp_path: Path) -> None:
    src = write_reports(tmp_path / "src")
    index_dir = tmp_path / "index"
    build_index([src], index_dir)
    before = current_generation(index_dir)
    with pytest.raises(NothingToIndex, match="left as it was"):
        build_index([src / "broken.txt", src / "empty.txt"], index_dir)
    assert current_generation(index_dir) == before


def test_build_json_is_written_in_the_generation(tmp_path: Path) -> None:
    src = write_reports(tmp_path / "src")
    report = build_index([src], tmp_path / "index")
    data = json.loads((tmp_path / "index" / report.generation / "build.json").read_text())
    assert data["paragraphs"] == report.paragraphs


def test_sidecar_manifest_overrides_detection(tmp_path: Path) -> None:
    src = write_reports(tmp_path / "src")
    (src / "manifest.toml").write_text(
        '[[override]]\nfile = "b.txt"\nyear = 2020\ncity = "武威"\ntitle = "改过的标题"\n', encoding="utf-8"
    )
    build_index([src], tmp_path / "index")
    engine = SearchEngine(tmp_path / "index")
    by_source = {a.source: a for a in engine.articles()}
    b = by_source["b.txt"]
    assert (b.province, b.city, b.year, b.title) == ("甘肃省", "武威市", 2020, "改过的标题")
    a = by_source["a.txt"]
    assert (a.province, a.city, a.year) == ("山东省", "聊城市", 2024)
    engine.close()


def test_invalid_manifest_skips_its_folder_with_the_reason(tmp_path: Path) -> None:
    src = write_reports(tmp_path / "src")
    (src / "manifest.toml").write_text('[[override]]\nfile = "b.txt"\nyear = "soon"\n', encoding="utf-8")
    other = tmp_path / "other"
    other.mkdir()
    (other / "c.txt").write_text(REPORT_A, encoding="utf-8")
    report = build_index([src, other], tmp_path / "index")
    assert report.files == 1
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert "manifest" in reasons["a.txt"] and "manifest" in reasons["b.txt"]


PAGE = """<!DOCTYPE html><html><head><meta charset="gbk"><title>政协潍坊市委员会2024年工作综述_潍坊市政协</title>
<script>var tracker = "不应出现的脚本文字";</script><style>p { color: red }</style></head>
<body><nav><a href="/">首页</a> &gt; <a href="/news">政协要闻</a></nav>
<h1>政协潍坊市委员会2024年工作综述</h1>
<p>2024年，潍坊市政协围绕<b>营商环境</b>开展专题协商，提出意见建议&nbsp;36条。</p>
<p>强化民主监督</p>
<p>全年立案提案412件，办复率100%。</p>
<footer>版权所有 潍坊市政协 鲁ICP备12345678号</footer></body></html>"""


def test_an_html_page_in_gbk_is_indexed_without_its_furniture(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "page.html").write_bytes(PAGE.encode("gbk"))
    report = build_index([src], tmp_path / "index")
    assert (report.files, report.articles, report.skipped) == (1, 1, ())
    engine = SearchEngine(tmp_path / "index")
    (article,) = engine.articles()
    assert (article.title, article.province, article.city, article.year) == (
        "政协潍坊市委员会2024年工作综述", "山东省", "潍坊市", 2024,
    )  # fmt: skip
    texts = [p.text for p in engine.document(article.id).paragraphs]
    assert texts == [
        "2024年，潍坊市政协围绕营商环境开展专题协商，提出意见建议 36条。",
        "强化民主监督",
        "全年立案提案412件，办复率100%。",
    ]
    engine.close()


@pytest.fixture(autouse=True)
def _every_backend(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test of this module runs once per backend: builds default to it."""
    import search.indexer

    monkeypatch.setattr(search.indexer, "DEFAULT", backend)


def test_links_outside_the_folder_dangling_or_looping_are_skipped_with_a_reason(tmp_path: Path) -> None:
    src = write_reports(tmp_path / "src")
    secret = tmp_path / "secret.txt"
    secret.write_text("机密：不应被索引的内容。" * 10, encoding="utf-8")
    (src / "passwd.txt").symlink_to(secret)
    (src / "gone.txt").symlink_to(tmp_path / "nothing.txt")
    (src / "loop.txt").symlink_to(src / "loop.txt")
    (src / "inside.txt").symlink_to(src / "a.txt")
    report = build_index([src], tmp_path / "index")
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert "outside the source folder" in reasons["passwd.txt"]
    assert "dangling" in reasons["gone.txt"]
    assert "loops" in reasons["loop.txt"]
    assert "inside.txt" not in reasons  # a link within the folder is read
    assert SearchEngine(tmp_path / "index").search(SearchRequest(query="机密")).total == 0
