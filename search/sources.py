"""Raw source files: find them on disk, detect their encoding, read them as text."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import charset_normalizer

from search.formats import (
    DOCX_SUFFIXES,
    MARKDOWN_SUFFIXES,
    PDF_SUFFIXES,
    UNSUPPORTED_FORMATS,
    FormatError,
    markdown_to_text,
    read_docx,
    read_pdf,
)

TEXT_SUFFIXES = frozenset({".txt", ".html", ".htm"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
SOURCE_SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | PDF_SUFFIXES | DOCX_SUFFIXES
# Sidecar files that describe a folder of reports rather than being one.
SIDECAR_NAMES = frozenset({"manifest.toml", "manifest.csv", "manifest.txt"})

# GBK and GB2312 are subsets of GB18030: decoding with the superset never loses a
# character the narrower guess could decode, and rescues the rare ones it could not.
ENCODING_UPGRADES = {"gbk": "gb18030", "gb2312": "gb18030", "cp936": "gb18030"}
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # checked before UTF-16: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
MAX_REPLACEMENT_RATIO = 0.01  # more lost characters than this means a wrong guess or binary
MAX_CONTROL_RATIO = 0.01
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_HTML_MARKER_RE = re.compile(r"<(?:!doctype\s+html|html|body|head)\b", re.IGNORECASE)
_HTML_BLOCK_TAG_RE = re.compile(r"<(?:p|br|div|li|td|h[1-6])\b[^>]*>", re.IGNORECASE)


class UnreadableSource(Exception):
    """A source file that cannot be turned into text."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"Cannot read source {str(path)!r}: {reason}.")


@dataclass(frozen=True)
class SourceText:
    """The decoded text of one source file, how it was decoded, and what the file states
    about itself (`meta`: a front-matter or Title-style "title", a "published" date)."""

    path: Path
    text: str
    encoding: str  # the text encoding, or "pdf" / "docx" for a document read by its format
    is_html: bool
    meta: dict[str, str] = field(default_factory=dict)


def _is_candidate(path: Path, root: Path | None = None) -> bool:
    parts = path.relative_to(root).parts if root is not None else (path.name,)
    if any(part.startswith(".") for part in parts):
        return False
    suffix = path.suffix.lower()
    known = suffix in SOURCE_SUFFIXES or suffix in UNSUPPORTED_FORMATS
    return known and path.name.lower() not in SIDECAR_NAMES


def _link_problem(link: Path, root: Path) -> str | None:
    """Why a symbolic link inside a source folder is not followed, or None."""
    try:
        target = link.resolve(strict=True)
    except FileNotFoundError:
        return "it is a symbolic link to nothing (dangling)"
    except (RuntimeError, OSError):
        return "it is a symbolic link that loops"
    if not target.is_relative_to(root):
        return f"it is a symbolic link to {str(target)!r}, outside the source folder"
    if not target.is_file():
        return "it is a symbolic link to a folder"
    return None


def find_sources(paths: Iterable[Path], skipped: list[tuple[Path, str]] | None = None) -> list[Path]:
    """Expand files and folders (recursively) into the sorted list of sources.

    In a folder: the readable formats (.txt/.html/.htm/.md/.pdf/.docx) and document formats
    that cannot be read (.doc, .wps, ...: read_source then says why), nothing else (images,
    spreadsheets, ...). A file named explicitly is always a source, unless it is a sidecar
    manifest. Hidden files and folders are skipped; a path that does not exist raises
    UnreadableSource.
    """
    found: set[Path] = set()
    for path in map(Path, paths):
        if path.is_dir():
            root = path.resolve()
            for p in path.rglob("*"):
                if not p.is_symlink():
                    if p.is_file() and _is_candidate(p, path):
                        found.add(p)
                    continue
                # A link is followed only to a file inside the folder: a source folder
                # must not publish what lies elsewhere on the machine (/etc/passwd).
                reason = _link_problem(p, root)
                if reason is None:
                    if _is_candidate(p, path):
                        found.add(p)
                elif skipped is not None:
                    skipped.append((p, reason))
        elif path.is_file():
            if path.name.lower() not in SIDECAR_NAMES:
                found.add(path)
        else:
            raise UnreadableSource(path, "it does not exist")
    return sorted(found)


