"""Sidecar manifests: TOML and CSV forms, precedence, region re-resolution, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.documents import Region
from search.manifest import ManifestError, load_manifest
from search.regions import NATIONAL

LIAOCHENG = Region("山东省", "聊城市", "", "371500000000")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return folder


def test_no_manifest_means_no_overrides(tmp_path: Path) -> None:
    assert {} == load_manifest(tmp_path).overrides_for("a.txt", 1)


def test_toml_article_entry_beats_file_entry(tmp_path: Path) -> None:
    write(tmp_path, "manifest.toml", """
[[override]]
file = "004_x.txt"
article = 2
year = 2024

[[override]]
file = "004_x.txt"
year = 2023
title = "综述"
""")
    manifest = load_manifest(tmp_path)
    assert {"year": 2023, "title": "综述"} == manifest.overrides_for("004_x.txt", 1)
    assert {"year": 2024, "title": "综述"} == manifest.overrides_for("004_x.txt", 2)
    assert {} == manifest.overrides_for("005_y.txt", 1)


def test_bare_file_name_matches_in_subfolders_but_paths_must_match_exactly(tmp_path: Path) -> None:
    write(tmp_path, "manifest.toml", """
[[override]]
file = "a.txt"
year = 2020
[[override]]
file = "sub/b.txt"
year = 2021
""")
    manifest = load_manifest(tmp_path)
    assert {"year": 2020} == manifest.overrides_for("sub/a.txt", 1)
    assert {"year": 2021} == manifest.overrides_for("sub/b.txt", 1)
    assert {} == manifest.overrides_for("other/b.txt", 1)


def test_csv_empty_cells_do_not_override_and_places_are_resolved(tmp_path: Path) -> None:
    write(tmp_path, "manifest.csv",
          "file,article,title,province,city,district,year,published\n"
          "001.txt,,,,聊城,,2024,\n"
          "002.txt,1,,,,,,2025-01-07\n")
    manifest = load_manifest(tmp_path)
    assert {"city": "聊城", "year": 2024, "region": LIAOCHENG} == manifest.overrides_for("001.txt", 1)
    assert {"published": "2025-01-07"} == manifest.overrides_for("002.txt", 1)
    assert [] == manifest.warnings


def test_unknown_place_is_kept_as_given_and_flagged(tmp_path: Path) -> None:
    write(tmp_path, "manifest.toml", '[[override]]\nfile = "a.txt"\ncity = "桃花源市"\n')
    manifest = load_manifest(tmp_path)
    assert Region("", "桃花源市", "", "") == manifest.overrides_for("a.txt", 1)["region"]
    assert ["manifest.toml, entry #1: place '桃花源市' is not in the gazetteer; kept as given."] == manifest.warnings


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("manifest.csv", "file,colour\na.txt,red\n", r"manifest.csv, line 1: unknown column\(s\) \['colour'\]"),
        ("manifest.csv", "file,year\na.txt,1800\n", r"manifest.csv, line 2: year must be an integer from 1949 to 2100, got 1800"),
        ("manifest.csv", "file,year\na.txt,20x4\n", r"line 2: year must be .* got '20x4'"),
        ("manifest.csv", "file,year\n,2020\n", r"line 2: 'file' is required"),
        ("manifest.csv", "file,year\na.txt,2020,9\n", r"line 2: more cells than columns"),
        ("manifest.toml", '[[override]]\nfile = "a.txt"\nyear = "soon"\n', r"entry #1: year must be"),
        ("manifest.toml", '[[override]]\nfile = "a.txt"\nyeer = 2020\n', r"entry #1: unknown field\(s\) \['yeer'\]"),
        ("manifest.toml", '[[override]]\nfile = "a.txt"\narticle = 0\nyear = 2020\n', r"article must be a number from 1, got 0"),
        ("manifest.toml", '[[override]]\nfile = "a.txt"\npublished = "7 Jan"\n', r"published must be an ISO date"),
        ("manifest.toml", '[[override]]\nfile = "a.txt"\n', r"overrides nothing"),
        ("manifest.toml", "[[override]\n", r"is not valid TOML"),
        ("manifest.toml", "[overrides]\n", r"unknown top-level key"),
        ("manifest.toml", '[[override]]\nfile = "a.txt"\ndoc_type = "政府报告"\n',
         r"entry #1: doc_type must be one of 人大决议与报告, .*政府工作报告, 其他; got '政府报告'"),
    ],
)
def test_malformed_manifest_names_file_and_entry(tmp_path: Path, name: str, text: str, message: str) -> None:
    write(tmp_path, name, text)
    with pytest.raises(ManifestError, match=message):
        load_manifest(tmp_path)


def test_document_type_and_the_whole_country_can_be_set(tmp_path: Path) -> None:
    write(tmp_path, "manifest.csv", "file,article,doc_type,province\n"
          "a.txt,2,政协工作综述,\n"
          "b.txt,,人大决议与报告,全国\n")
    manifest = load_manifest(tmp_path)
    assert {"doc_type": "政协工作综述"} == manifest.overrides_for("a.txt", 2)
    assert {} == manifest.overrides_for("a.txt", 1)
    assert {"doc_type": "人大决议与报告", "province": "全国", "region": NATIONAL} == manifest.overrides_for("b.txt", 1)
    assert [] == manifest.warnings
