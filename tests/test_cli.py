"""The command line through click's runner, on real indexes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import main
from search.engine import SearchEngine, SearchRequest

from .conftest import SAMPLES


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_index_prints_a_summary_and_the_skipped_files(runner: CliRunner, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.txt").write_bytes((SAMPLES / "000_3d8829ce62a8e2e7.txt").read_bytes())
    (src / "bad.txt").write_bytes(b"\x00\xff" * 50)
    result = runner.invoke(main, ["index", str(src), "--index-dir", str(tmp_path / "ix"), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "Indexed 1 files (full build): 1 articles" in result.output
    assert "bad.txt" in result.stderr


def test_search_json_is_the_engine_page(runner: CliRunner, sample_index: Path, engine: SearchEngine) -> None:
    args = ["search", "协商", "--province", "山东省", "--year", "2024", "--per-page", "5", "--json"]
    result = runner.invoke(main, [*args, "--index-dir", str(sample_index)])
    assert result.exit_code == 0, result.output
    expected = engine.search(SearchRequest(query="协商", provinces=("山东省",), years=(2024,), per_page=5))
    assert json.loads(result.output) == expected.to_dict()


def test_search_text_output(runner: CliRunner, sample_index: Path) -> None:
    result = runner.invoke(main, ["search", "社情民意", "--index-dir", str(sample_index)])
    assert result.exit_code == 0
    assert "paragraphs" in result.output and "社情民意" in result.output
    assert "<mark>" not in result.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["search", '""'], "引号"),
        (["search", "协商", "--year-from", "2025", "--year-to", "2024"], "起始年份"),
    ],
)
def test_errors_are_one_line_messages(runner: CliRunner, sample_index: Path, args: list[str], says: str) -> None:
    result = runner.invoke(main, [*args, "--index-dir", str(sample_index)])
    assert result.exit_code == 1
    assert says in result.stderr and "Traceback" not in result.output + result.stderr


def test_missing_index_is_explained(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["search", "协商", "--index-dir", str(tmp_path / "none")])
    assert result.exit_code == 1 and "cppcc-search index" in result.stderr


def test_export_jsonl_and_csv(runner: CliRunner, sample_index: Path, engine: SearchEngine) -> None:
    total = engine.search(SearchRequest()).total
    jsonl = runner.invoke(main, ["export", "--index-dir", str(sample_index)])
    rows = [json.loads(line) for line in jsonl.output.splitlines()]
    assert len(rows) == total
    assert set(rows[0]) == {
        "id", "article_id", "title", "province", "city", "district", "year", "delivered", "doc_type",
        "level", "themes", "section", "text",
    }  # fmt: skip
    as_csv = runner.invoke(main, ["export", "--format", "csv", "--index-dir", str(sample_index)])
    table = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert len(table) == total
    assert [r["id"] for r in table] == [r["id"] for r in rows]


def test_articles_json(runner: CliRunner, sample_index: Path) -> None:
    result = runner.invoke(main, ["articles", "--json", "--index-dir", str(sample_index)])
    articles = json.loads(result.output)
    assert len(articles) == 6
    assert {a["city"] for a in articles} == {"潍坊市", "聊城市", "济南市", "淄博市", "武威市", "平凉市"}
    assert all(a["paragraphs"] > 0 for a in articles)


def test_stats(runner: CliRunner, sample_index: Path) -> None:
    result = runner.invoke(main, ["stats", "--index-dir", str(sample_index)])
    assert json.loads(result.output)["articles"] == 6


def test_text_output_names_type_level_and_delivery(runner: CliRunner, sample_index: Path) -> None:
    result = runner.invoke(main, ["search", "回头看", "--index-dir", str(sample_index)])
    assert result.exit_code == 0, result.output
    assert "2024 年度  政协常委会工作报告  县级  发布 2025-01-07" in result.output
    listed = runner.invoke(main, ["articles", "--index-dir", str(sample_index)]).output
    assert "\t2024\t2025-01-07\t政协常委会工作报告\t县级\t山东省 › 济南市 › 市中区\t" in listed
