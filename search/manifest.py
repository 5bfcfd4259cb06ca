"""Sidecar overrides: `manifest.toml` or `manifest.csv` in a source folder corrects metadata.

TOML::

    [[override]]
    file = "004_x.txt"      # path relative to the folder, or a bare file name
    article = 2             # optional: 1-based article number within the file
    year = 2024

CSV: a header row with the same columns; empty cells mean "no override".
Fields: title, doc_type, province, city, district, year, published.  Article-specific
entries beat file-wide ones.  `year` is the work year reviewed, `published` the date the
document was delivered or published.  `doc_type` must be one of the types of
search/data/doctypes.toml.  Places are re-resolved against the gazetteer (city = "聊城"
becomes 山东省 > 聊城市 with its code; province = "全国" is the whole country); a place the
gazetteer does not know is kept as given and listed in `Manifest.warnings`.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from search.doctypes import DocTypeRules
from search.documents import Region
from search.regions import Gazetteer

FIELDS = ("title", "doc_type", "province", "city", "district", "year", "published")
KEYS = ("file", "article", *FIELDS)
NAMES = ("manifest.toml", "manifest.csv")


class ManifestError(ValueError):
    """A manifest file is malformed; the message names the file and the entry or line."""


@dataclass(frozen=True)
class Override:
    """One manifest entry: which file (and article) and the fields it sets."""

    file: str
    article: int | None
    fields: dict[str, object]
    where: str  # "manifest.csv, line 3", for messages


@dataclass
class Manifest:
    """The overrides of one source folder."""

    entries: list[Override] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    path: Path | None = None

    def overrides_for(self, relative_path: str, article_number: int) -> dict[str, object]:
        """Fields to override for article `article_number` (1-based) of `relative_path`.

        Returns the raw fields plus "region" (a Region) when a place was overridden.
        """
        rel = PurePosixPath(relative_path.replace("\\", "/"))
        out: dict[str, object] = {}
        # File-wide first, then article-specific, so the latter wins.
        for specific in (False, True):
            for entry in self.entries:
                if (entry.article is not None) != specific:
                    continue
                if specific and entry.article != article_number:
                    continue
                target = PurePosixPath(entry.file)
                if target == rel or (len(target.parts) == 1 and target.name == rel.name):
                    out.update(entry.fields)
        if any(out.get(k) for k in ("province", "city", "district")):
            out["region"], _ = resolve_region(
                str(out.get("province", "")), str(out.get("city", "")), str(out.get("district", ""))
            )
        return out


def resolve_region(province: str, city: str, district: str) -> tuple[Region, bool]:
    """The gazetteer's Region for overridden names, and whether the gazetteer knew them.

    Unknown places are kept as given (code "") so user data is never lost.
    """
    found = Gazetteer.load().resolve(province, city, district)
    if found is not None:
        return found, True
    return Region(province, city, district, ""), False


def _year(value: object, where: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not 1949 <= value <= 2100:
        raise ManifestError(f"{where}: year must be an integer from 1949 to 2100, got {value!r}.")
    return value


def _entry(raw: dict[str, object], where: str) -> Override:
    unknown = set(raw) - set(KEYS)
    if unknown:
        raise ManifestError(f"{where}: unknown field(s) {sorted(unknown)!r}; allowed: {KEYS!r}.")
    file = raw.get("file")
    if not isinstance(file, str) or not file.strip():
        raise ManifestError(f"{where}: 'file' is required, got {file!r}.")
    article = raw.get("article")
    if article == "":
        article = None  # an empty CSV cell: the entry applies to the whole file
    if isinstance(article, str):
        article = int(article) if article.strip().isdigit() else article
    if article is not None and (not isinstance(article, int) or isinstance(article, bool) or article < 1):
        raise ManifestError(f"{where}: article must be a number from 1, got {article!r}.")
    fields: dict[str, object] = {}
    for name in FIELDS:
        value = raw.get(name)
        if value is None or value == "":
            continue
        if name == "year":
            fields[name] = _year(value, where)
        elif name == "published":
            text = str(value)
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ManifestError(f"{where}: published must be an ISO date YYYY-MM-DD, got {value!r}.")
            fields[name] = text
        elif name == "doc_type":
            known = DocTypeRules.load().names
            if not isinstance(value, str) or value.strip() not in known:
                raise ManifestError(f"{where}: doc_type must be one of {', '.join(known)}; got {value!r}.")
            fields[name] = value.strip()
        elif isinstance(value, str):
            fields[name] = value.strip()
        else:
            raise ManifestError(f"{where}: {name} must be text, got {value!r}.")
    if not fields:
        raise ManifestError(f"{where}: the entry for {file!r} overrides nothing.")
    return Override(file.strip(), article, fields, where)


def _from_toml(path: Path) -> list[Override]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{str(path)!r} is not valid TOML: {exc}.") from exc
    unknown = set(data) - {"override"}
    if unknown:
        raise ManifestError(f"{str(path)!r}: unknown top-level key(s) {sorted(unknown)!r}; use [[override]].")
    tables = data.get("override", [])
    if not isinstance(tables, list):
        raise ManifestError(f"{str(path)!r}: 'override' must be an array of tables ([[override]]).")
    return [_entry(t, f"{path.name}, entry #{i}") for i, t in enumerate(tables, start=1)]


def _from_csv(path: Path) -> list[Override]:
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    unknown = [h for h in header if h.strip() not in KEYS]
    if unknown:
        raise ManifestError(f"{path.name}, line 1: unknown column(s) {unknown!r}; allowed: {KEYS!r}.")
    out = []
    for row in reader:
        if None in row:
            raise ManifestError(f"{path.name}, line {reader.line_num}: more cells than columns.")
        cleaned = {k.strip(): (v or "").strip() for k, v in row.items()}
        if not any(cleaned.values()):
            continue
        out.append(_entry(cleaned, f"{path.name}, line {reader.line_num}"))
    return out


def load_manifest(folder: Path | str) -> Manifest:
    """The manifest of `folder` (manifest.toml, else manifest.csv); empty when there is none."""
    folder = Path(folder)
    for name in NAMES:
        path = folder / name
        if path.is_file():
            entries = _from_toml(path) if name.endswith(".toml") else _from_csv(path)
            manifest = Manifest(entries, [], path)
            for e in entries:
                names = [str(e.fields.get(k, "")) for k in ("province", "city", "district")]
                if any(names) and not resolve_region(*names)[1]:
                    manifest.warnings.append(f"{e.where}: place {'/'.join(n for n in names if n)!r} is not in the gazetteer; kept as given.")
            return manifest
    return Manifest()
