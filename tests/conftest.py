"""Shared fixtures: real indexes built once per session in temporary folders.

Every test that uses `sample_index` or `engine` runs once per backend (Whoosh and
tantivy): the engine's behaviour must not depend on the index behind it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from search.backends import NAMES
from search.engine import SearchEngine
from search.indexer import build_index

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "data" / "reports"


@pytest.fixture(scope="session", params=NAMES)
def backend(request: pytest.FixtureRequest) -> str:
    """The name of an index backend; tests using it run once per backend."""
    return request.param


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory, backend: str) -> Path:
    """An index of the five shipped sample reports (six articles)."""
    index_dir = tmp_path_factory.mktemp(f"sample-index-{backend}")
    build_index([SAMPLES], index_dir, backend=backend)
    return index_dir


@pytest.fixture(scope="session")
def engine(sample_index: Path) -> Iterator[SearchEngine]:
    e = SearchEngine(sample_index)
    yield e
    e.close()
