"""Stress the served site on loopback: fuzz, load, rebuilds under load (a benchmark, not a test).

    python scripts/stress.py --index-dir /tmp/gov267 --sources ../shared/corpus/govreports --procs 1

Starts waitress (8 threads) on 127.0.0.1 over the index, then
  1. fuzz:     --fuzz requests (10,000) of random Unicode, control characters, huge and
               malformed queries, syntax abuse, repeated and unknown parameters, deep pages,
               CSV, documents, traversal and odd headers, over --fuzz-connections;
  2. load:     --connections (32) keep-alive connections searching common words (with
               filters, pages, the JSON twin) for --seconds (60);
  3. rebuilds: the same load while --rebuilds (3) full builds of --sources replace the
               index, plus CSV downloads checked row by row against the expected count.
Every loop is bounded in count and time; the only target is 127.0.0.1. Prints a Markdown
table: requests, status counts, 5xx, over-budget answers (503), answers slower than the
budget + 1 s, p50/p99, server RSS before/after (and peak), tracebacks in the server log.
REBUILDS WRITE NEW GENERATIONS INTO --index-dir: point it at a scratch copy.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import io
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only, never anything else
COMMON = ["政协", "协商", "提案", "委员", "发展", "工作", "建设", "民主监督", "营商环境", "乡村振兴", "的", "政"]
FILTERS = ["province=山东省", "province=广东省", "year=2024", "year=2023", "level=市级", "level=省级",
           "doc_type=政府工作报告", "theme=提案工作", "year_from=2015&year_to=2025", "city=济南市"]  # fmt: skip
SYNTAX = ['"', "“", "”", "OR", "NOT", "-", "title:", "title：", "|", "(", ")", "*", "?", ":", "\\", "%", "&", "#"]


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _q(text: str) -> str:
    return quote(text, safe="")


def fuzz_request(rnd: random.Random, ids: list[str]) -> tuple[str, dict[str, str]]:
    """One hostile request: path with query string, and headers."""
    kind = rnd.randrange(12)
    headers: dict[str, str] = {}
    if kind == 0:  # random Unicode, any plane (no lone surrogates: they cannot be sent)
        q = "".join(chr(c) for c in (rnd.randrange(1, 0x30000) for _ in range(rnd.randint(1, 80))) if not 0xD800 <= c < 0xE000)
    elif kind == 1:  # control characters and bidi marks
        q = "".join(rnd.choice(["\x00", "\x01", "\x7f", "\u202e", "\u200b", "\ufeff", "\r", "\n", "\t"] + COMMON) for _ in range(20))
    elif kind == 2:  # huge query
        q = rnd.choice(COMMON) * rnd.randint(100, 5000)
    elif kind == 3:  # syntax abuse
        q = " ".join(rnd.choice(SYNTAX + COMMON) for _ in range(rnd.randint(1, 60)))
    elif kind == 4:  # long OR lists of common characters
        q = " OR ".join(rnd.choices("的是在和了有为政协发展建设", k=rnd.randint(2, 40)))
    elif kind == 5:  # spaced phrases of common characters
        q = '"' + " ".join(rnd.choices("的是在政", k=rnd.randint(2, 99))) + '"'
    else:
        q = " ".join(rnd.sample(COMMON, rnd.randint(1, 3)))
    args = [f"q={_q(q)}"]
    if kind == 6:  # repeated parameters
        args += [f"q={_q(rnd.choice(COMMON))}"] * rnd.randint(1, 3) + [f"province={_q(f'省{i}')}" for i in range(rnd.randint(10, 400))]
    if kind == 7:  # paging
        args += [f"page={rnd.choice(['0', '-1', '2', '50', '500', '99999999', '1e9', 'x', '9' * 50])}",
                 f"per_page={rnd.choice(['1', '20', '100', '101', '0', 'all'])}"]  # fmt: skip
    if kind == 8:  # filters, sorts, years
        args += [_q_pair(f) for f in rnd.sample(FILTERS, rnd.randint(1, 4))]
        args += [f"sort={rnd.choice(['newest', 'oldest', 'relevance', 'x'])}", f"year={rnd.choice(['1899', '2024', 'abc', '٢٠٢٤'])}"]
    if kind == 9:  # headers
        headers = {"Referer": rnd.choice(["http://[::1/search", "javascript:alert(1)", "x" * 5000]),
                   "Accept-Language": "zh" * 100, "X-Forwarded-For": "1.2.3.4, " * 50}  # fmt: skip
    path = rnd.choices(["/search", "/api/search", "/search.csv", "/", "/doc/", "/api/doc/", "/articles", "/static/", "/x"],
                       weights=[40, 25, 3, 5, 10, 5, 2, 5, 5])[0]  # fmt: skip
    if path in ("/doc/", "/api/doc/"):
        path += rnd.choice(ids + ["..%2F..%2Fetc%2Fpasswd", "%00", "x" * 300, _q("政协")])
    if path == "/static/":
        path += rnd.choice(["..%2F..%2Fsearch%2Fcli.py", "style.css", "%2e%2e/%2e%2e/etc/passwd"])
    url = f"{path}?{'&'.join(args)}"
    return "".join(c if ord(c) < 128 else _q(c) for c in url), headers


def _q_pair(pair: str) -> str:
    return "&".join(f"{k}={_q(v)}" for k, v in (p.split("=", 1) for p in pair.split("&")))


def load_request(rnd: random.Random) -> tuple[str, dict[str, str]]:
    """What a crowd of readers sends: common words, a filter or two, a page, the JSON twin."""
    args = [f"q={_q(' '.join(rnd.sample(COMMON[:10], rnd.randint(1, 2))))}"]
    args += [_q_pair(f) for f in rnd.sample(FILTERS, rnd.choice([0, 0, 1, 2]))]
    if rnd.random() < 0.3:
        args.append(f"page={rnd.randint(2, 5)}")
    return rnd.choice(["/search", "/search", "/search", "/api/search"]) + "?" + "&".join(args), {}


class Stats:
    """Status counts and latencies of one phase (thread-safe)."""

    def __init__(self, budget: float) -> None:
        self.lock = threading.Lock()
        self.status: Counter[str] = Counter()
        self.times: list[float] = []
        self.over_budget = 0  # 503 answers saying the query is too broad
        self.slow = 0  # answers later than budget + 1 s
        self.slow_csv = 0  # of which CSV downloads (megabytes to send: transfer, not work)
        self.slowest: list[tuple[float, str]] = []
        self.budget = budget
        self.csv_ok = 0
        self.csv_bad: list[str] = []

    def add(self, status: str, seconds: float, body: bytes, path: str = "") -> None:
        with self.lock:
            self.status[status] += 1
            self.times.append(seconds)
            if status == "503" and "检索范围太大".encode() in body:
                self.over_budget += 1
            if seconds > self.budget + 1:
                self.slow += 1
                self.slow_csv += path.startswith("/search.csv")
            self.slowest = sorted([*self.slowest, (seconds, f"{status} {len(body)} B {path[:90]}")], reverse=True)[:5]

    def pct(self, p: float) -> float:
        t = sorted(self.times)
        return t[min(len(t) - 1, int(len(t) * p))] * 1000 if t else 0.0


def worker(stop: threading.Event, make, stats: Stats, port: int, limit: list[int], seed: int, timeout: float) -> None:
    rnd = random.Random(seed)
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    while not stop.is_set():
        with stats.lock:
            if limit[0] <= 0:
                return
            limit[0] -= 1
        path, headers = make(rnd)
        t0 = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            status = str(resp.status)
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException, ValueError) as exc:
            body, status = b"", ("timeout" if isinstance(exc, TimeoutError | socket.timeout) else type(exc).__name__)
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        stats.add(status, time.perf_counter() - t0, body, path)
    conn.close()


def run_phase(name: str, make, n_conn: int, count: int, seconds: float, port: int, budget: float, extra=None) -> Stats:
    stats = Stats(budget)
    stop = threading.Event()
    limit = [count]
    threads = [
        threading.Thread(target=worker, args=(stop, make, stats, port, limit, hash((name, i)), 60.0), daemon=True)
        for i in range(n_conn)
    ]
    for t in threads:
        t.start()
    started = time.monotonic()
    if extra is not None:
        extra(stats)
    while any(t.is_alive() for t in threads) and time.monotonic() - started < seconds:
        time.sleep(0.2)
    stop.set()
    for t in threads:
        t.join(timeout=70)
    return stats


def csv_rows(port: int, path: str) -> tuple[int, bool]:
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        text = resp.read().decode("utf-8-sig")
    finally:
        conn.close()
    rows = list(csv.reader(io.StringIO(text)))
    cut = bool(rows) and rows[-1] and rows[-1][0].startswith("#")
    return len(rows) - 1 - int(cut), bool(cut)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index-dir", required=True, type=Path)
    ap.add_argument("--sources", type=Path, default=ROOT.parent / "shared" / "corpus" / "govreports")
    ap.add_argument("--fuzz", type=int, default=10_000)
    ap.add_argument("--fuzz-connections", type=int, default=8)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--rebuilds", type=int, default=3)
    ap.add_argument("--procs", type=int, default=1)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--budget", type=float, default=5.0)
    ap.add_argument("--max-minutes", type=float, default=30.0, help="hard stop for the whole run")
    ap.add_argument("--out", type=Path, default=None, help="also write the table here")
    a = ap.parse_args()

    with socket.socket() as s:
        s.bind((HOST, 0))
        port = s.getsockname()[1]
    log = (a.out.with_suffix(".server.log") if a.out else Path(f"/tmp/stress-server-{os.getpid()}.log"))
    env = {**os.environ, "CPPCC_INDEX_DIR": str(a.index_dir), "CPPCC_REQUEST_BUDGET": str(a.budget)}
    server = subprocess.Popen(
        [sys.executable, "-m", "waitress", f"--listen={HOST}:{port}", f"--threads={a.threads}",
         "--channel-timeout=120", "--call", "webui.app:create_app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(log, "w"),  # noqa: SIM115
    )  # fmt: skip
    hard_stop = threading.Timer(a.max_minutes * 60, server.kill)
    hard_stop.daemon = True
    hard_stop.start()
    rows: list[tuple] = []
    slowest: list[str] = []
    try:
        for _ in range(600):
            try:
                socket.create_connection((HOST, port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        conn.request("GET", "/api/articles")
        ids = [x["id"] for x in json.loads(conn.getresponse().read())["articles"]]
        conn.close()
        rss0 = rss_mb(server.pid)
        peak = [rss0]

        def sample_rss() -> None:
            while server.poll() is None:
                peak[0] = max(peak[0], rss_mb(server.pid))
                time.sleep(0.5)

        threading.Thread(target=sample_rss, daemon=True).start()

        def phase(name: str, stats: Stats, before: float, t0: float, note: str = "") -> None:
            after = rss_mb(server.pid)
            n = sum(stats.status.values())
            five = sum(v for k, v in stats.status.items() if k.startswith("5")) - stats.over_budget
            rows.append((name, n, f"{n / (time.monotonic() - t0):.0f}", " ".join(f"{k}:{v}" for k, v in sorted(stats.status.items())),
                         five, stats.over_budget, f"{stats.slow} ({stats.slow_csv} CSV)", f"{stats.pct(0.5):.0f}", f"{stats.pct(0.99):.0f}",
                         f"{before:.0f} → {after:.0f}", f"{peak[0]:.0f}", note))  # fmt: skip
            peak[0] = after
            slowest.extend(f"{name}: {sec:.2f} s {what}" for sec, what in stats.slowest)

        t0, before = time.monotonic(), rss_mb(server.pid)
        fz = run_phase("fuzz", lambda r: fuzz_request(r, ids), a.fuzz_connections, a.fuzz, 900, port, a.budget)
        phase("fuzz", fz, before, t0)

        t0, before = time.monotonic(), rss_mb(server.pid)
        ld = run_phase("load", load_request, a.connections, 10**9, a.seconds, port, a.budget)
        phase(f"load {a.connections} conn {a.seconds:.0f} s", ld, before, t0)

        expected, _ = csv_rows(port, f"/search.csv?q={_q('民主监督')}")
        built: list[str] = []

        def rebuild_and_download(stats: Stats) -> None:
            for _ in range(a.rebuilds):
                done = threading.Event()
                proc = subprocess.Popen(
                    [sys.executable, "-m", "search.cli", "index", str(a.sources), "--index-dir", str(a.index_dir),
                     "--full", "--quiet", "--procs", str(a.procs)], cwd=ROOT,
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                )  # fmt: skip

                def downloads(done: threading.Event = done) -> None:
                    while not done.is_set():
                        n, cut = csv_rows(port, f"/search.csv?q={_q('民主监督')}")
                        with stats.lock:
                            if n == expected and not cut:
                                stats.csv_ok += 1
                            else:
                                stats.csv_bad.append(f"{n} rows{' (cut)' if cut else ''}")

                t = threading.Thread(target=downloads, daemon=True)
                t.start()
                _, err = proc.communicate(timeout=1200)
                done.set()
                t.join(timeout=130)
                built.append("ok" if proc.returncode == 0 else f"exit {proc.returncode}: {err.decode()[-200:]}")

        t0, before = time.monotonic(), rss_mb(server.pid)
        stats_holder: list[Stats] = []

        def extra(stats: Stats) -> None:
            stats_holder.append(stats)
            rebuild_and_download(stats)

        rb = run_phase("rebuilds", load_request, a.connections, 10**9, 0, port, a.budget, extra=extra)
        phase(
            f"load + {a.rebuilds} rebuilds", rb, before, t0,
            f"rebuilds: {', '.join(built)}; CSV complete {rb.csv_ok}, wrong {len(rb.csv_bad)} {rb.csv_bad[:3]}",
        )  # fmt: skip
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        hard_stop.cancel()
    tracebacks = log.read_text(errors="replace").count("Traceback")
    head = ("phase", "requests", "req/s", "status counts", "5xx", "over budget (503)", f"> {a.budget + 1:g} s",
            "p50 ms", "p99 ms", "RSS MB before → after", "peak RSS MB", "notes")  # fmt: skip
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    lines.append(f"\nServer: waitress {a.threads} threads, budget {a.budget:g} s; index {a.index_dir}; "
                 f"tracebacks in the server log: {tracebacks}.")  # fmt: skip
    lines += ["", "Slowest answers per phase:", *(f"- {s}" for s in slowest)]
    table = "\n".join(lines)
    print(table)
    if a.out:
        a.out.write_text(table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
