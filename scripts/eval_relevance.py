"""Relevance benchmark: the engine against SQLite FTS5 (trigram) and BM25 over jieba tokens.

    python scripts/eval_relevance.py                       # build /tmp/cppcc-eval from the corpus
    python scripts/eval_relevance.py --index-dir index     # an index already built from it
    python scripts/eval_relevance.py --pool 40 > pool.tsv  # paragraphs not yet judged, to judge

The three systems search the same paragraphs (those of the index: the 267 government
reports of ../shared/corpus/govreports plus the shipped samples) for the queries of
scripts/relevance/queries.tsv. Each system's top 10 is scored against the graded
judgments in scripts/relevance/judgments.tsv (query, paragraph id, grade: 2 = about the
topic, 1 = partly, 0 = a passing mention, a heading, a note or off topic), made by the
project team by reading every pooled paragraph. Paragraphs nobody judged count as not
relevant; the run prints how many there were.

Metrics: P@5 and P@10 (grade >= 1 counts), nDCG@10 (gain 2^grade - 1, the ideal ranking
taken from every judged paragraph of the query). The engine runs with its defaults
(roles, priors, synonyms, near-duplicates folded). FTS5 ranks with bm25() on a trigram
index of the search keys (a query piece under 3 characters cannot MATCH: it is filtered
with instr() and left in index order). BM25-jieba is tantivy's BM25 over the rjieba
search-mode words of each key, the query cut the same way, OR of its words.
The rule check counts queries whose engine top 10 holds a heading, a note or a paragraph
under 20 characters while more body paragraphs of 20+ characters match than are shown.
"""

from __future__ import annotations

import argparse
import csv
import math
import sqlite3
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from search.analysis import index_words  # noqa: E402
from search.engine import SearchEngine, SearchRequest  # noqa: E402
from search.generations import current_generation  # noqa: E402
from search.indexer import build_index  # noqa: E402
from search.normalize import search_key  # noqa: E402
from search.store import Store  # noqa: E402

HERE = ROOT / "scripts" / "relevance"
QUERIES = HERE / "queries.tsv"
JUDGMENTS = HERE / "judgments.tsv"
CORPUS = (ROOT.parent / "shared" / "corpus" / "govreports", ROOT / "data" / "reports")
K = 10


def read_queries(path: Path = QUERIES) -> list[tuple[str, str]]:
    """(query, kind) rows."""
    with open(path, encoding="utf-8") as fh:
        return [(r["query"], r["kind"]) for r in csv.DictReader(fh, delimiter="\t")]


def read_judgments(path: Path = JUDGMENTS) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(dict)
    if path.exists():
        with open(path, encoding="utf-8") as fh:
            for r in csv.DictReader(fh, delimiter="\t"):
                out[r["query"]][r["id"]] = int(r["grade"])
    return out


class Corpus:
    """The paragraphs of one index generation, by id, with their keys and roles."""

    def __init__(self, index_dir: Path) -> None:
        gen = current_generation(index_dir)
        if gen is None:
            raise SystemExit(f"No index in {index_dir}: build one first.")
        self.store = Store(gen)
        live = self.store.col("live")
        position = self.store.col("position")
        self.ids: list[str] = []
        self.docs: list[int] = []
        for d in range(self.store.size):
            if live[d]:
                self.ids.append(f"{self.store.article_of(d).id}-p{int(position[d])}")
                self.docs.append(d)
        self.keys = [self.store.key(d) for d in self.docs]

    def text(self, i: int) -> str:
        return self.store.text(self.docs[i])

    def role(self, i: int) -> str:
        return self.store.role(self.docs[i])


# -- the baselines ---------------------------------------------------------------------------


class Fts5:
    def __init__(self, corpus: Corpus) -> None:
        self.con = sqlite3.connect(":memory:")
        self.con.execute("CREATE VIRTUAL TABLE fts USING fts5(key, tokenize='trigram')")
        self.con.executemany("INSERT INTO fts(rowid, key) VALUES (?, ?)", enumerate(corpus.keys))
        self.ids = corpus.ids

    def top(self, query: str) -> list[str]:
        pieces = search_key(query).split()
        long = [p for p in pieces if len(p) >= 3]
        short = [p for p in pieces if len(p) < 3]
        where = " AND ".join(["instr(key, ?) > 0"] * len(short))
        if long:
            expr = " AND ".join('"' + p.replace('"', '""') + '"' for p in long)
            sql = "SELECT rowid FROM fts WHERE fts MATCH ?" + (f" AND {where}" if where else "") + f" ORDER BY rank LIMIT {K}"
            rows = self.con.execute(sql, [expr, *short]).fetchall()
        else:
            rows = self.con.execute(f"SELECT rowid FROM fts WHERE {where} LIMIT {K}", short).fetchall()
        return [self.ids[r[0]] for r in rows]


