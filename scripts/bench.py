#!/usr/bin/env python
"""Benchmark: build, cold start, query latency, incremental build and served throughput of
cppcc-search, beside three baselines measured in the same run on the same paragraphs.

    .venv/bin/python scripts/bench.py                          # samples + gov267, every backend
    .venv/bin/python scripts/bench.py --corpus synth10k large --backend whoosh tantivy
    .venv/bin/python scripts/bench.py --corpus gov267 --parts build queries scan fts5
    .venv/bin/python scripts/bench.py --print-from bench-results/bench-2026-11-29-1959.json

Time it takes: each incremental measurement builds its copy twice, and the Whoosh build of
the large corpus takes the better part of an hour; `--parts` and `--backend` narrow a run.
On a loaded machine compare the CPU columns: wall times and pages/s follow the load.

Corpora (--corpus, several allowed; NAME=PATH adds one):
  samples   data/reports (the five shipped reports)
  gov267    ../shared/corpus/govreports (267 reports)
  large     /tmp/large (2,700 Markdown reports); when that folder does not exist, they
            are unpacked from ../shared/corpus/govreports-large.tar.xz into the work folder
  synth10k  ~10,000 paragraphs recombined from the sentences of the sample reports,
            deterministic, written as report files into the work folder

For every corpus and backend (--backend whoosh tantivy; a backend the code does not offer
yet is skipped with a note) the parts (--parts) are:
  build        `build_index` in a child process: wall and CPU s, peak RSS (the child's own
               rusage from wait4), index size on disk, paragraphs
  cold         a new process from its start to its first full page, median of 3
  queries      p50/p95 (wall and CPU) of a full page: top 10 with snippets + every facet
               count, the engine's match cache cleared before every run, --repeat runs
  views        later views (trend, concordance) when the engine has them
  serve        the site (--server: gunicorn 2 workers x 4 threads, or waitress 8 threads) on
               loopback, driven for --serve-seconds by `wrk` (or a
               threaded keep-alive Python client) over --serve-urls distinct search URLs
               (more than the engine's match cache holds): pages/s, non-200, server VmHWM
  incremental  copy the corpus without 10 reports, build, put them back, rebuild
  figures      figure extraction's share of the build CPU, figures table and related
               paragraphs p50/p95 (scripts/bench_figures.py)
and once per corpus, on the paragraphs of the first index built:
  scan         substring scan of every paragraph's search key + Counter facets
  fts5         SQLite FTS5, trigram tokenizer over the search keys, bm25, GROUP BY facets;
               a term shorter than 3 characters cannot use the trigram index and falls back
               to instr() over every row (a full scan, stated in the output)
  naive        Whoosh + jieba's ChineseAnalyzer + groupedby facets, only up to
               --naive-max paragraphs (it takes minutes)

Prints markdown tables with absolute numbers and ratios, writes JSON (--json-out, default
bench-results/bench-<date>.json) with the machine, versions and command line. A part that
fails is reported as failed and the run goes on.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.metadata
import importlib.util
import inspect
import json
import os
import platform
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import traceback
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's `search`, not whatever the venv points at

from scripts.bench_figures import figure_rows, measure_figures  # noqa: E402
from search import research  # noqa: E402
from search.engine import SearchEngine, SearchRequest  # noqa: E402
from search.indexer import build_index  # noqa: E402
from search.normalize import search_key  # noqa: E402
from search.query import parse  # noqa: E402

CORPORA: dict[str, Path | None] = {
    "samples": ROOT / "data" / "reports",
    "gov267": ROOT.parent / "shared" / "corpus" / "govreports",
    "large": Path("/tmp/large"),
    "synth10k": None,  # generated into the work folder
}
LARGE_ARCHIVE = ROOT.parent / "shared" / "corpus" / "govreports-large.tar.xz"
BACKENDS = ("whoosh", "tantivy")
PARTS = ("build", "cold", "queries", "views", "serve", "incremental", "scan", "fts5", "naive", "figures")
REPORT_SUFFIXES = {".txt", ".html", ".htm", ".md"}
PER_PAGE = 10
COLD_QUERY = "营商环境"
INCREMENTAL_FILES = 10

# (kind, query, filters). Filters name placeholders filled per corpus from its data:
# "province" -> its most common province, "years" -> the three years up to its most common.
QUERIES: list[tuple[str, str, tuple[str, ...]]] = [
    ("word", "营商环境", ()),
    ("word", "提案", ()),
    ("word", "发展", ()),
    ("word", "协商", ()),
    ("word", "新质生产力", ()),
    ("word", "乡村振兴", ()),
    ("word", "民主监督", ()),
    ("word", "高质量发展", ()),
    ("word", "委员企业", ()),
    ("and", "经济 增长", ()),
    ("and", "改革 开放", ()),
    ("and", "生态 文明", ()),
    ("or", "营商环境 OR 新质生产力", ()),
    ("or", "政府 OR 人民", ()),
    ("not", "改革 -开放", ()),
    ("not", "协商 NOT 民主", ()),
    ("phrase", '"协商议政"', ()),
    ("phrase", '"高质量发展"', ()),
    ("phrase", '"社情民意信息"', ()),
    ("phrase", '"全过程人民民主"', ()),
    ("phrase-spaced", '"议政 协商"', ()),
    ("traditional", "營商環境", ()),
    ("traditional", "協商民主", ()),
    ("char", "一", ()),
    ("filter", "营商环境", ("province",)),
    ("filter", "发展", ("years",)),
    ("filter", "协商", ("province", "years")),
    ("browse", "", ()),
    ("browse-filter", "", ("province", "years")),
]

# The `views` part: the research views (search.research, issue 8: trend by year and by
# province, concordance, results by article), each over every VIEW_QUERIES query with a cold
# match cache: the engine's answer, and the whole page through the Flask app.
VIEW_QUERIES = ("营商环境", "政协", "新质生产力", "协商 OR 议政", "发展")
VIEW_PROBES: dict[str, Callable[[Any, SearchRequest], Any]] = {
    "trend": lambda engine, req: research.trend(engine, replace(req, query=""), (req.query,), ("year",)),
    "trend_province": lambda engine, req: research.trend(engine, replace(req, query=""), (req.query,), ("province",)),
    "kwic": lambda engine, req: research.concordance(engine, replace(req, per_page=50)),
    "kwic_left": lambda engine, req: research.concordance(engine, replace(req, per_page=50), sort="left"),
    "group_article": lambda engine, req: research.group_articles(engine, replace(req, group="article")),
}
VIEW_PAGES = {  # path templates, {q} the query
    "trend_page": "/trend?q={q}",
    "trend_province_page": "/trend?q={q}&by=province",
    "kwic_page": "/kwic?q={q}",
    "group_page": "/search?q={q}&group=article",
}

SYNTH_CITIES = [
    ("山东省", "济南市"), ("山东省", "聊城市"), ("甘肃省", "武威市"), ("甘肃省", "平凉市"),
    ("四川省", "成都市"), ("四川省", "绵阳市"), ("广东省", "广州市"), ("广东省", "佛山市"),
    ("浙江省", "杭州市"), ("浙江省", "宁波市"), ("江苏省", "南京市"), ("江苏省", "苏州市"),
    ("河南省", "郑州市"), ("河南省", "洛阳市"), ("湖南省", "长沙市"), ("湖北省", "武汉市"),
    ("陕西省", "西安市"), ("云南省", "昆明市"), ("安徽省", "合肥市"), ("河北省", "保定市"),
]  # fmt: skip


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def summary(wall_ms: list[float], cpu_ms: list[float] | None = None) -> dict[str, float]:
    out = {"p50_ms": round(statistics.median(wall_ms), 2), "p95_ms": round(percentile(wall_ms, 0.95), 2)}
    if cpu_ms:
        out |= {"cpu_p50_ms": round(statistics.median(cpu_ms), 2), "cpu_p95_ms": round(percentile(cpu_ms, 0.95), 2)}
    return out


def run_part(name: str, fn: Callable[..., dict[str, Any]], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Run one measurement; a failure becomes {"error": ...} and the benchmark goes on."""
    log(f"{name} ...")
    started = time.perf_counter()
    try:
        result = fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - every failure is reported, none stops the run
        tb = traceback.format_exc().strip().splitlines()
        log(f"{name} FAILED: {type(exc).__name__}: {exc}")
        result = {"error": f"{type(exc).__name__}: {exc}", "traceback": tb[-6:]}
    else:
        log(f"{name} done in {time.perf_counter() - started:.1f} s")
    return result


