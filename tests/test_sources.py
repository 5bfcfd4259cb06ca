"""Finding source files and decoding them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from search.sources import SourceText, UnreadableSource, find_sources, looks_like_html, read_source

SIMPLIFIED = (
    "政协工作报告回顾了过去一年的履职成绩，市政协坚持围绕中心、服务大局，"
    "深入开展调查研究和协商议政，提出了许多有价值的意见建议。\n"
    "委员们积极履职尽责，为经济社会高质量发展贡献了智慧和力量。\n"
)
TRADITIONAL = (
    "政協工作報告回顧了過去一年的履職成績，市政協堅持圍繞中心、服務大局，"
    "深入開展調查研究和協商議政，提出了許多有價值的意見建議。\n"
    "委員們積極履職盡責，為經濟社會高質量發展貢獻了智慧和力量。\n"
)


@pytest.mark.parametrize(
    ("encoding", "text", "detected"),
    [
        ("utf-8", SIMPLIFIED, "utf-8"),
        ("utf-8-sig", SIMPLIFIED, "utf-8-sig"),
        ("utf-16", SIMPLIFIED, "utf-16"),
        ("gb18030", SIMPLIFIED, "gb18030"),
        ("gbk", SIMPLIFIED, "gb18030"),  # reported as its superset
        ("big5", TRADITIONAL, "big5"),
    ],
)
def test_read_source_decodes_each_encoding_exactly(tmp_path, encoding, text, detected):
    path = tmp_path / f"report-{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    assert read_source(path) == SourceText(path=path, text=text, encoding=detected, is_html=False)


def test_gb18030_only_characters_survive(tmp_path):
    # 㐀 (CJK Extension A) exists in GB18030 but not in GBK: the superset must be used.
    text = SIMPLIFIED + "另有生僻字㐀㐁两个，均需保留。\n"
    path = tmp_path / "rare.txt"
    path.write_bytes(text.encode("gb18030"))
    assert read_source(path).text == text


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "it is empty"),
        ("blank.txt", b"  \n\n ", "it is empty"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "NUL bytes"),
    ],
)
def test_unreadable_sources_raise_a_sentence(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableSource) as caught:
        read_source(path)
    message = str(caught.value)
    assert message.startswith(f"Cannot read source {str(path)!r}: ")
    assert reason in message
    assert message.endswith(".")
    assert caught.value.path == path


def test_directory_given_as_file_raises(tmp_path):
    # IsADirectoryError stands in for permission errors, which root (CI containers) never gets.
    with pytest.raises(UnreadableSource, match="refused"):
        read_source(tmp_path)


def test_missing_file_raises(tmp_path):
    path = tmp_path / "nowhere.txt"
    with pytest.raises(UnreadableSource, match="nowhere.txt"):
        read_source(path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_permission_denied_raises(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(SIMPLIFIED, encoding="utf-8")
    path.chmod(0)
    with pytest.raises(UnreadableSource, match="refused"):
        read_source(path)


def test_html_flag_from_suffix_and_sniffing(tmp_path):
    page = tmp_path / "page.htm"
    page.write_text("<p>政协</p>", encoding="utf-8")
    sniffed = tmp_path / "saved.txt"
    sniffed.write_text("<html><body><p>政协工作报告</p></body></html>", encoding="utf-8")
    plain = tmp_path / "plain.txt"
    plain.write_text(SIMPLIFIED + "以“新作为”彰显新担当</b>\n", encoding="utf-8")
    assert [True, True, False] == [read_source(p).is_html for p in (page, sniffed, plain)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<!DOCTYPE html><title>x</title>", True),
        ("<p>一</p>\n<p>二</p>\n<p>三</p>\n", True),
        ("正文第一段。<br>\n正文第二段。\n正文第三段。\n正文第四段。\n", False),
        (SIMPLIFIED, False),
    ],
)
def test_looks_like_html(text, expected):
    assert looks_like_html(text) is expected


def test_find_sources_expands_folders_and_skips_hidden_and_manifests(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    wanted = [
        tmp_path / "a" / "b" / "z.htm",
        tmp_path / "a" / "notes.md",
        tmp_path / "a" / "old.doc",  # found so that the build reports why it is not read
        tmp_path / "a" / "one.txt",
        tmp_path / "a" / "report.docx",
        tmp_path / "a" / "scan.pdf",
        tmp_path / "a" / "two.HTML",
        tmp_path / "top.txt",
    ]
    unwanted = [
        tmp_path / "a" / ".hidden.txt",
        tmp_path / ".git" / "notes.txt",
        tmp_path / "a" / "manifest.toml",
        tmp_path / "a" / "manifest.csv",
        tmp_path / "a" / "photo.jpg",
        tmp_path / "a" / "table.xlsx",
    ]
    for path in wanted + unwanted:
        path.write_text("政协", encoding="utf-8")
    # the same file named twice, once directly and once through its folder
    assert sorted(wanted) == find_sources([tmp_path / "a", tmp_path / "top.txt", tmp_path])


def test_a_file_named_explicitly_is_a_source_whatever_its_extension(tmp_path):
    named = [tmp_path / "report.xyz", tmp_path / "README"]
    for path in [*named, tmp_path / "manifest.toml"]:
        path.write_text("政协", encoding="utf-8")
    assert sorted(named) == find_sources([*named, tmp_path / "manifest.toml"])


def test_find_sources_rejects_missing_paths(tmp_path):
    with pytest.raises(UnreadableSource, match="does not exist"):
        find_sources([tmp_path / "missing"])


def test_sample_reports_are_all_found_and_read():
    folder = Path(__file__).resolve().parent.parent / "data" / "reports"
    sources = [read_source(p) for p in find_sources([folder])]
    assert 5 == len(sources)
    assert {"utf-8"} == {s.encoding for s in sources}


def test_utf8_cut_inside_its_last_character_is_read(tmp_path: Path) -> None:
    text = "政协委员积极履职，协商议政成效明显。" * 20
    path = tmp_path / "cut.txt"
    path.write_bytes(text.encode("utf-8")[:-2])  # the last 。 loses two of its three bytes
    source = read_source(path)
    assert source.encoding == "utf-8"
    assert source.text == text[:-1] + "\ufffd"


def test_a_text_file_larger_than_any_report_is_skipped_with_its_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import search.sources as sources

    monkeypatch.setattr(sources, "MAX_TEXT_BYTES", 2**20)  # 1 MB, so the test writes little
    path = tmp_path / "dump.txt"
    path.write_text("政协委员积极履职。\n" * 50_000, encoding="utf-8")  # 1.3 MB
    with pytest.raises(UnreadableSource, match=r"it is 1\.3 MB of text.*not one report"):
        read_source(path)