class Bm25Jieba:
    def __init__(self, corpus: Corpus) -> None:
        import tantivy

        sb = tantivy.SchemaBuilder()
        sb.add_text_field("words", tokenizer_name="whitespace", index_option="freq")
        sb.add_unsigned_field("i", stored=True, fast=True)
        self.index = tantivy.Index(sb.build())
        w = self.index.writer(heap_size=100_000_000, num_threads=1)
        for i, key in enumerate(corpus.keys):
            d = tantivy.Document()
            d.add_text("words", " ".join(index_words(key)))
            d.add_unsigned("i", i)
            w.add_document(d)
        w.commit()
        self.index.reload()
        self.searcher = self.index.searcher()
        self.schema = self.index.schema
        self.ids = corpus.ids

    def top(self, query: str) -> list[str]:
        import tantivy

        words = list(dict.fromkeys(w for p in search_key(query).split() for w in index_words(p)))
        if not words:
            return []
        q = tantivy.Query.boolean_query([(tantivy.Occur.Should, tantivy.Query.term_query(self.schema, "words", w)) for w in words])
        hits = self.searcher.search(q, limit=K).hits
        return [self.ids[self.searcher.doc(a)["i"][0]] for _, a in hits]


def engine_top(engine: SearchEngine, query: str) -> list[str]:
    return [h.id for h in engine.search(SearchRequest(query=query, per_page=K)).hits]


# -- metrics -----------------------------------------------------------------------------------


def precision(ranked: list[str], grades: dict[str, int], k: int) -> float:
    return sum(1 for i in ranked[:k] if grades.get(i, 0) >= 1) / k


def ndcg(ranked: list[str], grades: dict[str, int], k: int = K) -> float:
    dcg = sum((2 ** grades.get(i, 0) - 1) / math.log2(r + 2) for r, i in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(r + 2) for r, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def rule_breaks(engine: SearchEngine, corpus: Corpus, query: str) -> list[str]:
    """The engine's top-10 hits that are a heading, a note or under 20 characters, when
    more body paragraphs of 20+ characters match than the page shows."""
    page = engine.search(SearchRequest(query=query, per_page=K))
    bad = [h.id for h in page.hits if h.role in ("heading", "note") or len(h.text) < 20]
    if not bad:
        return []
    long_bodies = sum(
        1 for h in engine.iter_matches(SearchRequest(query=query)) if h.role == "body" and len(h.text) >= 20
    )
    return bad if long_bodies > K else []


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index-dir", type=Path, help="an index of the corpus (default: build one in a temp folder)")
    ap.add_argument("--pool", type=int, default=0, help="print the unjudged top-N paragraphs of every system as TSV and stop")
    args = ap.parse_args(argv)
    index_dir = args.index_dir
    if index_dir is None:
        missing = [str(p) for p in CORPUS if not p.exists()]
        if missing:
            raise SystemExit(f"The corpus is missing: {', '.join(missing)}")
        index_dir = Path(tempfile.gettempdir()) / "cppcc-eval"
        print(f"building the index in {index_dir} ...", file=sys.stderr)
        build_index(list(CORPUS), index_dir, backend="tantivy", procs=2)
    corpus = Corpus(index_dir)
    engine = SearchEngine(index_dir)
    systems = {"engine": lambda q: engine_top(engine, q), "FTS5 trigram": Fts5(corpus).top, "BM25 jieba": Bm25Jieba(corpus).top}
    queries = read_queries()
    judged = read_judgments()
    by_id = {pid: i for i, pid in enumerate(corpus.ids)}

    if args.pool:
        global K
        K = args.pool
        out = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n")
        out.writerow(["query", "id", "grade", "role", "text"])
        for q, _ in queries:
            pool = dict.fromkeys(pid for top in systems.values() for pid in top(q))
            for pid in pool:
                if pid not in judged.get(q, {}):
                    i = by_id[pid]
                    out.writerow([q, pid, "", corpus.role(i), corpus.text(i).replace("\t", " ")[:400]])
        return 0

    scores: dict[str, list[tuple[float, float, float]]] = {name: [] for name in systems}
    unjudged = 0
    per_query = []
    for q, kind in queries:
        grades = judged.get(q, {})
        row = [q, kind]
        for name, top in systems.items():
            ranked = top(q)
            unjudged += sum(1 for i in ranked if i not in grades)
            s = (precision(ranked, grades, 5), precision(ranked, grades, 10), ndcg(ranked, grades))
            scores[name].append(s)
            row.append(f"{s[0]:.1f}/{s[2]:.2f}")
        per_query.append(row)
    breaks = {q: b for q, _ in queries if (b := rule_breaks(engine, corpus, q))}

    n = len(queries)
    print(f"{n} queries, {len(corpus.ids)} paragraphs, {sum(len(v) for v in judged.values())} judgments; "
          f"{unjudged} retrieved paragraphs were not judged (counted as not relevant)\n")  # fmt: skip
    print("| system | P@5 | P@10 | nDCG@10 |")
    print("|---|---|---|---|")
    for name, rows in scores.items():
        p5, p10, nd = (sum(r[i] for r in rows) / n for i in range(3))
        print(f"| {name} | {p5:.3f} | {p10:.3f} | {nd:.3f} |")
    print(f"\nqueries whose engine top 10 holds a heading, a note or a <20-character paragraph while longer "
          f"body paragraphs match: {len(breaks)} of {n}")  # fmt: skip
    for q, b in breaks.items():
        print(f"  {q}: {', '.join(b)}")
    print("\nper query (P@5/nDCG@10): query, kind, " + ", ".join(systems))
    for row in per_query:
        print("  " + "  ".join(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
