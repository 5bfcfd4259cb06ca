#!/usr/bin/env python
"""Benchmark: build time and query latency, against a substring-scan baseline in the same process.

    python scripts/bench.py --corpus ../shared/corpus/govreports --index-dir /tmp/bench-index

Each query runs as a full page (top 20 hits with snippets + facet counts for every
facet); the baseline scans every paragraph in memory for the same keys and counts the
same facets with Counter. Prints medians and p95 per query kind, and the ratio.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from search.engine import SearchEngine, SearchRequest
from search.indexer import build_index
from search.normalize import search_key
from search.query import parse

QUERIES = [
    "营商环境", "协商", "发展", "新质生产力", "乡村振兴", "民主监督", "提案", "社情民意",
    '"高质量发展"', '"全过程人民民主"', "经济 增长", "改革 开放", "生态 文明", "政府 OR 人民",
    "改革 -开放", "就业", "科技创新", "城乡", "title:报告", "一", "\"议政 协商\"", "",
]  # fmt: skip


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def baseline(paragraphs: list[tuple[str, object]], query: str) -> tuple[int, dict[str, Counter]]:
    """Substring scan of every paragraph's key plus Counter facets: the no-index baseline."""
    parsed = parse(query)
    groups = [[t.key.replace(" ", "") for t in g if not t.in_title] for g in parsed.groups]
    neg = [t.key for t in parsed.negated]
    hits = [
        h
        for key, h in paragraphs
        if all(any(k in key for k in g) for g in groups if g) and not any(k in key for k in neg)
    ]
    facets = {
        "province": Counter(h.province for h in hits),
        "city": Counter(h.city for h in hits),
        "year": Counter(h.year for h in hits),
        "theme": Counter(t for h in hits for t in h.themes),
    }
    return len(hits), facets


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(Path(__file__).resolve().parents[2] / "shared/corpus/govreports"))
    ap.add_argument("--index-dir", default=None, help="Where to build (default: a temporary folder).")
    ap.add_argument("--reuse", action="store_true", help="Do not rebuild an existing index.")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--procs", type=int, default=1)
    args = ap.parse_args()

    index_dir = Path(args.index_dir or tempfile.mkdtemp(prefix="cppcc-bench-"))
    print(f"machine: {platform.machine()} {platform.processor() or ''} {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {platform.system()} {platform.release()}")
    print(f"corpus: {args.corpus}")
    if not args.reuse or not (index_dir / "CURRENT").exists():
        t = time.perf_counter()
        report = build_index([args.corpus], index_dir, procs=args.procs)
        print(f"build: {report.files} files, {report.articles} articles, {report.paragraphs} paragraphs, "
              f"{time.perf_counter() - t:.1f} s (procs={args.procs})")

    engine = SearchEngine(index_dir)
    t = time.perf_counter()
    engine.search(SearchRequest(query="协商"))
    print(f"first search (opens the index, builds facet columns): {(time.perf_counter() - t) * 1000:.0f} ms")
    hits = list(engine.iter_matches(SearchRequest()))
    paragraphs = [(search_key(h.text), h) for h in hits]
    print(f"paragraphs in memory for the baseline: {len(paragraphs)}")

    ours: list[float] = []
    base: list[float] = []
    print("\n| query | matches | engine p50 ms | scan p50 ms | ratio |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for q in QUERIES:
        e_times, b_times = [], []
        for _ in range(args.repeat):
            engine.clear_cache()  # every search cold: no cached matches
            t = time.perf_counter()
            page = engine.search(SearchRequest(query=q, per_page=20))
            e_times.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            n, _ = baseline(paragraphs, q)
            b_times.append((time.perf_counter() - t) * 1000)
        ours += e_times
        base += b_times
        em, bm = statistics.median(e_times), statistics.median(b_times)
        shown = q or "(browse)"
        print(f"| `{shown}` | {page.total} | {em:.1f} | {bm:.1f} | {em / bm:.2f} |")
        if "title:" not in q and page.total != n:
            print(f"  ! recall differs from the scan: engine {page.total}, scan {n}")
    print(f"\nall queries: engine p50 {statistics.median(ours):.1f} ms, p95 {percentile(ours, 0.95):.1f} ms; "
          f"scan p50 {statistics.median(base):.1f} ms, p95 {percentile(base, 0.95):.1f} ms; "
          f"ratio of medians {statistics.median(ours) / statistics.median(base):.2f}")


if __name__ == "__main__":
    main()
