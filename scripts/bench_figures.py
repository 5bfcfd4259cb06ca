"""The figures part of scripts/bench.py (issue 9): what extracting figures adds to a build,
and how fast the figures table and the related paragraphs answer.

  extraction  search.figures.extract over every paragraph of the built index, CPU s, and
              its share of the build's CPU s (the build runs exactly this per paragraph)
  table       figure_table for every metric, unfiltered, by one province, with a query;
              the engine's caches cleared before every run
  related     related() for up to 200 paragraphs drawn at random (seed 9), caches cleared
"""

from __future__ import annotations

import json
import random
import statistics
import time
from pathlib import Path
from typing import Any

from search.engine import SearchEngine, SearchRequest
from search.figure_table import figure_table
from search.figures import ROW, extract, load_rules, store_figures
from search.related import related


def _stats(walls: list[float], cpus: list[float]) -> dict[str, float]:
    walls, cpus = sorted(walls), sorted(cpus)

    def p95(v: list[float]) -> float:
        return v[min(len(v) - 1, round(0.95 * (len(v) - 1)))]

    return {"runs": len(walls), "p50_ms": round(statistics.median(walls), 2), "p95_ms": round(p95(walls), 2),
            "cpu_p50_ms": round(statistics.median(cpus), 2), "cpu_p95_ms": round(p95(cpus), 2)}  # fmt: skip


def _timed(fn: Any, before: Any) -> tuple[float, float]:
    before()
    w, c = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - w) * 1000, (time.process_time() - c) * 1000


def measure_figures(index_dir: Path, repeat: int, build: dict[str, Any] | None) -> dict[str, Any]:
    engine = SearchEngine(index_dir)
    out: dict[str, Any] = {}
    try:
        with engine.selection() as (st, live):
            store, cols = st.store, st.columns
            docs = [d for d in range(cols.size) if live[d] and not cols.heading[d]]
            load_rules()
            cpu = time.process_time()
            rows = []
            for d in docs:
                rows.extend(extract(store.text(d), store.key(d), store.section(d)))
            json.dumps({"row": ROW, "rows": [list(r.__dict__.values()) for r in rows]}, ensure_ascii=False)
            extraction = time.process_time() - cpu
            figures = len(store_figures(store))
            provinces = sorted({f.province for f in store_figures(store) if f.province})
            ids = [f"{store.article_of(d).id}-p{int(cols.position[d])}" for d in docs]
        build_cpu = (build or {}).get("cpu_s")
        out["extraction"] = {
            "cpu_s": round(extraction, 3), "figures": figures, "paragraphs": len(docs),
            "build_cpu_s": build_cpu,
            "share_of_build": round(extraction / build_cpu, 4) if build_cpu else None,
        }  # fmt: skip
        reqs = [None, SearchRequest(provinces=tuple(provinces[:1])), SearchRequest(query="政协")]
        walls, cpus = [], []
        for metric in load_rules().metrics:
            for req in reqs:
                for _ in range(repeat):
                    w, c = _timed(lambda m=metric.name, r=req: figure_table(engine, m, r), engine.clear_cache)
                    walls.append(w)
                    cpus.append(c)
        out["table"] = _stats(walls, cpus)
        walls, cpus = [], []
        related(engine, ids[0]) if ids else None  # loads the segmenter (once per process)
        for pid in random.Random(9).sample(ids, min(200, len(ids))):
            w, c = _timed(lambda pid=pid: related(engine, pid), engine.clear_cache)
            walls.append(w)
            cpus.append(c)
        out["related"] = _stats(walls, cpus)
    finally:
        engine.close()
    return out


def figure_rows(backends: dict[str, Any]) -> list[str]:
    """Markdown rows for the report: one per backend that measured the figures part."""
    lines = []
    for backend, r in backends.items():
        f = r.get("figures")
        if not f or "error" in f:
            continue
        e, t, rel = f["extraction"], f["table"], f["related"]
        share = f"{100 * e['share_of_build']:.1f}%" if e.get("share_of_build") is not None else "–"
        lines.append(
            f"| {backend} | {e['figures']} | {e['cpu_s']} | {e['build_cpu_s']} | {share} "
            f"| {t['p50_ms']} / {t['p95_ms']} | {rel['p50_ms']} / {rel['p95_ms']} |"
        )
    if not lines:
        return []
    return ["", "| figures (issue 9) | figures | extraction CPU s | build CPU s | share | table p50 / p95 ms "
            "| related p50 / p95 ms |", "|---|---:|---:|---:|---:|---:|---:|", *lines]  # fmt: skip