def looks_like_html(text: str) -> bool:
    """True when the text is an HTML page: a document marker, or dense block tags."""
    if _HTML_MARKER_RE.search(text[:4096]):
        return True
    tags = len(_HTML_BLOCK_TAG_RE.findall(text))
    lines = text.count("\n") + 1
    # A stray <br> in a scraped text file is cleaned later; a page has tags on most lines.
    return tags >= 3 and tags * 2 >= lines


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise UnreadableSource(
                    path, f"it starts with a {encoding} mark but {exc.reason}"
                ) from exc
    if b"\x00" in data:
        raise UnreadableSource(path, "it contains NUL bytes, so it is binary, not text")
    try:
        return data.decode("utf-8"), "utf-8"  # the fast path: most files are plain UTF-8
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.start >= len(data) - 3:
            # UTF-8 cut off inside its last character (a truncated download): keep the
            # text, mark the lost character.
            return data[: exc.start].decode("utf-8") + "\ufffd", "utf-8"
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise UnreadableSource(path, "no text encoding fits its bytes")
    encoding = ENCODING_UPGRADES.get(best.encoding.lower(), best.encoding.lower())
    return data.decode(encoding, errors="replace"), encoding


def _unsupported_reason(suffix: str) -> str:
    readable = ", ".join(sorted(SOURCE_SUFFIXES))
    shown = suffix or "no extension"
    return f"its format ({shown}) is not one that is read ({readable})"


MAX_TEXT_BYTES = 16 * 2**20  # the longest government report is about 0.3 MB
MAX_TEXT_CHARS = 8_000_000  # of text extracted from a PDF or DOCX


def _checked_length(source: SourceText) -> SourceText:
    if len(source.text) > MAX_TEXT_CHARS:
        raise UnreadableSource(
            source.path,
            f"it holds {len(source.text):,} characters of text; a report is far shorter, so this "
            "is not one report (split it into its documents)",
        )
    return source


def read_source(path: Path) -> SourceText:
    """Read one source file as text: decode a text file, or extract a document's text.

    Text (.txt/.html/.htm/.md): UTF-8 (with or without BOM) and UTF-16/32 with BOM are
    recognised directly; anything else (GB18030/GBK, Big5, ...) goes through
    charset-normalizer. Markdown is then turned into plain text with its front matter in
    `meta`; .pdf and .docx are read by search.formats. Raises UnreadableSource for missing,
    unreadable, empty, binary, scanned, encrypted or damaged files and other formats.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():  # missing, a folder, or not allowed: say what the system says
        try:
            path.read_bytes()
        except OSError as exc:
            raise UnreadableSource(path, f"the system refused it ({exc.strerror or exc})") from exc
    if suffix in UNSUPPORTED_FORMATS:
        raise UnreadableSource(path, UNSUPPORTED_FORMATS[suffix])
    if suffix not in SOURCE_SUFFIXES:
        raise UnreadableSource(path, _unsupported_reason(suffix))
    if suffix in PDF_SUFFIXES or suffix in DOCX_SUFFIXES:
        return _checked_length(_read_document(path, suffix))
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnreadableSource(path, f"the system refused it ({exc.strerror or exc})") from exc
    if size > MAX_TEXT_BYTES:
        raise UnreadableSource(
            path,
            f"it is {size / 2**20:.1f} MB of text; a report is well under {MAX_TEXT_BYTES // 2**20} MB, "
            "so this is not one report (split it into its documents)",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableSource(path, f"the system refused it ({exc.strerror or exc})") from exc
    if not data.strip():
        raise UnreadableSource(path, "it is empty")
    text, encoding = _decode(data, path)
    if not text.strip():
        raise UnreadableSource(path, "it holds only whitespace")
    if text.count("\ufffd") > MAX_REPLACEMENT_RATIO * len(text):
        raise UnreadableSource(path, f"too many bytes are undecodable as {encoding}")
    if len(_CONTROL_RE.findall(text)) > MAX_CONTROL_RATIO * len(text):
        raise UnreadableSource(path, "it is full of control characters, so it is not text")
    if suffix in MARKDOWN_SUFFIXES:
        converted = markdown_to_text(text)
        if not converted.text.strip():
            raise UnreadableSource(path, "it holds no text besides its front matter")
        return SourceText(path, converted.text, encoding, is_html=False, meta=converted.meta)
    is_html = suffix in HTML_SUFFIXES or looks_like_html(text)
    return SourceText(path=path, text=text, encoding=encoding, is_html=is_html)


def _read_document(path: Path, suffix: str) -> SourceText:
    reader = read_pdf if suffix in PDF_SUFFIXES else read_docx
    try:
        if not path.stat().st_size:
            raise UnreadableSource(path, "it is empty")
        converted = reader(path)
    except FormatError as exc:
        raise UnreadableSource(path, str(exc)) from exc
    except OSError as exc:
        raise UnreadableSource(path, f"the system refused it ({exc.strerror or exc})") from exc
    if not converted.text.strip():
        raise UnreadableSource(path, "it holds no text")
    return SourceText(path, converted.text, suffix.lstrip("."), is_html=False, meta=converted.meta)
