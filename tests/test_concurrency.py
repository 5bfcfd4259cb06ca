"""One engine shared by many threads gives every thread the answer it would get alone."""

from __future__ import annotations

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

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=work, args=(n * 5,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
        shared.close()
    assert errors == []
    assert wrong == []


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
