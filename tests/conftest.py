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


# Headless Debian Chromium for the browser tests (tests/test_browser*.py), one per module.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def app(sample_index: Path):  # noqa: ANN201
    """The Flask app over the sample index (once per test module)."""
    from search.settings import Settings
    from webui.app import create_app

    return create_app(Settings().with_index(sample_index))


@pytest.fixture()
def client(app):  # noqa: ANN001, ANN201
    return app.test_client()


@pytest.fixture(scope="module")
def browser():  # noqa: ANN201
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser):  # noqa: ANN001, ANN201
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    p = context.new_page()
    p.set_default_timeout(TIMEOUT_MS)
    yield p
    context.close()