class Results(dict):
    """The JSON document, written again after every part so an interrupted run keeps
    what it measured."""

    def __init__(self, path: Path, **items: Any) -> None:
        super().__init__(**items)
        self.path = path

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        os.replace(tmp, self.path)


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def report_files(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in REPORT_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )  # fmt: skip


def child_env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))


# machine and versions ---------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gb = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        mem_gb = round(kb / 1024 / 1024, 1)
    return {
        "cpu": cpu or platform.processor(),
        "cores": os.cpu_count(),
        "ram_gb": mem_gb,
        "os": f"{platform.system()} {platform.release()}",
        "load_avg_at_start": os.getloadavg(),
    }


def versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for dist in ("whoosh-reloaded", "tantivy", "rjieba", "jieba", "opencc", "numpy", "flask", "waitress", "gunicorn"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = None
    wrk = shutil.which("wrk")
    if wrk:
        run = subprocess.run([wrk, "--version"], capture_output=True, text=True)
        out["wrk"] = (run.stdout + run.stderr).split("Copyright")[0].strip() or "installed"
    else:
        out["wrk"] = None
    git = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True)
    out["cppcc-search (git)"] = git.stdout.strip() or None
    return out


def backend_support() -> dict[str, str | None]:
    """Why a backend cannot be measured with this checkout (None: it can)."""
    params = inspect.signature(build_index).parameters
    out: dict[str, str | None] = {}
    for backend in BACKENDS:
        if backend == "whoosh":
            out[backend] = None
        elif "backend" not in params:
            out[backend] = "build_index() has no backend argument yet"
        elif importlib.util.find_spec(backend) is None:
            out[backend] = f"the {backend} package is not installed"
        else:
            out[backend] = None
    return out


# corpora ----------------------------------------------------------------------------


