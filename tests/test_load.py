"""Memory stays bounded over thousands of varied requests; a real waitress server under
concurrent browsers gives every page exactly as it gives it to one browser at a time."""

from __future__ import annotations

import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from search.engine import SearchEngine
from search.settings import Settings
from webui.app import create_app

from .conftest import REPO

WORDS = ["协商", "政协", "提案", "营商环境", "民主监督", "乡村振兴", "委员", "擔當", "的", "政", "发展", "履职"]
FILTERS = ["province=山东省", "province=甘肃省", "year=2024", "year=2023", "level=市级", "theme=提案工作",
           "doc_type=政协工作综述", "year_from=2020&year_to=2025", "city=济南市"]  # fmt: skip
NASTY = ["\x00", "\u202e", "<script>", "%", '"', "“", "OR", "NOT", "title:", "-", "\ufffd", "𠀀", " ", "*?[]"]


def varied_urls(n: int, seed: int, article_ids: list[str]) -> list[str]:
    """n request URLs of every kind a visitor or a fuzzer sends: searches with filters and
    pages, syntax abuse, random Unicode, JSON and CSV twins, documents, unknown pages."""
    rnd = random.Random(seed)
    urls = []
    for _ in range(n):
        kind = rnd.random()
        words = rnd.sample(WORDS, rnd.randint(1, 3))
        q = " ".join(words)
        if kind < 0.15:
            q = "".join(rnd.choice(NASTY + WORDS) for _ in range(rnd.randint(1, 12)))
        elif kind < 0.25:
            codes = (rnd.randint(0x20, 0x2FFFF) for _ in range(rnd.randint(1, 40)))
            q = "".join(chr(c) if not 0xD800 <= c < 0xE000 else "\ue000" for c in codes)  # no lone surrogates
        elif kind < 0.3:
            q = " OR ".join(rnd.choices(WORDS, k=rnd.randint(2, 14)))
        args = [f"q={quote(q, safe='')}"] + [quote(f, safe="=&") for f in rnd.sample(FILTERS, rnd.randint(0, 2))]
        if rnd.random() < 0.3:
            args.append(f"page={rnd.choice(['1', '2', '7', '0', '-1', 'x', '99999999'])}")
        if rnd.random() < 0.2:
            args.append(f"per_page={rnd.choice(['5', '50', '100', '101'])}")
        if rnd.random() < 0.1:
            args.append(f"sort={rnd.choice(['newest', 'oldest', 'bogus'])}")
        path = rnd.choices(["/search", "/api/search", "/search.csv", "/doc", "/api/doc", "/articles", "/nope"],
                           weights=[40, 25, 5, 10, 5, 2, 2])[0]  # fmt: skip
        if path in ("/doc", "/api/doc"):
            urls.append(f"{path}/{rnd.choice(article_ids + ['nope', '..%2F..'])}?q={quote(q, safe='')}")
        else:
            urls.append(f"{path}?{'&'.join(args)}")
    return urls


BOUND_BYTES = 8 * 2**20  # growth of traced memory after 1,500 requests of warm-up, over 300 more (traced: slow)


def test_memory_stays_bounded_over_thousands_of_varied_requests(sample_index: Path, backend: str) -> None:
    if backend != "whoosh":
        pytest.skip("tracemalloc sees Python's allocations only: tantivy's are in Rust, the rest is the same")
    app = create_app(Settings().with_index(sample_index))
    client = app.test_client()
    ids = [a.id for a in SearchEngine(sample_index).articles()]
    statuses: dict[int, int] = {}

    def run(urls: list[str]) -> None:
        for url in urls:
            resp = client.get(url)
            resp.get_data()
            statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
            resp.close()

    run(varied_urls(1500, 1, ids))  # warm-up: caches fill, templates compile
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        run(varied_urls(300, 2, ids))
        after, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"traced growth {(after - before) / 2**20:.2f} MB, peak {(peak - before) / 2**20:.2f} MB", statuses)
    assert not any(s >= 500 for s in statuses), statuses
    assert {200, 400, 404} <= set(statuses)
    assert after - before < BOUND_BYTES, f"grew {(after - before) / 2**20:.1f} MB"
    assert peak - before < 4 * BOUND_BYTES, f"peaked {(peak - before) / 2**20:.1f} MB above the start"


# --- a real waitress server ----------------------------------------------------------------

ELAPSED = re.compile(r"用时 \d+ 毫秒")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(base: str, url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(base + url, timeout=60) as resp:
            return resp.status, ELAPSED.sub("", resp.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, ELAPSED.sub("", exc.read().decode("utf-8"))


def test_waitress_with_many_threads_serves_every_page_as_one_thread_does(sample_index: Path) -> None:
    ids = [a.id for a in SearchEngine(sample_index).articles()]
    urls = [u for u in varied_urls(60, 3, ids) if not u.startswith("/api/")]  # the browser's pages
    urls += ["/", "/articles", f"/doc/{ids[0]}?q={quote('协商')}", f"/search?q={quote('协商')}&page=2&per_page=5"]
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "waitress", f"--listen=127.0.0.1:{port}", "--threads=8",
         "--call", "webui.app:create_app"],
        cwd=REPO, env={**os.environ, "CPPCC_INDEX_DIR": str(sample_index)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "waitress did not start"
                time.sleep(0.05)
        alone = [_get(base, u) for u in urls]
        got: dict[int, list[tuple[int, str]]] = {}
        errors: list[BaseException] = []

        def browse(n: int) -> None:
            try:
                order = list(range(len(urls)))
                random.Random(n).shuffle(order)
                got[n] = [None] * len(urls)  # type: ignore[list-item]
                for i in order:
                    got[n][i] = _get(base, urls[i])
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        browsers = [threading.Thread(target=browse, args=(n,)) for n in range(8)]
        for b in browsers:
            b.start()
        for b in browsers:
            b.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert errors == []
    assert not any(status >= 500 for status, _ in alone)
    for n, pages in got.items():
        wrong = [urls[i] for i, page in enumerate(pages) if page != alone[i]]
        assert wrong == [], f"browser {n}"


@pytest.mark.parametrize("n", [0])
def test_varied_urls_cover_every_kind(n: int) -> None:
    urls = varied_urls(400, n, ["a-1"])
    for prefix in ("/search?", "/api/search?", "/search.csv?", "/doc/", "/api/doc/", "/articles", "/nope"):
        assert any(u.startswith(prefix) for u in urls), prefix
