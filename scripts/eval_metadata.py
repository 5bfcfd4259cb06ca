"""Measure region and year detection against a corpus with a manifest.tsv (govreports).

    python scripts/eval_metadata.py [/work/shared/corpus/govreports] [--paragraphs 15] [--clean] [-v]

manifest.tsv columns used: file, region, level (national/province/city/county), year, title,
province.  These are government work reports: delivered in year Y, they review Y-1.  The
manifest's `year` is the year in the report's title, i.e. the delivery year, so the expected
*work year* is `year - 1`.  National documents expect no region (Region()).
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search.documents import ArticleDraft, Block, Region  # noqa: E402
from search.metadata import describe  # noqa: E402
from search.regions import Gazetteer  # noqa: E402

DEFAULT = Path("/work/shared/corpus/govreports")


def draft_of(text: str, title: str, paragraphs: int) -> ArticleDraft:
    """Split on blank lines (or lines, for files without blank lines); first line is the title."""
    text = text.replace("\\r\\n", "\n")  # some files hold escaped line breaks
    chunks = [c.strip() for c in text.split("\n\n") if c.strip()]
    if len(chunks) < 3:
        chunks = [c.strip() for c in text.splitlines() if c.strip()]
    first = chunks[0] if chunks else title
    rest = chunks[1 : paragraphs + 1]
    subtitle = rest[0] if rest and rest[0].startswith(("——", "—", "-")) else ""
    if subtitle:
        rest = rest[1:]
    return ArticleDraft(first, subtitle, tuple(Block(c) for c in rest))


def expected_region(row: dict[str, str], gaz: Gazetteer) -> Region | None:
    """The manifest's region as a gazetteer Region; None when the gazetteer cannot place it."""
    if row["level"] == "national":
        return Region()
    if row["level"] == "province":
        return gaz.resolve(province=row["region"])
    return gaz.resolve(province=row["province"], city=row["region"]) or gaz.resolve(
        province=row["province"], district=row["region"]
    )


def region_cause(got: Region, want: Region | None, row: dict[str, str]) -> str:
    if want is None:
        return "manifest place not in the gazetteer (renamed/abolished)"
    if not got:
        return "nothing detected"
    if got.province != want.province:
        return "wrong province"
    if len(got.path()) < len(want.path()):
        return "too general (stopped above the expected level)"
    if len(got.path()) > len(want.path()):
        return "too specific (descended into a sub-division)"
    return "wrong division at the right level"


def year_cause(got: int | None, want: int) -> str:
    if got is None:
        return "no year detected"
    if got == want + 1:
        return "took the delivery year (title) instead of the year reviewed"
    if got < want:
        return "older year (history or multi-year review)"
    return "other"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--paragraphs", type=int, default=15)
    parser.add_argument("--clean", action="store_true", help="cut articles with search.clean.parse_document")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every disagreement")
    args = parser.parse_args(argv)

    gaz = Gazetteer.load()
    with (args.corpus / "manifest.tsv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    region_ok: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    year_ok = year_same_as_manifest = 0
    year_by_type: Counter[str] = Counter()
    docs_by_type: Counter[str] = Counter()
    region_bad: dict[str, list[str]] = defaultdict(list)
    year_bad: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        text = (args.corpus / row["file"]).read_text(encoding="utf-8", errors="replace")
        draft = draft_of(text, row["title"], args.paragraphs)
        if args.clean:
            from search.clean import parse_document

            drafts = parse_document(text)
            draft = drafts[0] if drafts else draft
        article = describe(draft, article_id=row["file"], source=row["file"])
        level = row["level"]
        totals[level] += 1
        want = expected_region(row, gaz)
        if want is not None and article.region.path() == want.path():
            region_ok[level] += 1
        else:
            cause = region_cause(article.region, want, row)
            region_bad[cause].append(f"{row['file']}: want {row['region']} got {'>'.join(article.region.path()) or '-'}")
        want_year = int(row["year"]) - 1
        docs_by_type[row["doc_type"]] += 1
        if article.year == want_year:
            year_ok += 1
            year_by_type[row["doc_type"]] += 1
        else:
            year_bad[year_cause(article.year, want_year)].append(
                f"{row['file']}: manifest {row['year']} (work year {want_year}) got {article.year}"
            )
        year_same_as_manifest += article.year == int(row["year"])

    n = len(rows)
    how = "search.clean.parse_document" if args.clean else f"first {args.paragraphs} paragraphs each"
    print(f"{n} documents, {how}")
    print("region agreement by level:")
    for level in ("national", "province", "city", "county"):
        print(f"  {level:9} {region_ok[level]:4} / {totals[level]}")
    print(f"  {'all':9} {sum(region_ok.values()):4} / {n}")
    print(f"work year (manifest year - 1): {year_ok} / {n};  equal to manifest year: {year_same_as_manifest} / {n}")
    for doc_type, count in docs_by_type.most_common():
        print(f"  {doc_type:24} {year_by_type[doc_type]:4} / {count}")
    for title, groups in (("region disagreements", region_bad), ("year disagreements", year_bad)):
        print(f"\n{title}:")
        for cause, items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            print(f"  {len(items):4}  {cause}")
            for item in items if args.verbose else items[:3]:
                print(f"          {item}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
