"""Shared fixtures: real indexes built once per session in temporary folders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from search.engine import SearchEngine
from search.indexer import build_index

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "data" / "reports"


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the five shipped sample reports (six articles)."""
    index_dir = tmp_path_factory.mktemp("sample-index")
    build_index([SAMPLES], index_dir)
    return index_dir


@pytest.fixture(scope="session")
def engine(sample_index: Path) -> Iterator[SearchEngine]:
    e = SearchEngine(sample_index)
    yield e
    e.close()