def synthetic_corpus(dest: Path, paragraphs: int = 10_000, per_report: int = 50, seed: int = 20261129) -> Path:
    """Reports made of sentences of the sample reports, recombined deterministically.

    Narrow vocabulary and long posting lists: a pessimistic corpus for an index."""
    from search.corpus import iter_corpus

    sentences: set[str] = set()
    for result in iter_corpus([CORPORA["samples"]]):
        for article in result.articles:
            for p in article.paragraphs:
                if p.is_heading:
                    continue
                for s in re.split(r"(?<=[。！？；])", p.text):
                    if 8 <= len(s.strip()) <= 120:
                        sentences.add(s.strip())
    pool = sorted(sentences)
    if not pool:
        raise RuntimeError("no sentences found in the sample reports")
    rng = random.Random(seed)
    dest.mkdir(parents=True, exist_ok=True)
    for i in range(max(1, paragraphs // per_report)):
        province, city = SYNTH_CITIES[i % len(SYNTH_CITIES)]
        year = 2015 + (i * 7) % 11
        lines = [
            f"政协{city}委员会常务委员会工作报告",
            f"——{year + 1}年1月{1 + i % 27}日在政协{city}第{'十十一二'[i % 3]}届委员会第{i % 5 + 1}次会议上",
        ]
        lines += ["".join(rng.choice(pool) for _ in range(rng.randint(2, 4))) for _ in range(per_report)]
        (dest / f"synth_{i:04d}_{province}{city}{year}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dest


def corpus_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in report_files(folder):
        h.update(str(p.relative_to(folder)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


# build ------------------------------------------------------------------------------

BUILD_CHILD = r"""
import inspect, json, sys
from search.indexer import build_index
args = json.loads(sys.argv[1])
params = inspect.signature(build_index).parameters
kw = {k: v for k, v in args["options"].items() if k in params}
out = {"used": kw, "unsupported": sorted(k for k in args["options"] if k not in params)}
try:
    report = build_index(args["sources"], args["index_dir"], **kw)
    out["ok"] = True
    out["report"] = report.to_dict() if hasattr(report, "to_dict") else dict(vars(report))
except Exception as exc:
    out["ok"] = False
    out["error_type"] = type(exc).__name__
    out["error"] = str(exc)
with open(args["out"], "w", encoding="utf-8") as fh:
    json.dump(out, fh, ensure_ascii=False, default=str)
"""


def run_build(sources: list[Path], index_dir: Path, options: dict[str, Any], work: Path) -> dict[str, Any]:
    """build_index in a child process; its own rusage (wait4) gives CPU and peak RSS."""
    out_file = work / f"build-{time.monotonic_ns()}.json"
    payload = {"sources": [str(s) for s in sources], "index_dir": str(index_dir), "options": options, "out": str(out_file)}
    with open(work / "build.log", "ab") as logfh:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", BUILD_CHILD, json.dumps(payload)],
            cwd=ROOT, env=child_env(), stdout=logfh, stderr=logfh,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
    result: dict[str, Any] = {
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "exit_code": proc.returncode,
    }
    if out_file.exists():
        child = json.loads(out_file.read_text(encoding="utf-8"))
        out_file.unlink()
        result |= {k: child[k] for k in ("used", "unsupported")}
        if child["ok"]:
            rep = child["report"]
            result |= {k: rep.get(k) for k in ("files", "articles", "paragraphs") if k in rep}
            result["skipped_files"] = len(rep.get("skipped") or ())
            result["report"] = {k: v for k, v in rep.items() if k != "skipped"}
        else:
            result["error"] = f"{child['error_type']}: {child['error']}"
            result["error_type"] = child["error_type"]
    else:
        result["error"] = f"the build process exited with {proc.returncode} (see {work / 'build.log'})"
    if index_dir.exists():
        result["index_mb"] = round(dir_size(index_dir) / 1e6, 1)
    return result


def nothing_readable(build: dict[str, Any]) -> bool:
    return build.get("error_type") == "NothingToIndex" or ("error" not in build and not build.get("paragraphs"))


def measure_build(source: Path, index_dir: Path, backend: str, procs: int, work: Path) -> dict[str, Any]:
    options: dict[str, Any] = {"progress": False, "procs": procs, "full": True}
    if backend != "whoosh":
        options["backend"] = backend
    return run_build([source], index_dir, options, work)


# cold start -------------------------------------------------------------------------

COLD_CHILD = r"""
import time
t0 = time.perf_counter()
import json, sys
from search.engine import SearchEngine, SearchRequest
page = SearchEngine(sys.argv[1]).search(SearchRequest(query=sys.argv[2], per_page=int(sys.argv[3])))
print(json.dumps({"total": page.total, "hits": len(page.hits), "in_process_s": time.perf_counter() - t0}))
"""


def measure_cold_start(index_dir: Path, runs: int = 3) -> dict[str, Any]:
    """A new interpreter, from its start to its first full page, as seen from outside
    (wall, and the child's CPU from wait4, which a loaded machine does not inflate)."""
    walls, cpus, inside = [], [], []
    total = None
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", COLD_CHILD, str(index_dir), COLD_QUERY, str(PER_PAGE)],
            cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        _, status, usage = os.wait4(proc.pid, 0)  # the output is a line: it fits the pipe
        walls.append(time.perf_counter() - started)
        proc.returncode = os.waitstatus_to_exitcode(status)
        stdout, stderr = proc.stdout.read(), proc.stderr.read()  # type: ignore[union-attr]
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
        if proc.returncode:
            raise RuntimeError(f"the cold-start process failed: {stderr.strip().splitlines()[-1:]}")
        cpus.append(usage.ru_utime + usage.ru_stime)
        child = json.loads(stdout.strip().splitlines()[-1])
        inside.append(child["in_process_s"])
        total = child["total"]
    return {
        "query": COLD_QUERY,
        "total": total,
        "median_s": round(statistics.median(walls), 3),
        "cpu_median_s": round(statistics.median(cpus), 3),
        "runs_s": [round(w, 3) for w in walls],
        "in_process_median_s": round(statistics.median(inside), 3),
    }


# queries ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    kind: str
    text: str
    province: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    label: str = field(default="", compare=False)

    def request(self) -> SearchRequest:
        return SearchRequest(
            query=self.text,
            provinces=(self.province,) if self.province else (),
            year_from=self.year_from,
            year_to=self.year_to,
            per_page=PER_PAGE,
        )

    def url(self) -> str:
        params = [("q", self.text), ("per_page", str(PER_PAGE))]
        if self.province:
            params.append(("province", self.province))
        if self.year_from is not None:
            params += [("year_from", str(self.year_from)), ("year_to", str(self.year_to))]
        return "/search?" + urllib.parse.urlencode(params)


@dataclass(frozen=True)
class Para:
    """One paragraph as every baseline sees it."""

    key: str
    text: str
    province: str
    city: str
    district: str
    year: int | None
    themes: tuple[str, ...]
    doc_type: str = ""
    level: str = ""


def load_paragraphs(index_dir: Path) -> list[Para]:
    """Every paragraph of the index, in index order, through the public API."""
    engine = SearchEngine(index_dir)
    try:
        matches = engine.iter_matches(SearchRequest(sort="oldest"))
        try:
            return [
                Para(
                    search_key(h.text), h.text, h.province, h.city, h.district, h.year, tuple(h.themes),
                    h.doc_type, h.level,
                )
                for h in matches
            ]
        finally:
            with contextlib.suppress(Exception):
                matches.close()
    finally:
        engine.close()


def make_queries(paragraphs: list[Para]) -> list[Query]:
    """The query set, with filters taken from the corpus: its most common province, and
    the three years up to its most common year."""
    provinces = Counter(p.province for p in paragraphs if p.province)
    years = Counter(p.year for p in paragraphs if p.year)
    province = provinces.most_common(1)[0][0] if provinces else None
    top_year = years.most_common(1)[0][0] if years else None
    out = []
    for kind, text, filters in QUERIES:
        q = Query(kind, text)
        if "province" in filters and province:
            q = Query(q.kind, q.text, province, q.year_from, q.year_to)
        if "years" in filters and top_year:
            q = Query(q.kind, q.text, q.province, top_year - 2, top_year)
        label = text or "(browse)"
        if q.province:
            label += f" [{q.province}]"
        if q.year_from is not None:
            label += f" [{q.year_from}-{q.year_to}]"
        out.append(Query(q.kind, q.text, q.province, q.year_from, q.year_to, label))
    return out


def time_runs(fn: Callable[[], int], repeat: int, before: Callable[[], None] | None = None) -> tuple[list[float], list[float], int]:
    walls, cpus, total = [], [], 0
    for _ in range(repeat):
        if before is not None:
            before()
        w, c = time.perf_counter(), time.process_time()
        total = fn()
        cpus.append((time.process_time() - c) * 1000)
        walls.append((time.perf_counter() - w) * 1000)
    return walls, cpus, total


def query_table(name: str, queries: list[Query], page_fn: Callable[[Query], int], repeat: int,
                before: Callable[[], None] | None = None) -> dict[str, Any]:
    """Time every query `repeat` times; a failing query is recorded and skipped."""
    all_w, all_c, per_query = [], [], []
    for q in queries:
        try:
            page_fn(q)  # untimed: loads lazily opened parts once
            walls, cpus, total = time_runs(lambda q=q: page_fn(q), repeat, before)
        except Exception as exc:  # noqa: BLE001
            per_query.append({"query": q.label, "kind": q.kind, "error": f"{type(exc).__name__}: {exc}"})
            continue
        all_w += walls
        all_c += cpus
        per_query.append({"query": q.label, "kind": q.kind, "total": total} | summary(walls, cpus))
    if not all_w:
        raise RuntimeError(f"every {name} query failed")
    failed = sum(1 for r in per_query if "error" in r)
    return summary(all_w, all_c) | {"queries": len(queries), "failed": failed, "repeat": repeat, "per_query": per_query}


def measure_queries(index_dir: Path, queries: list[Query], repeat: int) -> dict[str, Any]:
    engine = SearchEngine(index_dir)
    try:
        def page(q: Query) -> int:
            p = engine.search(q.request())
            assert len(p.hits) == min(PER_PAGE, p.total) and p.facets is not None
            return p.total

        return query_table("engine", queries, page, repeat, before=engine.clear_cache)
    finally:
        engine.close()


def measure_views(index_dir: Path, repeat: int) -> dict[str, Any]:
    """The research views: p50/p95 over VIEW_QUERIES x repeat runs, match cache cleared."""
    from search.settings import Settings
    from webui.app import create_app

    engine = SearchEngine(index_dir)
    out: dict[str, Any] = {}
    try:
        app = create_app(Settings.from_env().with_index(index_dir))
        client, app_engine = app.test_client(), app.extensions["cppcc_search"]

        def page(path: str) -> int:
            resp = client.get(path)
            assert resp.status_code == 200, (path, resp.status_code)
            return len(resp.get_data())

        probes: dict[str, tuple[Callable[[str], Any], Callable[[], None]]] = {
            name: (lambda q, probe=probe: probe(engine, SearchRequest(query=q)), engine.clear_cache)
            for name, probe in VIEW_PROBES.items()
        }
        probes |= {
            name: (lambda q, tpl=tpl: page(tpl.format(q=urllib.parse.quote(q))), app_engine.clear_cache)
            for name, tpl in VIEW_PAGES.items()
        }
        for name, (probe, before) in probes.items():
            try:
                walls, cpus, per_query = [], [], []
                for q in VIEW_QUERIES:
                    probe(q)
                    w, c, _ = time_runs(lambda q=q, probe=probe: probe(q) and 0, repeat, before)
                    walls += w
                    cpus += c
                    per_query.append({"query": q} | summary(w, c))
                out[name] = summary(walls, cpus) | {"per_query": per_query}
            except Exception as exc:  # noqa: BLE001
                out[name] = {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        engine.close()
    return out


# baseline (a): substring scan ---------------------------------------------------------


def _term_test(t: Any) -> Callable[[str], bool]:
    if " " in t.key:
        pattern = t.pattern
        return lambda key: pattern.search(key) is not None
    k = t.key
    return lambda key: k in key


def _filter_test(q: Query) -> Callable[[Para], bool]:
    def ok(p: Para) -> bool:
        if q.province and p.province != q.province:
            return False
        if q.year_from is not None and not (p.year and q.year_from <= p.year <= q.year_to):
            return False
        return True

    return ok


def scan_page(paragraphs: list[Para], q: Query) -> int:
    """Every paragraph's key scanned for the terms, every facet the page shows counted with
    Counter, the first ten hits given snippets."""
    from search.snippets import snippet

    parsed = parse(q.text)
    groups = [[_term_test(t) for t in g] for g in parsed.groups]
    negated = [_term_test(t) for t in parsed.negated]
    keep = _filter_test(q)
    hits = [
        p for p in paragraphs
        if all(any(t(p.key) for t in g) for g in groups) and not any(t(p.key) for t in negated) and keep(p)
    ]  # fmt: skip
    facets = {
        "province": Counter(h.province for h in hits),
        "city": Counter(h.city for h in hits),
        "district": Counter(h.district for h in hits),
        "year": Counter(h.year for h in hits),
        "theme": Counter(t for h in hits for t in h.themes),
        "doc_type": Counter(h.doc_type for h in hits),
        "level": Counter(h.level for h in hits),
    }
    keys = parsed.highlight_keys()
    _ = [snippet(h.text, keys) for h in hits[:PER_PAGE]], facets
    return len(hits)


def measure_scan(paragraphs: list[Para], queries: list[Query], repeat: int) -> dict[str, Any]:
    return query_table("scan", queries, lambda q: scan_page(paragraphs, q), repeat)


# baseline (b): SQLite FTS5 trigram ----------------------------------------------------

FTS5_NOTE = (
    "trigram index over the search keys, bm25 ranking, snippet(), facets by GROUP BY over a "
    "temporary table of the matches; a term shorter than 3 characters cannot use the trigram "
    "index and is tested with instr() over every row (a full scan); a quoted phrase with spaces "
    "requires its pieces without checking their order; facet counts include the facet's own filter"
)


def build_fts5(paragraphs: list[Para], path: Path) -> tuple[sqlite3.Connection, dict[str, Any]]:
    if path.exists():
        path.unlink()
    w, c = time.perf_counter(), time.process_time()
    con = sqlite3.connect(path, check_same_thread=False)
    con.executescript(
        """
        PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
        CREATE VIRTUAL TABLE fts USING fts5(key, tokenize='trigram');
        CREATE TABLE meta(id INTEGER PRIMARY KEY, province TEXT, city TEXT, district TEXT, year INTEGER);
        CREATE TABLE theme(id INTEGER, theme TEXT);
        """
    )
    con.executemany("INSERT INTO fts(rowid, key) VALUES (?, ?)", ((i, p.key) for i, p in enumerate(paragraphs)))
    con.executemany(
        "INSERT INTO meta VALUES (?, ?, ?, ?, ?)",
        ((i, p.province, p.city, p.district, p.year) for i, p in enumerate(paragraphs)),
    )
    con.executemany("INSERT INTO theme VALUES (?, ?)", ((i, t) for i, p in enumerate(paragraphs) for t in p.themes))
    con.executescript(
        """
        CREATE INDEX meta_province ON meta(province, year);
        CREATE INDEX meta_year ON meta(year);
        CREATE INDEX theme_id ON theme(id);
        INSERT INTO fts(fts) VALUES ('optimize');
        """
    )
    con.commit()
    stats = {
        "wall_s": round(time.perf_counter() - w, 2),
        "cpu_s": round(time.process_time() - c, 2),
        "index_mb": round(path.stat().st_size / 1e6, 1),
    }
    return con, stats


def _fts_phrase(piece: str) -> str:
    return '"' + piece.replace('"', '""') + '"'


def fts5_where(parsed: Any) -> tuple[str | None, list[str], list[str]]:
    """(MATCH expression or None, extra SQL conditions, their parameters)."""
    match_groups: list[str] = []
    conds: list[str] = []
    params: list[str] = []
    for group in parsed.groups:
        pieces = [t.key.split() for t in group]
        if all(len(p) >= 3 for ps in pieces for p in ps):
            match_groups.append("(" + " OR ".join("(" + " AND ".join(_fts_phrase(p) for p in ps) + ")" for ps in pieces) + ")")
        else:
            conds.append("(" + " OR ".join("(" + " AND ".join("instr(fts.key, ?) > 0" for _ in ps) + ")" for ps in pieces) + ")")
            params += [p for ps in pieces for p in ps]
    neg_match: list[str] = []
    for t in parsed.negated:
        ps = t.key.split()
        if all(len(p) >= 3 for p in ps):
            neg_match.append("(" + " AND ".join(_fts_phrase(p) for p in ps) + ")")
        else:
            conds.append("NOT (" + " AND ".join("instr(fts.key, ?) > 0" for _ in ps) + ")")
            params += ps
    expr = " AND ".join(match_groups) if match_groups else None
    if neg_match:
        if expr:
            expr = f"({expr}) NOT ({' OR '.join(neg_match)})"
        else:
            conds.append("fts.rowid NOT IN (SELECT rowid FROM fts WHERE fts MATCH ?)")
            params.append(" OR ".join(neg_match))
    return expr, conds, params


def fts5_page(con: sqlite3.Connection, q: Query) -> int:
    expr, conds, params = fts5_where(parse(q.text))
    where, args = list(conds), list(params)
    if expr:
        where.insert(0, "fts MATCH ?")
        args.insert(0, expr)
    if q.province:
        where.append("m.province = ?")
        args.append(q.province)
    if q.year_from is not None:
        where.append("m.year BETWEEN ? AND ?")
        args += [q.year_from, q.year_to]
    cond = " AND ".join(where) or "1"
    # CROSS JOIN keeps the full-text side as the outer loop: SQLite would otherwise walk
    # the province index and run the MATCH once per row.
    source = "fts CROSS JOIN meta m ON m.id = fts.rowid" if (expr or conds) else "meta m"
    rowid = "fts.rowid" if (expr or conds) else "m.id"
    con.execute("DROP TABLE IF EXISTS temp.hits")
    con.execute("CREATE TEMP TABLE hits(id INTEGER PRIMARY KEY)")
    con.execute(f"INSERT INTO temp.hits SELECT {rowid} FROM {source} WHERE {cond}", args)
    total = con.execute("SELECT count(*) FROM temp.hits").fetchone()[0]
    for col in ("province", "city", "district", "year"):
        con.execute(f"SELECT m.{col}, count(*) FROM temp.hits h JOIN meta m ON m.id = h.id GROUP BY m.{col}").fetchall()
    con.execute("SELECT t.theme, count(*) FROM temp.hits h JOIN theme t ON t.id = h.id GROUP BY t.theme").fetchall()
    if expr:  # ranked: bm25 through the MATCH, with FTS5's own snippets
        top = con.execute(
            f"SELECT snippet(fts, 0, '<mark>', '</mark>', '…', 24), m.* FROM {source} WHERE {cond} "
            f"ORDER BY rank LIMIT {PER_PAGE}",
            args,
        ).fetchall()
    else:  # nothing the index can rank: the first rows
        ids = [r[0] for r in con.execute(f"SELECT id FROM temp.hits ORDER BY id LIMIT {PER_PAGE}")]
        top = [
            con.execute("SELECT substr(key, 1, 60) FROM fts WHERE rowid = ?", (i,)).fetchone()
            + con.execute("SELECT * FROM meta WHERE id = ?", (i,)).fetchone()
            for i in ids
        ]
    assert len(top) == min(PER_PAGE, total)
    return total


def measure_fts5(paragraphs: list[Para], queries: list[Query], repeat: int, work: Path) -> dict[str, Any]:
    con, build = build_fts5(paragraphs, work / "fts5.sqlite")
    try:
        result = query_table("fts5", queries, lambda q: fts5_page(con, q), repeat)
    finally:
        con.close()
    short = [q.label for q in queries if any(len(p) < 3 for g in parse(q.text).groups for t in g for p in t.key.split())]
    return {"build": build, "note": FTS5_NOTE, "like_fallback_queries": short} | result


# baseline (c): naive Whoosh + jieba ChineseAnalyzer ------------------------------------


def build_naive_whoosh(paragraphs: list[Para], folder: Path) -> tuple[Any, dict[str, Any]]:
    import logging

    import jieba
    from jieba.analyse import ChineseAnalyzer
    from whoosh import fields, index

    jieba.setLogLevel(logging.WARNING)
    jieba.dt.tmp_dir = str(folder.parent)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    w, c = time.perf_counter(), time.process_time()
    schema = fields.Schema(
        text=fields.TEXT(stored=True, analyzer=ChineseAnalyzer()),
        province=fields.ID(stored=True),
        city=fields.ID(stored=True),
        district=fields.ID(stored=True),
        year=fields.NUMERIC(int, stored=True),
        themes=fields.KEYWORD(stored=True, commas=True),
    )
    ix = index.create_in(str(folder), schema)
    writer = ix.writer(limitmb=256)
    for p in paragraphs:
        doc = {"text": p.text, "province": p.province, "city": p.city, "district": p.district, "themes": ",".join(p.themes)}
        if p.year:
            doc["year"] = p.year
        writer.add_document(**doc)
    writer.commit()
    stats = {
        "wall_s": round(time.perf_counter() - w, 2),
        "cpu_s": round(time.process_time() - c, 2),
        "index_mb": round(dir_size(folder) / 1e6, 1),
    }
    return ix, stats


def naive_query(parsed: Any, analyzer: Any) -> Any:
    """What a first attempt would do: the analyzer's tokens of each term ANDed (a Phrase
    when quoted), no substring grams, no Traditional folding."""
    from whoosh import query as wq

    def term(t: Any) -> Any:
        tokens = [tok.text for tok in analyzer(t.text)]
        if not tokens:
            return wq.NullQuery
        if len(tokens) == 1:
            return wq.Term("text", tokens[0])
        return wq.Phrase("text", tokens) if t.phrase else wq.And([wq.Term("text", x) for x in tokens])

    q = wq.And([wq.Or([term(t) for t in g]) for g in parsed.groups]) if parsed.groups else wq.Every()
    if parsed.negated:
        q = wq.AndNot(q, wq.Or([term(t) for t in parsed.negated]))
    return q


def naive_page(searcher: Any, analyzer: Any, q: Query) -> int:
    from whoosh import query as wq
    from whoosh.sorting import FieldFacet

    filters = []
    if q.province:
        filters.append(wq.Term("province", q.province))
    if q.year_from is not None:
        filters.append(wq.NumericRange("year", q.year_from, q.year_to))
    facets = {
        "province": FieldFacet("province"),
        "city": FieldFacet("city"),
        "district": FieldFacet("district"),
        "year": FieldFacet("year"),
        "theme": FieldFacet("themes", allow_overlap=True),
    }
    results = searcher.search(
        naive_query(parse(q.text), analyzer), limit=PER_PAGE, groupedby=facets,
        filter=wq.And(filters) if filters else None,
    )
    _ = {name: results.groups(name) for name in facets}
    _ = [hit.highlights("text") for hit in results[:PER_PAGE]]  # groupedby ignores limit: slice
    return len(results)


def measure_ingest(source: Path) -> dict[str, Any]:
    """CPU of reading, cleaning and describing the corpus (what every build of it pays,
    before any index is written), in this process."""
    from search.corpus import iter_corpus

    w, c = time.perf_counter(), time.process_time()
    n = sum(len(r.articles) for r in iter_corpus([source]))
    return {"wall_s": round(time.perf_counter() - w, 2), "cpu_s": round(time.process_time() - c, 2), "articles": n}


def measure_naive(
    paragraphs: list[Para], queries: list[Query], repeat: int, work: Path, source: Path | None = None
) -> dict[str, Any]:
    from jieba.analyse import ChineseAnalyzer

    ix, build = build_naive_whoosh(paragraphs, work / "naive-whoosh")
    if source is not None:
        # The naive build indexes paragraphs already cleaned; a build from the raw files
        # pays the same ingest as ours first.
        ingest = measure_ingest(source)
        build["ingest_cpu_s"] = ingest["cpu_s"]
        build["cpu_with_ingest_s"] = round(build["cpu_s"] + ingest["cpu_s"], 2)
    analyzer = ChineseAnalyzer()
    searcher = ix.searcher()  # one searcher reused: the kinder variant
    try:
        result = query_table("naive", queries, lambda q: naive_page(searcher, analyzer, q), repeat)
    finally:
        searcher.close()
        shutil.rmtree(work / "naive-whoosh", ignore_errors=True)
    note = "jieba ChineseAnalyzer (positions are character offsets, so phrases miss), groupedby facets, one searcher reused"
    return {"build": build, "note": note} | result


# incremental ------------------------------------------------------------------------


def measure_incremental(source: Path, backend: str, procs: int, work: Path, full_paragraphs: int | None) -> dict[str, Any]:
    """Build a copy of the corpus without some reports, put them back, build again."""
    files = report_files(source)
    n = min(INCREMENTAL_FILES, len(files) // 2)
    if n < 1:
        raise RuntimeError("the corpus has too few files to hold some out")
    held = [files[(i * len(files)) // n] for i in range(n)]
    src, aside, idx = work / "incr-src", work / "incr-held", work / f"incr-index-{backend}"
    for d in (src, aside, idx):
        shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(source, src)
    aside.mkdir()
    for i, f in enumerate(held):
        shutil.move(src / f.relative_to(source), aside / f"{i}{f.suffix}")
    try:
        options: dict[str, Any] = {"progress": False, "procs": procs}
        if backend != "whoosh":
            options["backend"] = backend
        base = run_build([src], idx, options | {"full": True}, work)
        if "error" in base:
            raise RuntimeError(f"the first build failed: {base['error']}")
        for i, f in enumerate(held):
            shutil.move(aside / f"{i}{f.suffix}", src / f.relative_to(source))
        incr = run_build([src], idx, options, work)
        supported = "full" in inspect.signature(build_index).parameters
        result = {
            "added_files": n,
            "supported": supported,
            "base_build": base,
            "incremental_build": incr,
            "wall_s": incr["wall_s"],
            "cpu_s": incr["cpu_s"],
        }
        if full_paragraphs is not None and incr.get("paragraphs") is not None:
            result["same_paragraphs_as_full_build"] = incr["paragraphs"] == full_paragraphs
        if not supported:
            result["note"] = "build_index() has no incremental mode yet: the second build is a full rebuild"
        return result
    finally:
        for d in (src, aside, idx):
            shutil.rmtree(d, ignore_errors=True)


# served throughput --------------------------------------------------------------------


def serve_urls(queries: list[Query], paragraphs: list[Para], n: int, seed: int = 7) -> list[str]:
    """The query set plus words taken from the corpus, so that the URLs outnumber the
    engine's match cache and most pages are computed, not remembered."""
    from search.segment import cut

    rng = random.Random(seed)
    words: set[str] = set()
    sample = rng.sample(paragraphs, min(len(paragraphs), 2000))
    for p in sample:
        for w in cut(p.key):
            if 2 <= len(w.text) <= 4 and re.fullmatch(r"[\u4e00-\u9fff]+", w.text):
                words.add(w.text)
    extra = sorted(words)
    rng.shuffle(extra)
    urls = [q.url() for q in queries]
    urls += [Query("word", w).url() for w in extra[: max(0, n - len(urls))]]
    return urls


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str, timeout: float = 60) -> int:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def vm_hwm_mb(pid: int) -> float | None:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return None


WRK_SCRIPT = r"""
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCHJSON {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d, "p50_ms": %%.2f, "p99_ms": %%.2f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


def load_with_wrk(port: int, urls: list[str], seconds: float, connections: int, work: Path) -> dict[str, Any]:
    script = work / "wrk.lua"
    script.write_text(WRK_SCRIPT % ", ".join(json.dumps(u) for u in urls), encoding="utf-8")
    run = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{int(seconds)}s", "--timeout", "60s", "-s", str(script), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True,
    )
    line = next((ln for ln in run.stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no summary: {run.stdout[-300:]} {run.stderr[-300:]}")
    s = json.loads(line.removeprefix("BENCHJSON "))
    errors = s["connect"] + s["read"] + s["write"] + s["status"] + s["timeout"]
    return {
        "client": f"wrk -t1 -c{connections}",
        "pages": s["requests"],
        "seconds": round(s["duration_us"] / 1e6, 2),
        "pages_per_s": round(s["requests"] / (s["duration_us"] / 1e6), 1),
        "errors": errors,
        "error_detail": {k: s[k] for k in ("connect", "read", "write", "status", "timeout")},
        "latency_p50_ms": s["p50_ms"],
        "latency_p99_ms": s["p99_ms"],
    }


def load_with_python(port: int, urls: list[str], seconds: float, connections: int) -> dict[str, Any]:
    import http.client

    deadline = time.perf_counter() + seconds
    counts: Counter[str] = Counter()
    lock = threading.Lock()

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        i = offset
        local: Counter[str] = Counter()
        while time.perf_counter() < deadline:
            try:
                conn.request("GET", urls[i % len(urls)])
                resp = conn.getresponse()
                resp.read()
                local["ok" if resp.status == 200 else f"status {resp.status}"] += 1
            except Exception as exc:  # noqa: BLE001
                local[f"error {type(exc).__name__}"] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            i += connections
        conn.close()
        with lock:
            counts.update(local)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    pages = sum(counts.values())
    return {
        "client": f"python http.client, {connections} keep-alive threads",
        "pages": pages,
        "seconds": round(elapsed, 2),
        "pages_per_s": round(pages / elapsed, 1),
        "errors": pages - counts["ok"],
        "error_detail": {k: v for k, v in counts.items() if k != "ok"},
    }


def server_command(server: str, port: int, threads: int = 8, workers: int = 2) -> tuple[list[str], str]:
    """The command line of the served site, as the README gives it, and its label."""
    if server == "gunicorn":
        return (
            [sys.executable, "-m", "gunicorn", f"--workers={workers}", f"--threads={threads // workers}",
             "--keep-alive=0", f"--bind=127.0.0.1:{port}", "webui.app:create_app()"],
            f"gunicorn --workers={workers} --threads={threads // workers} --keep-alive=0",
        )  # fmt: skip
    return (
        [sys.executable, "-m", "waitress", f"--threads={threads}", f"--listen=127.0.0.1:{port}",
         "--call", "webui.app:create_app"],
        f"waitress --threads={threads}",
    )  # fmt: skip


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _sum_rss(pids: list[int]) -> float | None:
    values = [v for v in (vm_hwm_mb(p) for p in pids) if v is not None]
    return round(sum(values), 1) if values else None


def measure_serve(
    index_dir: Path, urls: list[str], seconds: float, work: Path, threads: int = 8, server_name: str = "waitress",
    connections: int | None = None,
) -> dict[str, Any]:
    port = free_port()
    env = child_env() | {"CPPCC_INDEX_DIR": str(index_dir)}
    command, label = server_command(server_name, port, threads)
    with open(work / "server.log", "ab") as logfh:
        started = time.perf_counter()
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=logfh, stderr=logfh)
    try:
        ready = None
        while time.perf_counter() - started < 120:
            if server.poll() is not None:
                raise RuntimeError(f"{label} exited with {server.returncode} (see {work / 'server.log'})")
            with contextlib.suppress(OSError):
                if _get(port, urls[0]) == 200:
                    ready = time.perf_counter() - started
                    break
            time.sleep(0.05)
        if ready is None:
            raise RuntimeError("the site did not answer /search within 120 s")
        pids = [server.pid, *_children(server.pid)]
        rss_ready = _sum_rss(pids)
        if shutil.which("wrk"):
            load = load_with_wrk(port, urls, seconds, connections or threads, work)
        else:
            load = load_with_python(port, urls, seconds, connections or threads)
        return {
            "server": label,
            "urls": len(urls),
            "first_page_s": round(ready, 2),
            "rss_after_first_page_mb": rss_ready,
            "peak_rss_mb": _sum_rss(pids),  # of every server process together
        } | load
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# one corpus -------------------------------------------------------------------------


def prepare_corpus(name: str, path: Path | None, work: Path) -> Path:
    if name == "synth10k" and path is None:
        return synthetic_corpus(work / "synth10k")
    if name == "large" and path == CORPORA["large"] and not path.is_dir() and LARGE_ARCHIVE.is_file():
        dest = work / "large"
        if not dest.is_dir():
            log(f"unpacking {LARGE_ARCHIVE} into {dest}")
            with tarfile.open(LARGE_ARCHIVE) as tar:
                tar.extractall(dest.with_suffix(".part"), filter="data")
            dest.with_suffix(".part").rename(dest)
        return dest
    if path is None or not path.is_dir():
        raise FileNotFoundError(f"corpus folder {str(path)!r} does not exist")
    if not report_files(path):
        raise FileNotFoundError(f"corpus folder {str(path)!r} holds no report files")
    return path


def bench_corpus(name: str, path: Path | None, args: argparse.Namespace, work: Path, results: Results) -> dict[str, Any]:
    out: dict[str, Any] = {"backends": {}, "baselines": {}}
    results["corpora"][name] = out

    def part(into: dict[str, Any], key: str, label: str, fn: Callable[..., dict[str, Any]], *a: Any) -> dict[str, Any]:
        into[key] = run_part(label, fn, *a)
        results.save()
        return into[key]

    cwork = work / name
    cwork.mkdir(parents=True, exist_ok=True)
    try:
        source = prepare_corpus(name, path, cwork)
    except Exception as exc:  # noqa: BLE001
        out["status"] = f"error: {exc}"
        return out
    files = report_files(source)
    out |= {"source": str(source), "files": len(files), "suffixes": dict(Counter(f.suffix.lower() for f in files))}
    if name == "synth10k":
        out["digest"] = corpus_digest(source)
    support = backend_support()
    paragraphs: list[Para] | None = None
    queries: list[Query] | None = None
    for backend in args.backend:
        res: dict[str, Any] = {}
        out["backends"][backend] = res
        if support.get(backend):
            res["skipped"] = support[backend]
            log(f"{name}/{backend}: skipped: {support[backend]}")
            continue
        index_dir = cwork / f"index-{backend}"
        shutil.rmtree(index_dir, ignore_errors=True)
        if any(p in args.parts for p in PARTS if p != "incremental"):  # they all need the index
            part(res, "build", f"{name}/{backend} build", measure_build, source, index_dir, backend, args.procs, cwork)
            if nothing_readable(res["build"]):
                out["status"] = "not readable yet: the build found no article in " + ", ".join(
                    f"{n} {s}" for s, n in out["suffixes"].items()
                )
                log(f"{name}: {out['status']}")
                return out
            if "error" in res["build"]:
                continue
            out["paragraphs"] = res["build"].get("paragraphs")
            if paragraphs is None:
                p = run_part(f"{name} load paragraphs", lambda d: {"paragraphs": load_paragraphs(d)}, index_dir)
                if "error" in p:
                    out["baselines"]["load_paragraphs"] = p
                else:
                    paragraphs = p["paragraphs"]
                    queries = make_queries(paragraphs)
                    out["queries"] = [{"kind": q.kind, "label": q.label} for q in queries]
            if queries is None:
                queries = make_queries([])
            if "cold" in args.parts:
                part(res, "cold_start", f"{name}/{backend} cold start", measure_cold_start, index_dir)
            if "queries" in args.parts:
                part(res, "queries", f"{name}/{backend} queries", measure_queries, index_dir, queries, args.repeat)
            if "views" in args.parts:
                part(res, "views", f"{name}/{backend} views", measure_views, index_dir, args.repeat)
            if "figures" in args.parts:
                part(res, "figures", f"{name}/{backend} figures", measure_figures, index_dir, args.repeat, res["build"])
            if "serve" in args.parts:
                urls = serve_urls(queries, paragraphs or [], args.serve_urls)
                part(res, "serve", f"{name}/{backend} serve", measure_serve, index_dir, urls, args.serve_seconds, cwork, 8, args.server,
                     args.serve_connections)
        if "incremental" in args.parts:
            part(res, "incremental", f"{name}/{backend} incremental", measure_incremental,
                 source, backend, args.procs, cwork, out.get("paragraphs"))
        if not args.keep:
            shutil.rmtree(index_dir, ignore_errors=True)
    if paragraphs is not None and queries is not None:
        base = out["baselines"]
        if "scan" in args.parts:
            part(base, "scan", f"{name} scan", measure_scan, paragraphs, queries, args.repeat)
        if "fts5" in args.parts:
            part(base, "fts5", f"{name} fts5", measure_fts5, paragraphs, queries, args.repeat, cwork)
        if "naive" in args.parts:
            if len(paragraphs) <= args.naive_max:
                part(base, "naive", f"{name} naive whoosh", measure_naive, paragraphs, queries, args.repeat, cwork, source)
            else:
                base["naive"] = {"skipped": f"{len(paragraphs)} paragraphs > --naive-max {args.naive_max}"}
    out.setdefault("status", "ok")
    return out


# report -----------------------------------------------------------------------------


def fmt(v: Any, digits: int = 1) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def fmt_load(load: Any) -> str:
    return "/".join(f"{x:.1f}" for x in load) if load else "–"


def ratio(a: Any, b: Any) -> str:
    if not isinstance(a, int | float) or not isinstance(b, int | float) or not b:
        return "–"
    return f"{a / b:.2f}x"


def cell(part: dict[str, Any] | None, key: str, digits: int = 1) -> str:
    if not part:
        return "–"
    if "error" in part:
        return "failed"
    if "skipped" in part:
        return "skipped"
    return fmt(part.get(key), digits)


def both(base: dict[str, Any], engine: dict[str, Any], key: str) -> str:
    """base / engine for wall and CPU times."""
    return f"{ratio(base.get(key), engine.get(key))} wall, {ratio(base.get('cpu_' + key), engine.get('cpu_' + key))} CPU"


def slower_count(engine: dict[str, Any] | None, base: dict[str, Any] | None, key: str) -> str:
    if not engine or not base or "per_query" not in engine or "per_query" not in base:
        return "–"
    b = {r["query"]: r for r in base["per_query"] if "error" not in r}
    pairs = [(r[key], b[r["query"]][key]) for r in engine["per_query"] if "error" not in r and r["query"] in b]
    return f"{sum(1 for e, s in pairs if e >= s)}/{len(pairs)}"


def corpus_tables(name: str, c: dict[str, Any]) -> list[str]:
    lines = [f"### {name}: {c.get('files', '?')} files, {c.get('paragraphs', '?')} paragraphs ({c.get('status')})", ""]
    if c.get("status") != "ok":
        return lines
    lines += [
        "| system | build wall s | build CPU s | build peak RSS MB | index MB | cold start s (CPU s) | p50 ms | p95 ms | CPU p50 ms | CPU p95 ms | served pages/s | errors | server RSS MB | +10 reports s |",
        "|---|" + "---:|" * 14,
    ]
    for backend, r in c["backends"].items():
        if "skipped" in r:
            lines.append(f"| cppcc-search {backend} | skipped: {r['skipped']} |" + " |" * 13)
            continue
        b, q, s, inc = r.get("build"), r.get("queries"), r.get("serve"), r.get("incremental")
        inc_cell = cell(inc, "wall_s")
        if inc and "error" not in inc and not inc.get("supported"):
            inc_cell += " (full rebuild)"
        lines.append(
            f"| cppcc-search {backend} | {cell(b, 'wall_s')} | {cell(b, 'cpu_s')} | {cell(b, 'peak_rss_mb', 0)} | {cell(b, 'index_mb')} "
            f"| {cell(r.get('cold_start'), 'median_s', 2)} ({cell(r.get('cold_start'), 'cpu_median_s', 2)} CPU) | {cell(q, 'p50_ms')} | {cell(q, 'p95_ms')} | {cell(q, 'cpu_p50_ms')} "
            f"| {cell(q, 'cpu_p95_ms')} | {cell(s, 'pages_per_s')} | {cell(s, 'errors')} | {cell(s, 'peak_rss_mb', 0)} | {inc_cell} |"
        )
    names = {"scan": "substring scan", "fts5": "SQLite FTS5 trigram", "naive": "naive Whoosh + ChineseAnalyzer"}
    for key, label in names.items():
        r = c["baselines"].get(key)
        if r is None:
            continue
        if "skipped" in r or "error" in r:
            lines.append(f"| {label} | {r.get('skipped') or 'failed: ' + r['error']} |" + " |" * 13)
            continue
        bld = r.get("build", {})
        lines.append(
            f"| {label} | {cell(bld, 'wall_s')} | {cell(bld, 'cpu_s')} | – | {cell(bld, 'index_mb')} | – | {cell(r, 'p50_ms')} "
            f"| {cell(r, 'p95_ms')} | {cell(r, 'cpu_p50_ms')} | {cell(r, 'cpu_p95_ms')} | – | – | – | – |"
        )
    lines += figure_rows(c["backends"])
    lines += ["", "| ratio (> 1: cppcc-search is faster / smaller) | value |", "|---|---:|"]
    scan, fts, naive = (c["baselines"].get(k) or {} for k in ("scan", "fts5", "naive"))
    for backend, r in c["backends"].items():
        q, b = r.get("queries") or {}, r.get("build") or {}
        if "p50_ms" in q and "p50_ms" in scan:
            lines += [
                f"| scan / {backend}, p50 | {both(scan, q, 'p50_ms')} |",
                f"| scan / {backend}, p95 | {both(scan, q, 'p95_ms')} |",
                f"| queries where {backend} is not faster than the scan, by p50 (wall; CPU) "
                f"| {slower_count(q, scan, 'p50_ms')}; {slower_count(q, scan, 'cpu_p50_ms')} |",
                f"| queries where {backend} is not faster than the scan, by p95 (wall; CPU) "
                f"| {slower_count(q, scan, 'p95_ms')}; {slower_count(q, scan, 'cpu_p95_ms')} |",
            ]
        if "p50_ms" in q and "p50_ms" in fts:
            lines += [
                f"| FTS5 / {backend}, p50 | {both(fts, q, 'p50_ms')} |",
                f"| FTS5 / {backend}, p95 | {both(fts, q, 'p95_ms')} |",
            ]
        if "cpu_s" in b and "build" in naive:
            lines.append(f"| naive Whoosh build CPU (index only) / {backend} build CPU | {ratio(naive['build']['cpu_s'], b['cpu_s'])} |")
            if "cpu_with_ingest_s" in naive["build"]:
                lines.append(
                    f"| naive Whoosh build CPU (ingest + index) / {backend} build CPU "
                    f"| {ratio(naive['build']['cpu_with_ingest_s'], b['cpu_s'])} |"
                )
        if "p50_ms" in q and "p50_ms" in naive:
            lines.append(f"| naive Whoosh / {backend}, p50 | {both(naive, q, 'p50_ms')} |")
    systems = [(f"{k} CPU p50", (r.get("queries") or {})) for k, r in c["backends"].items()]
    systems += [(f"{k} CPU p50", c["baselines"].get(k) or {}) for k in ("scan", "fts5", "naive")]
    systems = [(label, r) for label, r in systems if "per_query" in r]
    if systems:
        lines += ["", "| query | kind | matches (scan) | " + " | ".join(label for label, _ in systems)
                  + " | counts that differ from the scan |", "|---|---|---:|" + "---:|" * len(systems) + "---|"]
        scan_rows = {r["query"]: r for r in scan.get("per_query", ()) if "error" not in r}
        for first in systems[0][1]["per_query"]:
            label_q = first["query"]
            cells, differ = [], []
            for label, r in systems:
                pq = next((x for x in r["per_query"] if x["query"] == label_q), None)
                if pq is None or "error" in pq:
                    cells.append("failed" if pq else "–")
                    continue
                cells.append(fmt(pq.get("cpu_p50_ms", pq["p50_ms"])))
                if label_q in scan_rows and pq["total"] != scan_rows[label_q]["total"]:
                    differ.append(f"{label.removesuffix(' CPU p50')} {pq['total']}")
            total = scan_rows[label_q]["total"] if label_q in scan_rows else first.get("total", "–")
            lines.append(f"| `{label_q}` | {first['kind']} | {total} | " + " | ".join(cells) + f" | {', '.join(differ)} |")
        lines += ["", "(the naive analyzer misses phrases, Traditional input and words cut otherwise; FTS5's "
                  "spaced phrase ignores the order of its pieces: those counts are expected to differ)"]
    views = [(backend, r["views"]) for backend, r in c["backends"].items() if isinstance(r.get("views"), dict)]
    if views:
        lines += ["", "| research view (cold, all view queries) | " + " | ".join(f"{b} p50 / p95 ms (CPU p95)" for b, _ in views)
                  + " |", "|---|" + "---:|" * len(views)]
        for name in dict.fromkeys(k for _, v in views for k in v):
            lines.append(f"| {name} | " + " | ".join(
                f"{cell(v.get(name), 'p50_ms')} / {cell(v.get(name), 'p95_ms')} ({cell(v.get(name), 'cpu_p95_ms')})" for _, v in views) + " |")
    fails = [(f"{backend}/{part}", v["error"]) for backend, r in c["backends"].items()
             for part, v in r.items() if isinstance(v, dict) and "error" in v]
    fails += [(f"baseline {k}", v["error"]) for k, v in c["baselines"].items() if isinstance(v, dict) and "error" in v]
    if fails:
        lines += ["", "Failed parts:"] + [f"- {p}: {e}" for p, e in fails]
    return lines + [""]


def target_rows(corpora: dict[str, Any]) -> list[str]:
    """The targets of issue 10, checked where this run measured what they need."""
    rows: list[str] = []

    def check(label: str, measured: str, ok: bool) -> None:
        rows.append(f"| {label} | {measured} | {'yes' if ok else '**no**'} |")

    for name, c in corpora.items():
        base = c.get("baselines", {})
        scan, fts, naive = (base.get(k) or {} for k in ("scan", "fts5", "naive"))
        size = {"synth10k": "10k", "large": "235k"}.get(name)
        for backend, r in c.get("backends", {}).items():
            q, b = r.get("queries") or {}, r.get("build") or {}
            cold, serve, inc = r.get("cold_start") or {}, r.get("serve") or {}, r.get("incremental") or {}
            if backend == "whoosh" and "per_query" in q and "per_query" in scan:
                n50, n95 = slower_count(q, scan, "cpu_p50_ms"), slower_count(q, scan, "cpu_p95_ms")
                check(f"{name}: whoosh faster than the scan on every query, p50 and p95 (CPU)",
                      f"not faster on {n50} (p50), {n95} (p95)", n50.startswith("0/") and n95.startswith("0/"))
            # The issue sets the build ratio at 10k paragraphs, where naive Whoosh is run; on
            # the samples (170 paragraphs) a build is its fixed start (imports, dictionaries)
            # and the ratio is printed in the corpus's table, not checked.
            if backend == "whoosh" and size == "10k" and "cpu_s" in b and "build" in naive:
                x = naive["build"]["cpu_s"] / b["cpu_s"]
                check(f"{name}: whoosh build >= 3x faster than naive Whoosh (CPU)", f"{x:.2f}x", x >= 3)
            if backend == "tantivy" and name == "large":
                if "p50_ms" in q:
                    check("large: tantivy p50 <= 10 ms, p95 <= 30 ms", f"{q['p50_ms']:.1f} / {q['p95_ms']:.1f} ms",
                          q["p50_ms"] <= 10 and q["p95_ms"] <= 30)
                if "p50_ms" in q and "p50_ms" in fts:
                    x50, x95 = fts["p50_ms"] / q["p50_ms"], fts["p95_ms"] / q["p95_ms"]
                    check("large: tantivy >= 3x faster than FTS5 at p50 and p95", f"{x50:.1f}x / {x95:.1f}x", min(x50, x95) >= 3)
                if "wall_s" in b:
                    check("large: tantivy build < 3 min", f"{b['wall_s']:.0f} s", b["wall_s"] < 180)
                if "wall_s" in inc:
                    check("large: tantivy incremental build of 10 reports < 15 s", f"{inc['wall_s']:.1f} s",
                          inc["wall_s"] < 15 and bool(inc.get("supported")))
            if size and "median_s" in cold:
                limit = 0.5 if size == "10k" else 2.0
                check(f"{name}: {backend} cold start <= {limit} s", f"{cold['median_s']:.2f} s", cold["median_s"] <= limit)
            if "pages_per_s" in serve:
                if backend == "tantivy" and size:
                    need = 200 if size == "10k" else 50
                    check(f"{name}: tantivy served >= {need} pages/s", f"{serve['pages_per_s']:.0f}", serve["pages_per_s"] >= need)
                check(f"{name}: {backend} served with 0 errors", str(serve["errors"]), serve["errors"] == 0)
                if size == "235k" and serve.get("peak_rss_mb"):
                    check(f"{name}: {backend} server memory <= 1.5 GB", f"{serve['peak_rss_mb']:.0f} MB",
                          serve["peak_rss_mb"] <= 1536)
    if not rows:
        return []
    return ["## Targets (issue 10)", "", "| target | measured | met |", "|---|---|---|", *rows, ""]


# main -------------------------------------------------------------------------------


def print_report(result: dict[str, Any]) -> None:
    """The markdown tables of a run (also of a saved JSON: --print-from)."""
    m, v, settings = result["machine"], result["versions"], result["settings"]
    print(f"# cppcc-search benchmark, {result['date']}\n")
    print(f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, {m['os']}; load average "
          f"at start {fmt_load(m['load_avg_at_start'])}, at end {fmt_load(m.get('load_avg_at_end'))} "
          "(on a loaded machine, trust the CPU columns).")
    print("Versions: " + ", ".join(f"{k} {val}" for k, val in v.items() if val) + ".")
    print(f"Command: {' '.join(result['command'])}\n")
    print(f"Every page: top {settings['per_page']} with snippets + every facet count; match cache cleared "
          f"before each of {settings['repeat']} runs per query; p50/p95 over all runs of all queries.\n")
    for backend, why in result["backend_support"].items():
        if why and backend in settings["backend"]:
            print(f"- {backend}: skipped, {why}.")
    print()
    for name, c in result["corpora"].items():
        print("\n".join(corpus_tables(name, c)))
    print("\n".join(target_rows(result["corpora"])))
    fts_note = next((c["baselines"]["fts5"]["note"] for c in result["corpora"].values()
                     if "note" in (c.get("baselines", {}).get("fts5") or {})), None)
    if fts_note:
        print(f"FTS5: {fts_note}.\n")




def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", nargs="+", default=["samples", "gov267"],
                    help=f"Corpora: {', '.join(CORPORA)} or NAME=PATH (default: samples gov267).")
    ap.add_argument("--backend", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    ap.add_argument("--parts", nargs="+", default=list(PARTS), choices=PARTS, help="Measurements to run (default: all).")
    ap.add_argument("--repeat", type=int, default=7, help="Timed runs per query (default 7).")
    ap.add_argument("--procs", type=int, default=1, help="Build processes passed to build_index (default 1).")
    ap.add_argument("--serve-seconds", type=float, default=10.0)
    ap.add_argument("--serve-urls", type=int, default=400, help="Distinct search URLs for the served load.")
    ap.add_argument("--serve-connections", type=int, default=8, help="Concurrent keep-alive connections of the load.")
    ap.add_argument("--server", choices=("waitress", "gunicorn"), default="gunicorn",
                    help="How the site is served: gunicorn, 2 workers x 4 threads (the README's production "
                         "command, default), or waitress with 8 threads in one process (cppcc-search serve).")  # fmt: skip
    ap.add_argument("--naive-max", type=int, default=12_000, help="Largest corpus (paragraphs) for naive Whoosh.")
    ap.add_argument("--work-dir", default=None, help="Scratch folder (default: a new temporary folder).")
    ap.add_argument("--keep", action="store_true", help="Keep the indexes in the work folder.")
    ap.add_argument("--json-out", default=None, help="Default: bench-results/bench-<date>.json.")
    ap.add_argument("--print-from", default=None, metavar="JSON", help="Print the tables of a saved run and exit.")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.print_from:
        print_report(json.loads(Path(args.print_from).read_text(encoding="utf-8")))
        return 0
    corpora: list[tuple[str, Path | None]] = []
    for spec in args.corpus:
        name, _, path = spec.partition("=")
        if path:
            corpora.append((name, Path(path)))
        elif name in CORPORA:
            corpora.append((name, CORPORA[name]))
        else:
            sys.exit(f"unknown corpus {name!r}: use one of {', '.join(CORPORA)} or NAME=PATH")
    work = Path(args.work_dir or tempfile.mkdtemp(prefix="cppcc-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    now = time.localtime()
    out = Path(args.json_out or ROOT / "bench-results" / f"bench-{time.strftime('%Y-%m-%d-%H%M', now)}.json")
    result = Results(
        out,
        date=time.strftime("%Y-%m-%dT%H:%M:%S%z", now),
        command=[sys.executable, *sys.argv],
        machine=machine_info(),
        versions=versions(),
        settings={k: v for k, v in vars(args).items() if k != "json_out"} | {"per_page": PER_PAGE},
        backend_support=backend_support(),
        corpora={},
    )
    try:
        for name, path in corpora:
            bench_corpus(name, path, args, work, result)
            result.save()
    finally:
        result["machine"]["load_avg_at_end"] = os.getloadavg()
        result["total_minutes"] = round((time.mktime(time.localtime()) - time.mktime(now)) / 60, 1)
        if not args.keep and not args.work_dir:
            shutil.rmtree(work, ignore_errors=True)
        result.save()

    print_report(result)
    print(f"JSON: {out}")
    return 0

if __name__ == "__main__":
    sys.exit(main())
