"""Corrupt or foreign index state: reported in one sentence, never served silently.

Each case damages a copy of a real two-generation index (both backends) the way a crash,
a full disk or a careless operator would, then asks the CLI (`check`, `search`, `stats`)
and the site. With the damage in the current generation and an intact older one beside
it, the site serves the older one and says so; with no older one, a 503 names the problem
and the command that fixes it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import main
from search.engine import SearchEngine, SearchRequest
from search.generations import CURRENT, IndexCorrupt
from search.indexer import build_index
from search.settings import Settings
from webui.app import create_app

from .conftest import SAMPLES

FIX = "cppcc-search index --full"


@pytest.fixture(scope="module")
def two_generations(tmp_path_factory: pytest.TempPathFactory, backend: str) -> Path:
    """An index with two complete generations of the sample reports; CURRENT names the newer."""
    index_dir = tmp_path_factory.mktemp(f"two-gens-{backend}") / "index"
    build_index([SAMPLES], index_dir, backend=backend)
    older = (index_dir / CURRENT).read_text()
    os.utime(index_dir / older, (1, 1))  # older by its time too (the builds may share a second)
    build_index([SAMPLES], index_dir, backend=backend, full=True)
    assert (index_dir / CURRENT).read_text() != older
    return index_dir


def _backend_files(gen: Path) -> list[Path]:
    folder = next(p for p in gen.iterdir() if p.is_dir())
    return sorted((p for p in folder.iterdir() if p.is_file() and p.stat().st_size), key=lambda p: -p.stat().st_size)


def _segment(gen: Path) -> Path:
    return _backend_files(gen)[0]  # the biggest file of the backend: a segment's postings


def _toc(gen: Path) -> Path:
    """Whoosh's table of contents (_MAIN_n.toc), tantivy's meta.json."""
    folder = next(p for p in gen.iterdir() if p.is_dir())
    return next(p for p in folder.iterdir() if p.name.endswith(".toc") or p.name == "meta.json")


def truncate_segment(index: Path, gen: Path) -> None:
    seg = _segment(gen)
    seg.write_bytes(seg.read_bytes()[: seg.stat().st_size // 2])


def delete_segment(index: Path, gen: Path) -> None:
    _segment(gen).unlink()


def scribble_segment(index: Path, gen: Path) -> None:  # same size: only the hashes tell
    seg = _segment(gen)
    data = bytearray(seg.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 64] = bytes(255 - b for b in data[mid : mid + 64])
    seg.write_bytes(bytes(data))


def delete_toc(index: Path, gen: Path) -> None:
    _toc(gen).unlink()


def garbage_toc(index: Path, gen: Path) -> None:
    toc = _toc(gen)
    toc.write_bytes(b"\x00garbage\xff" * (toc.stat().st_size // 10 + 1))


def delete_store_file(index: Path, gen: Path) -> None:
    (gen / "text.bin").unlink()


def garbage_build_json(index: Path, gen: Path) -> None:
    (gen / "build.json").write_bytes(b"\xff{not json")


def garbage_current(index: Path, gen: Path) -> None:
    (index / CURRENT).write_bytes(b"\xff\xfe\x00gen-\x9c")


def current_is_a_folder(index: Path, gen: Path) -> None:
    (index / CURRENT).write_text(f"{gen.name}/{_segment(gen).parent.name}")


def current_is_a_plain_folder(index: Path, gen: Path) -> None:
    (index / "gen-elsewhere").mkdir()  # a gen-* folder that no build made complete
    (index / CURRENT).write_text("gen-elsewhere")


def current_goes_up(index: Path, gen: Path) -> None:
    rel = os.path.relpath(gen, index)
    (index / CURRENT).write_text(rel if rel.startswith("..") else f"../{index.name}/{rel}")


def current_is_absolute(index: Path, gen: Path) -> None:
    (index / CURRENT).write_text(str(gen.resolve()))


def current_is_a_link_outside(index: Path, gen: Path) -> None:
    outside = index.parent / "gen-outside"
    shutil.copytree(gen, outside)
    (index / "gen-linked").symlink_to(outside)
    (index / CURRENT).write_text("gen-linked")


def current_names_nothing(index: Path, gen: Path) -> None:
    (index / CURRENT).write_text("gen-20990101000000-1-1")


DAMAGE: list[Callable[[Path, Path], None]] = [
    truncate_segment, delete_segment, scribble_segment, delete_toc, garbage_toc, delete_store_file,
    garbage_build_json, garbage_current, current_is_a_folder, current_is_a_plain_folder,
    current_goes_up, current_is_absolute, current_is_a_link_outside, current_names_nothing,
]  # fmt: skip
CURRENT_DAMAGE = {garbage_current, current_is_a_folder, current_is_a_plain_folder, current_goes_up,
                  current_is_absolute, current_is_a_link_outside, current_names_nothing}  # fmt: skip


def _damaged(two_generations: Path, tmp_path: Path, damage: Callable, *, keep_older: bool) -> tuple[Path, Path]:
    index = tmp_path / "index"
    shutil.copytree(two_generations, index, symlinks=True)
    current = index / (index / CURRENT).read_text()
    if not keep_older:
        for g in index.glob("gen-*"):
            if g != current:
                shutil.rmtree(g)
        if damage in CURRENT_DAMAGE:  # the intact generation is outside, where CURRENT may lead
            outside = tmp_path / "elsewhere" / current.name
            outside.parent.mkdir()
            current = Path(shutil.move(current, outside))
    damage(index, current)
    return index, current


def _one_sentence(output: str) -> str:
    assert "Traceback" not in output
    lines = [line for line in output.strip().splitlines() if line.strip()]
    assert 1 == len(lines), output
    return lines[0]


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda d: d.__name__)
def test_damage_with_nothing_to_fall_back_on(two_generations: Path, tmp_path: Path, damage: Callable) -> None:
    index, gen = _damaged(two_generations, tmp_path, damage, keep_older=False)
    runner = CliRunner()
    check = runner.invoke(main, ["check", "--index-dir", str(index)])
    assert 0 != check.exit_code
    said = _one_sentence(check.output)
    assert said.startswith("Error: ") and FIX in said
    search = runner.invoke(main, ["search", "协商", "--index-dir", str(index)])
    assert 0 != search.exit_code
    assert FIX in _one_sentence(search.output)
    stats = runner.invoke(main, ["stats", "--index-dir", str(index)])
    assert 0 != stats.exit_code and FIX in _one_sentence(stats.output)

    client = create_app(Settings().with_index(index)).test_client()
    page = client.get("/search?q=协商")
    html = page.get_data(as_text=True)
    assert 503 == page.status_code and "索引已损坏" in html and FIX in html
    api = client.get("/api/search?q=协商")
    assert 503 == api.status_code and FIX in api.get_json()["error"]


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda d: d.__name__)
def test_damage_with_an_older_generation_serves_it_and_says_so(
    two_generations: Path, tmp_path: Path, damage: Callable, caplog: pytest.LogCaptureFixture
) -> None:
    expected = SearchEngine(two_generations).search(SearchRequest(query="协商")).to_dict()
    index, gen = _damaged(two_generations, tmp_path, damage, keep_older=True)
    with caplog.at_level(logging.WARNING):
        client = create_app(Settings().with_index(index)).test_client()
        resp = client.get("/api/search?q=协商")
    assert 200 == resp.status_code
    assert expected == resp.get_json()
    assert any("in its place" in r.getMessage() for r in caplog.records)

    stats = CliRunner().invoke(main, ["stats", "--index-dir", str(index)])
    assert 0 == stats.exit_code, stats.output
    report = json.loads(stats.stdout)
    assert report["problem"] and (report["serving"] != gen.name or damage in CURRENT_DAMAGE)
    assert ("CURRENT" in report["problem"]) == (damage in CURRENT_DAMAGE)
    assert report["integrity"].startswith("current generation broken")
    check = CliRunner().invoke(main, ["check", "--index-dir", str(index)])
    assert 0 != check.exit_code  # the current one is still broken until rebuilt


@pytest.mark.parametrize("damage", [truncate_segment, garbage_current], ids=lambda d: d.__name__)
def test_the_fixing_command_fixes_it(two_generations: Path, tmp_path: Path, damage: Callable) -> None:
    index, _ = _damaged(two_generations, tmp_path, damage, keep_older=False)
    runner = CliRunner()
    assert 0 == runner.invoke(main, ["index", str(SAMPLES), "--index-dir", str(index), "--full", "--quiet"]).exit_code
    check = runner.invoke(main, ["check", "--index-dir", str(index)])
    assert 0 == check.exit_code and "verified" in check.output
    assert SearchEngine(index).search(SearchRequest(query="协商")).total > 0


def test_an_intact_index_checks_and_stats_report_its_checksum(two_generations: Path) -> None:
    check = CliRunner().invoke(main, ["check", "--index-dir", str(two_generations)])
    assert 0 == check.exit_code
    assert check.output.strip().endswith(": verified.")
    report = json.loads(CliRunner().invoke(main, ["stats", "--index-dir", str(two_generations)]).stdout)
    assert "verified" == report["integrity"]
    assert report["checksum"]["algorithm"] == "sha256" and report["checksum"]["files"] > 3
    assert len(report["checksum"]["digest"]) == 64


def test_a_scribbled_segment_is_caught_when_the_engine_verifies(two_generations: Path, tmp_path: Path) -> None:
    index, _ = _damaged(two_generations, tmp_path, scribble_segment, keep_older=False)
    with pytest.raises(IndexCorrupt, match="SHA-256 differs"):
        SearchEngine(index, verify=True).search(SearchRequest(query="协商"))


def test_an_interpreter_error_while_opening_does_not_mark_the_generation_broken(
    two_generations: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A MemoryError or SystemError while a generation opens is the interpreter's trouble, not
    the files': that request fails, and the next one opens the same (current) generation."""
    import search.engine

    engine = SearchEngine(two_generations)
    current = (two_generations / CURRENT).read_text()
    real_store, calls = search.engine.Store, []

    def store_failing_once(folder: Path):
        calls.append(folder)
        if len(calls) == 1:
            raise MemoryError("no room")
        return real_store(folder)

    monkeypatch.setattr(search.engine, "Store", store_failing_once)
    with pytest.raises(MemoryError):
        engine.search(SearchRequest(query="协商"))
    assert engine.search(SearchRequest(query="协商")).total > 0
    assert [current, current] == [p.name for p in calls]
    assert engine.problem is None
