"""One engine shared by many threads gives every thread the answer it would get alone."""

from __future__ import annotations

import gc
import sys
import threading
from pathlib import Path

import pytest

from search.engine import SearchEngine, SearchRequest

QUERIES = ["协商", "营商环境 提案", '"议政 协商"', "政", "title:综述", "提案 -潍坊", "擔當", "", "民主监督 OR 乡村振兴"]
REQUESTS = [
    SearchRequest(query=q, per_page=5, page=p, provinces=prov)
    for q in QUERIES
    for p in (1, 2)
    for prov in ((), ("山东省",))
]


def test_threads_sharing_an_engine_get_exactly_what_one_thread_gets(sample_index: Path) -> None:
    reference = SearchEngine(sample_index)
    expected = [reference.search(r).to_dict() for r in REQUESTS]
    reference.close()
    shared = SearchEngine(sample_index)  # cold: threads race to open the generation too
    errors: list[BaseException] = []
    wrong: list[int] = []

    def work(offset: int) -> None:
        try:
            for i in range(len(REQUESTS)):
                k = (i + offset) % len(REQUESTS)
                if k % 3 == 0:
                    shared.clear_cache()  # force the backend to be read, not the cache
                if shared.search(REQUESTS[k]).to_dict() != expected[k]:
                    wrong.append(k)
        except BaseException as exc:  # noqa: BLE001 - collected and reported below
            errors.append(exc)

    try:
        _run_switching_often(work, [n * 5 for n in range(8)])
    finally:
        shared.close()
    assert errors == []
    assert wrong == []


def _run_switching_often(work, args: list, *, in_allocations: bool = False) -> None:  # noqa: ANN001
    """work(a) for each a, each in a thread of its own, all at once, switching threads as
    often as possible; `in_allocations`: also inside C code that allocates (a garbage
    collector callback runs Python code there, where threads rarely switch)."""

    def busy(phase: str, info: dict) -> None:
        sum(range(100))

    old_interval, old_threshold = sys.getswitchinterval(), gc.get_threshold()
    if in_allocations:
        gc.callbacks.append(busy)
        gc.set_threshold(5)
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(a,)) for a in args]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old_interval)
        if in_allocations:
            gc.set_threshold(*old_threshold)
            gc.callbacks.remove(busy)


@pytest.mark.parametrize("n_threads", [4])
def test_documents_and_exports_under_threads(sample_index: Path, n_threads: int) -> None:
    engine = SearchEngine(sample_index)
    ids = [a.id for a in engine.articles()]
    alone = {i: engine.document(i, "协商").to_dict() for i in ids}
    total = engine.search(SearchRequest(query="协商")).total
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for i in ids:
                assert engine.document(i, "协商").to_dict() == alone[i]
                assert len(list(engine.iter_matches(SearchRequest(query="协商")))) == total
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.close()
    assert errors == []


def test_threads_opening_a_generation_at_once_all_get_it(sample_index: Path) -> None:
    """numpy reads an .npy header with ast.literal_eval, and CPython 3.11 keeps the AST
    constructor's recursion depth per interpreter: two threads reading headers at once can
    fail with "SystemError: AST constructor recursion depth mismatch", and the generation
    was then marked broken for good. A garbage-collector callback (Python code run inside
    the allocations of the AST constructor) lets threads switch there, where they rarely do."""
    expected = SearchEngine(sample_index).search(SearchRequest(query="协商")).to_dict()
    errors: list[BaseException] = []
    wrong: list[int] = []
    start = threading.Barrier(8)

    def work(n: int) -> None:
        try:
            start.wait()
            for _ in range(3):
                engine = SearchEngine(sample_index)  # cold: each opens the generation
                if engine.search(SearchRequest(query="协商")).to_dict() != expected:
                    wrong.append(n)
                engine.close()
        except BaseException as exc:  # noqa: BLE001 - collected and reported below
            errors.append(exc)

    _run_switching_often(work, list(range(8)), in_allocations=True)
    assert errors == []
    assert wrong == []
