"""Ingestion on 267 real government reports nobody tuned the cleaner for (../shared/corpus)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from search.corpus import iter_corpus

GOVREPORTS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "govreports"
CJK = re.compile(r"[\u4e00-\u9fff]")

pytestmark = pytest.mark.skipif(not GOVREPORTS.is_dir(), reason=f"{GOVREPORTS} is not here")


@pytest.fixture(scope="module")
def results() -> dict[str, object]:
    return {r.path.relative_to(GOVREPORTS).as_posix(): r for r in iter_corpus([GOVREPORTS])}


@pytest.fixture(scope="module")
def manifest() -> dict[str, dict[str, str]]:
    with open(GOVREPORTS / "manifest.tsv", encoding="utf-8") as fh:
        return {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}


def test_every_file_gives_articles(results: dict, manifest: dict) -> None:
    assert set(results) == set(manifest)
    assert [p for p, r in results.items() if r.skipped] == []


def test_cleaning_keeps_the_text(results: dict) -> None:
    """Cleaning takes licence boxes and menus, never the report: a long document keeps 90%
    of its Chinese characters; a short resolution may lose its licence box (up to 40%).
    A paragraph printed twice is kept once, so the raw text counts each distinct line once."""
    long_losses, short_losses = {}, {}
    for path, r in results.items():
        lines = (GOVREPORTS / path).read_text(encoding="utf-8").splitlines()
        raw = len(CJK.findall("".join(dict.fromkeys(line.strip() for line in lines))))
        kept = sum(len(CJK.findall(a.title)) + sum(len(CJK.findall(p.text)) for p in a.paragraphs) for a in r.articles)
        (long_losses if raw >= 2000 else short_losses)[path] = 1 - kept / raw
    assert len(long_losses) > 200
    assert max(long_losses.values()) < 0.10, max(long_losses.items(), key=lambda kv: kv[1])
    assert max(short_losses.values()) < 0.40, max(short_losses.items(), key=lambda kv: kv[1])


def test_regions_mostly_agree_with_the_manifest(results: dict, manifest: dict) -> None:
    agree = 0
    for path, r in results.items():
        want = manifest[path]
        a = r.articles[0]
        if want["level"] == "national":
            agree += not a.region.province
        elif want["level"] == "province":
            agree += a.region.province == want["province"] or a.region.province.startswith(want["region"][:2])
        else:
            agree += want["region"] in (a.region.city, a.region.district)
    # measured 265 of 267 (the two 1921 congress reports name 北京/广州 up front)
    assert agree >= 262
