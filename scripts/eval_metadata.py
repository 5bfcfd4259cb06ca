"""Score metadata detection against two corpora nobody tuned it for.

    python scripts/eval_metadata.py [--govreports DIR] [--large DIR] [--only govreports|large]
                                    [--procs 2] [-v]

govreports (../shared/corpus/govreports, 267 files): the truth is manifest.tsv (file, region,
level national/province/city/county, year = the year the document was delivered, doc_type).
Expected work year: delivery year - 1 for government work reports and NPC resolutions on
them (they review the year before their session), the delivery year itself for CPC
congress reports (held late in the year, reviewing the years up to it).

govreports-large (../shared/corpus/govreports-large.tar.xz, 2,700 Markdown files, unpacked
into --large, default /tmp/large, when that folder is missing or empty): the truth is the
path `<category>/<place>/<year>.md`, year = delivery year (or rather the year the report is
named for: a session in October-December of the year before counts as agreeing); every
file is a 政府工作报告.

Scored: region, work year, delivered year, doc_type, level, and that no title names 政协
(every document here is a government, congress or party document). Files are read with
`search.corpus.iter_corpus`; while the installed reader does not know `.md`, the large corpus
is read here (front matter stripped, its title passed as a title override, bold and heading
marks removed) and goes through the same `search.clean.parse_document` + `metadata.describe`.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import tarfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search.clean import parse_document  # noqa: E402
from search.corpus import iter_corpus  # noqa: E402
from search.documents import Article, Region  # noqa: E402
from search.metadata import describe  # noqa: E402
from search.regions import Gazetteer  # noqa: E402
from search.sources import find_sources  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"
GOVREPORTS = SHARED / "govreports"
ARCHIVE = SHARED / "govreports-large.tar.xz"
LARGE = Path("/tmp/large")
NATIONAL = Region("全国", code="100000000000")
LEVELS = {"national": "全国", "province": "省级", "city": "市级", "county": "县级"}
TYPES = {
    "government_work_report": "政府工作报告",
    "gwr_excerpt_news": "政府工作报告",  # a news summary of one report: the report's genre
    "npc_resolution_on_gwr": "人大决议与报告",
    "cpc_congress_report": "党代会报告",
}


@dataclass(frozen=True)
class Truth:
    """What a document is, from a manifest row or a file path."""

    key: str
    region: Region | None  # None: the gazetteer cannot place it (renamed or abolished)
    work_year: int
    delivered_year: int
    doc_type: str
    level: str


@dataclass(frozen=True)
class Got:
    key: str
    region: Region
    year: int | None
    delivered: str
    doc_type: str
    level: str
    title: str


def _got(key: str, article: Article | None) -> Got:
    if article is None:
        return Got(key, Region(), None, "", "", "", "")
    return Got(
        key, article.region, article.year, article.delivered, article.doc_type, article.level, article.title
    )


# -- govreports -------------------------------------------------------------------------------


def govreports_truth(folder: Path) -> dict[str, Truth]:
    gaz = Gazetteer.load()
    with (folder / "manifest.tsv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    out = {}
    for row in rows:
        level = row["level"]
        if level == "national":
            region: Region | None = NATIONAL
        elif level == "province":
            region = gaz.resolve(province=row["region"])
        else:
            region = gaz.resolve(province=row["province"], city=row["region"]) or gaz.resolve(
                province=row["province"], district=row["region"]
            )
        year = int(row["year"])
        doc_type = TYPES.get(row["doc_type"], row["doc_type"])
        work = year if doc_type == "党代会报告" else year - 1
        out[row["file"]] = Truth(row["file"], region, work, year, doc_type, LEVELS[level])
    return out


def read_govreports(folder: Path) -> list[Got]:
    out = []
    for result in iter_corpus([folder]):
        key = result.path.relative_to(folder).as_posix()
        out.append(_got(key, result.articles[0] if result.articles else None))
    return out


# -- govreports-large -------------------------------------------------------------------------

CATEGORY_LEVEL = {"国务院": "全国", "省自治区": "省级", "主要城市": "市级", "其他地市": "市级"}


def unpack_large(folder: Path, archive: Path) -> None:
    if folder.is_dir() and any(folder.iterdir()):
        return
    print(f"unpacking {archive} into {folder} ...", file=sys.stderr)
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:xz") as tar:
        tar.extractall(folder, filter="data")


def large_truth(folder: Path, files: list[Path]) -> dict[str, Truth]:
    gaz = Gazetteer.load()
    out = {}
    for path in files:
        rel = path.relative_to(folder)
        category = rel.parts[0].split("-", 1)[-1]
        year = int(path.stem[:4])
        if category == "国务院":
            region: Region | None = NATIONAL
        else:
            place = rel.parts[1]
            region = gaz.resolve(province=place) if category == "省自治区" else gaz.resolve(city=place)
            if region is None:  # merged since (莱芜市 -> 济南市莱芜区): its successor by short form
                found = gaz.lookup(re.sub(r"(市|地区|盟)$", "", place))
                region = found[0] if len(found) == 1 else None
        level = CATEGORY_LEVEL[category]
        if region is not None and region.province in ("北京市", "天津市", "上海市", "重庆市") and not region.city:
            level = "省级"  # the municipalities are province-level
        out[rel.as_posix()] = Truth(rel.as_posix(), region, year - 1, year, "政府工作报告", level)
    return out


FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)


def read_markdown_fallback(path: Path) -> Article | None:
    """A .md file through parse_document + describe, for readers that do not know .md yet."""
    text = path.read_text(encoding="utf-8")
    overrides: dict[str, object] = {}
    m = FRONT_MATTER.match(text)
    if m:
        for line in m.group(1).splitlines():
            name, _, value = line.partition(":")
            if name.strip() == "title" and value.strip():
                overrides["title"] = value.strip().strip("\"'")
        text = text[m.end():]
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    text = re.sub(r"^#{1,6}\s+", "", text, flags=re.M)
    text = re.sub(r"\*{1,3}(\S[^*\n]*?)\*{1,3}", r"\1", text)
    drafts = [d for d in parse_document(text) if d.blocks]
    if not drafts:
        return None
    return describe(drafts[0], article_id=path.stem, source=path.name, overrides=overrides)


def _read_large_chunk(args: tuple[str, list[str], bool]) -> list[Got]:
    folder, names, native = args
    out = []
    for name in names:
        path = Path(folder) / name
        if native:
            result = next(iter_corpus([path]))
            article = result.articles[0] if result.articles else None
        else:
            article = read_markdown_fallback(path)
        out.append(_got(name, article))
    return out


def read_large(folder: Path, files: list[Path], procs: int) -> tuple[list[Got], bool]:
    native = bool(find_sources([files[0]])) if files else False
    names = [p.relative_to(folder).as_posix() for p in files]
    chunks = [(str(folder), names[i::procs], native) for i in range(procs)]
    with ProcessPoolExecutor(procs) as pool:
        got = [g for chunk in pool.map(_read_large_chunk, chunks) for g in chunk]
    return got, native


# -- scoring ----------------------------------------------------------------------------------


def _region_cause(got: Region, want: Region | None) -> str:
    if want is None:
        return "truth not in the gazetteer"
    if not got:
        return "nothing detected"
    if got.province != want.province:
        return "wrong province"
    if len(got.path()) < len(want.path()):
        return "too general"
    if len(got.path()) > len(want.path()):
        return "too specific"
    return "wrong division at the right level"


def _year_cause(got: int | None, want: int) -> str:
    if got is None:
        return "no year"
    return f"{got - want:+d}" if abs(got - want) <= 2 else "other"


def score(name: str, truths: dict[str, Truth], results: list[Got], verbose: bool) -> dict[str, float]:
    checks: dict[str, Counter[str]] = defaultdict(Counter)
    bad: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for got in sorted(results, key=lambda g: g.key):
        want = truths[got.key]
        ok_region = want.region is not None and got.region.path() == want.region.path()
        delivered_year = int(got.delivered[:4]) if got.delivered[:4].isdigit() else None
        if delivered_year == want.delivered_year - 1 and got.delivered[5:7] in ("10", "11", "12"):
            # A session held in the last quarter names the report after the next year
            # ("2022年政府工作报告" delivered 2021-12-21): the path's year is that name.
            checks["delivered year"]["late session"] += 1
            delivered_year = want.delivered_year
        outcome = {
            "region": (ok_region, _region_cause(got.region, want.region),
                       f"want {'>'.join(want.region.path()) if want.region else '?'} got {'>'.join(got.region.path()) or '-'}"),
            "work year": (got.year == want.work_year, _year_cause(got.year, want.work_year),
                          f"want {want.work_year} got {got.year}"),
            "delivered year": (delivered_year == want.delivered_year, _year_cause(delivered_year, want.delivered_year),
                               f"want {want.delivered_year} got {got.delivered or '-'}"),
            "doc_type": (got.doc_type == want.doc_type, got.doc_type or "(none)", f"want {want.doc_type}"),
            "level": (got.level == want.level, got.level or "(none)", f"want {want.level}"),
            "title without 政协": ("政协" not in got.title, "names 政协", ""),
        }
        for check, (ok, cause, detail) in outcome.items():
            checks[check]["ok" if ok else "bad"] += 1
            if not ok:
                bad[check][cause].append(f"{got.key}: {detail} | {got.title[:40]}")
    n = len(results)
    print(f"\n== {name}: {n} documents")
    rates = {}
    for check, c in checks.items():
        rates[check] = c["ok"] / n if n else 0.0
        late = f"  ({c['late session']} delivered in Oct-Dec of the year before)" if c["late session"] else ""
        print(f"  {check:18} {c['ok']:5} / {n}  {100 * rates[check]:6.2f}%{late}")
    for check, groups in bad.items():
        print(f"  -- {check} misses:")
        for cause, items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            print(f"     {len(items):4}  {cause}")
            for item in items if verbose else items[:3]:
                print(f"             {item}")
    return rates


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--govreports", type=Path, default=GOVREPORTS)
    parser.add_argument("--large", type=Path, default=LARGE, help="unpacked govreports-large")
    parser.add_argument("--archive", type=Path, default=ARCHIVE)
    parser.add_argument("--only", choices=("govreports", "large"))
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    args = parser.parse_args(argv)

    if args.only != "large":
        start = time.perf_counter()
        results = read_govreports(args.govreports)
        print(f"govreports read in {time.perf_counter() - start:.1f} s")
        score("govreports", govreports_truth(args.govreports), results, args.verbose)
    if args.only != "govreports":
        unpack_large(args.large, args.archive)
        files = sorted(args.large.rglob("*.md"))
        start = time.perf_counter()
        results, native = read_large(args.large, files, args.procs)
        how = "search.corpus.iter_corpus" if native else "the .md fallback of this script"
        print(f"govreports-large read with {how} in {time.perf_counter() - start:.1f} s")
        score("govreports-large", large_truth(args.large, files), results, args.verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
