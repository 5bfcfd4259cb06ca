"""Markdown, PDF and Word documents: read into text, indexed, found across their breaks.

The PDFs are printed by the real Chromium from HTML (wrapped lines, a paragraph running over
a page break, a running header and page numbers in the page margins); the .docx is written
by python-docx. Nothing is mocked: each document goes through build_index and SearchEngine.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import docx
import pypdfium2 as pdfium
import pytest
from docx.enum.text import WD_BREAK

from search.corpus import iter_corpus
from search.engine import SearchEngine, SearchRequest
from search.formats import (
    PAGE_NUMBER,
    _Line,
    drop_page_furniture,
    first_group_size,
    iso_date,
    markdown_to_text,
    split_front_matter,
)
from search.indexer import build_index
from search.sources import UnreadableSource, find_sources, read_source

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium prints the test PDFs")

HEADER = "政协某某市委员会办公室印发"
TITLE = "某某市政协常务委员会工作报告"
# Long enough to wrap over many lines of a small page and to run over onto the next page.
LONG = (
    "过去一年，市政协坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻党的二十大精神，"
    "围绕中心、服务大局，深入开展调查研究和协商议政，聚焦营造公平规范的法制环境开展专题协商，"
    "推动农产品市场准入制度改革，助力综合性港口建设，在推动经济社会高质量发展方面提出了许多"
    "有价值的意见建议。委员们积极履职尽责，主动深入基层一线，倾听群众呼声，反映社情民意，"
    "推动解决了一批群众急难愁盼问题，为全市发展贡献了智慧和力量。我们坚持团结和民主两大主题，"
    "加强思想政治引领，广泛凝聚共识，完善协商议政格局，健全民主监督机制，提高提案办理质量，"
    "推进委员工作室建设，让协商民主更好地融入基层治理，让人民群众真切感受到政协就在身边。"
)
SECOND = "新的一年，市政协将继续加强自身建设，提高履职能力，为建设现代化城市作出新的更大贡献。"
PAGE_NUMBER_LINE = re.compile(r"^[-–—\s]*\d{1,3}[-–—\s]*$")


def _print_pdf(html: str, out: Path) -> Path:
    page = out.with_suffix(".html")
    page.write_text(html, encoding="utf-8")
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    page.unlink()
    return out


REPORT_HTML = f"""<!doctype html><html><head><meta charset="utf-8"><style>
@page {{ size: 105mm 120mm; margin: 15mm 12mm;
  @top-center {{ content: "{HEADER}"; font-size: 8pt; }}
  @bottom-center {{ content: "- " counter(page) " -"; font-size: 8pt; }} }}
body {{ font-family: "Noto Serif CJK SC", serif; font-size: 12pt; line-height: 1.5; }}
h1 {{ font-size: 13pt; text-align: center; }}
p {{ text-indent: 2em; margin: 0; text-align: justify; }}
</style></head><body>
<h1>{TITLE}</h1>
<p>{LONG}</p>
<h2 style="page-break-before: always; font-size: 11pt">二、今后工作</h2>
<p>{SECOND}</p>
</body></html>"""

SCANNED_HTML = """<!doctype html><html><body>
<img alt="" width="200" height="200" src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB
CAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==">
</body></html>"""


def _text_layer(pdf: Path) -> list[str]:
    """The raw text of each page as the PDF holds it, line breaks included."""
    document = pdfium.PdfDocument(str(pdf))
    try:
        pages = []
        for page in document:
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range().replace("\r\n", "\n"))
            textpage.close()
            page.close()
        return pages
    finally:
        document.close()


@pytest.fixture(scope="module")
def pdf_folder(tmp_path_factory) -> Path:
    if CHROMIUM is None:
        pytest.skip("Chromium prints the test PDFs")
    folder = tmp_path_factory.mktemp("pdfs")
    _print_pdf(REPORT_HTML, folder / "report.pdf")
    _print_pdf(SCANNED_HTML, folder / "scanned.pdf")
    return folder


def _search(index: Path, query: str):
    return SearchEngine(index).search(SearchRequest(query=query))


# --- PDF ---------------------------------------------------------------------------------


@needs_chromium
def test_the_printed_pdf_really_has_wrapped_lines_a_page_break_and_furniture(pdf_folder):
    pages = _text_layer(pdf_folder / "report.pdf")
    assert len(pages) >= 3  # the long paragraph runs over a page; the section starts a new one
    body = "".join(pages).replace("\n", "")
    assert HEADER in pages[1] and "- 2 -" in pages[1]
    assert LONG[:20] in body  # the text layer holds the paragraph, only cut into lines
    assert max(len(line) for line in pages[0].split("\n")) < 40  # so it is wrapped


@needs_chromium
def test_pdf_phrases_across_line_and_page_breaks_are_found(pdf_folder, tmp_path):
    pages = _text_layer(pdf_folder / "report.pdf")
    lines = pages[0].split("\n")
    # a line break inside the long paragraph, and the page break inside it
    inner = next(i for i, line in enumerate(lines) if line.startswith(LONG[:6]))
    across_line = lines[inner][-4:] + lines[inner + 1][:4]
    body_lines = [ln for ln in lines if ln and ln != HEADER and not PAGE_NUMBER_LINE.match(ln)]
    next_body = [
        ln for ln in pages[1].split("\n") if ln != HEADER and not PAGE_NUMBER_LINE.match(ln)
    ]
    across_page = body_lines[-1][-4:] + next_body[0][:4]
    assert across_line in LONG and across_page in LONG  # the phrases are real text

    report = build_index([pdf_folder / "report.pdf"], tmp_path / "index")
    assert (report.files, report.skipped) == (1, ())
    for phrase in (across_line, across_page, "营造公平规范的法制环境", "综合性港口"):
        page = _search(tmp_path / "index", f'"{phrase}"')
        assert page.total == 1, phrase
        assert page.hits[0].title == TITLE
        assert LONG in page.hits[0].text  # the whole paragraph, rejoined as one
    assert _search(tmp_path / "index", "办公室印发").total == 0


@needs_chromium
def test_pdf_page_furniture_is_dropped_and_paragraphs_kept_apart(pdf_folder):
    [result] = list(iter_corpus([pdf_folder / "report.pdf"]))
    [article] = result.articles
    texts = [p.text for p in article.paragraphs]
    assert [LONG, "二、今后工作", SECOND] == texts
    assert article.title == TITLE


@needs_chromium
def test_scanned_pdf_is_skipped_with_a_reason_and_the_rest_indexed(pdf_folder, tmp_path):
    with pytest.raises(UnreadableSource, match=r"no text layer \(scanned images\?\); run OCR"):
        read_source(pdf_folder / "scanned.pdf")
    report = build_index([pdf_folder], tmp_path / "index")
    assert report.files == 1
    assert [Path(s.path).name for s in report.skipped] == ["scanned.pdf"]
    assert "no text layer" in report.skipped[0].reason


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF truncated", "not a readable PDF"),
        (b"just some bytes named .pdf", "not a readable PDF"),
    ],
)
def test_damaged_pdf_is_unreadable_with_a_sentence(tmp_path, content, reason):
    path = tmp_path / "broken.pdf"
    path.write_bytes(content)
    with pytest.raises(UnreadableSource, match=reason) as caught:
        read_source(path)
    assert str(caught.value).startswith(f"Cannot read source {str(path)!r}: ")


# --- Word .docx --------------------------------------------------------------------------


def _write_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("某某市政协2024年提案工作情况报告", style="Title")
    document.add_paragraph("——2025年1月10日在政协某某市第十届委员会第四次会议上")
    document.add_paragraph("各位委员：")
    document.add_heading("一、提案提交和立案情况", level=1)
    body = document.add_paragraph("一年来，委员们围绕营商环境优化提出提案，聚焦农产品")
    body.add_run().add_break(WD_BREAK.PAGE)
    body.add_run("市场准入和综合性港口建设建言献策，全年共立案三百二十件。")
    document.add_heading("二、提案办理情况", level=1)
    table = document.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[0].cells, ["承办单位", "件数", "办结率"], strict=True):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, ["市发展改革委", "四十二", "百分之百"], strict=True):
        cell.text = text
    document.add_paragraph("提案办理质量持续提升，办成了一批群众关心的实事。")
    document.save(str(path))
    return path


def test_docx_paragraphs_headings_and_tables_are_read_in_order(tmp_path):
    source = read_source(_write_docx(tmp_path / "提案报告.docx"))
    assert source.meta == {"title": "某某市政协2024年提案工作情况报告"}
    assert source.text.split("\n") == [
        "某某市政协2024年提案工作情况报告",
        "——2025年1月10日在政协某某市第十届委员会第四次会议上",
        "各位委员：",
        "一、提案提交和立案情况",
        "一年来，委员们围绕营商环境优化提出提案，聚焦农产品市场准入和综合性港口建设建言献策，全年共立案三百二十件。",
        "二、提案办理情况",
        "承办单位 件数 办结率",
        "市发展改革委 四十二 百分之百",
        "提案办理质量持续提升，办成了一批群众关心的实事。",
    ]


def test_docx_is_indexed_with_its_title_and_phrases_across_a_page_break(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    _write_docx(folder / "提案报告.docx")
    report = build_index([folder], tmp_path / "index")
    assert (report.files, report.skipped) == (1, ())
    page = _search(tmp_path / "index", '"农产品市场准入"')  # spans the page break
    assert page.total == 1
    assert page.hits[0].title == "某某市政协2024年提案工作情况报告"
    assert _search(tmp_path / "index", '"市发展改革委"').total == 1  # from the table


def test_docx_title_falls_back_to_a_leading_heading_1(tmp_path):
    document = docx.Document()
    document.add_heading("某某县政协2023年工作报告", level=1)
    document.add_paragraph(
        "过去一年，县政协围绕中心、服务大局，认真履行政治协商、民主监督、参政议政职能。"
    )
    document.add_heading("一、主要工作", level=1)
    document.add_paragraph("开展专题协商六次。")
    path = tmp_path / "heading.docx"
    document.save(str(path))
    assert read_source(path).meta == {"title": "某某县政协2023年工作报告"}


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "old binary Word document"),
        ("locked.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "encrypted .docx"),
        ("broken.docx", b"PK\x03\x04 truncated zip", "not a valid .docx package"),
        ("notes.xyz", "政协工作".encode(), "its format (.xyz) is not one that is read"),
    ],
)
def test_unreadable_documents_raise_a_sentence(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableSource) as caught:
        read_source(path)
    assert reason in str(caught.value)
    assert str(caught.value).endswith(".")


def test_a_doc_in_a_folder_is_reported_and_the_rest_indexed(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    _write_docx(folder / "good.docx")
    (folder / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")  # not a document: not reported
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 truncated zip")
    assert [p.name for p in find_sources([folder])] == ["broken.docx", "good.docx", "old.doc"]
    report = build_index([folder], tmp_path / "index")
    assert report.files == 1
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert set(reasons) == {"old.doc", "broken.docx"}
    assert "save it as .docx or PDF" in reasons["old.doc"]


# --- Markdown ----------------------------------------------------------------------------

MARKDOWN = """\
---
title: "某某市政协2024年工作报告"
date: 2025-01-12
source: https://example.org/report.html
---

# 凝心聚力 共谋发展

——2025年1月12日在政协某某市第十届委员会第四次会议上

各位委员：

## 一、**2024年**工作回顾

过去一年，市政协坚持**团结和民主**两大主题，围绕*营商环境*和民生实事开展专题协商和对口协商，
形成[协商成果汇编](https://example.org/a.html)，报送市委参阅。![委员视察港口](photo.png)

- 推进委员工作室建设
- 完善提案办理机制

1. 稳增长
2. 促改革

| 项目 | 数量 |
| --- | --- |
| 提案立案 | 320件 |

```
附：统计口径说明
```
"""


def test_markdown_front_matter_and_markup_become_plain_lines():
    converted = markdown_to_text(MARKDOWN)
    assert converted.meta == {"title": "某某市政协2024年工作报告", "published": "2025-01-12"}
    assert converted.text.split("\n") == [
        "凝心聚力 共谋发展",
        "——2025年1月12日在政协某某市第十届委员会第四次会议上",
        "各位委员：",
        "一、2024年工作回顾",
        "过去一年，市政协坚持团结和民主两大主题，围绕营商环境和民生实事开展专题协商和对口协商，",
        "形成协商成果汇编，报送市委参阅。委员视察港口",
        "推进委员工作室建设",
        "完善提案办理机制",
        "1.稳增长",
        "2.促改革",
        "项目 数量",
        "提案立案 320件",
        "附：统计口径说明",
    ]


def test_markdown_is_indexed_under_its_front_matter_title(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "report.md").write_text(MARKDOWN, encoding="utf-8")
    report = build_index([folder], tmp_path / "index")
    assert (report.files, report.articles, report.skipped) == (1, 1, ())
    page = _search(
        tmp_path / "index", '"开展专题协商和对口协商，形成协商成果汇编"'
    )  # a soft line break
    assert page.total == 1
    hit = page.hits[0]
    assert hit.title == "某某市政协2024年工作报告"
    assert "*" not in hit.text and "](" not in hit.text
    [result] = list(iter_corpus([folder]))
    [article] = result.articles
    assert article.published == "2025-01-12"
    texts = [p.text for p in article.paragraphs]
    assert "凝心聚力 共谋发展" in texts  # the heading the cleaner took for a title stays text
    assert not [t for t in texts if re.search(r"\*\*|\]\(|^#|^\||```", t)]


def test_manifest_title_wins_over_front_matter(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "report.md").write_text(MARKDOWN, encoding="utf-8")
    (folder / "manifest.toml").write_text(
        '[[override]]\nfile = "report.md"\ntitle = "人工核定的标题"\n', encoding="utf-8"
    )
    [result] = list(iter_corpus([folder]))
    assert [a.title for a in result.articles] == ["人工核定的标题"]


def _articles(folder: Path, name: str, text: str) -> list:
    folder.mkdir()
    (folder / name).write_text(text, encoding="utf-8")
    [result] = list(iter_corpus([folder]))
    return list(result.articles)


def test_front_matter_title_keeps_a_file_one_article(tmp_path):
    # two title + subtitle pairs would otherwise cut the file into two articles
    body = (
        "凝心聚力谱新篇\n\n——某某市政协2024年工作综述\n\n"
        + "第一篇正文，市政协围绕中心工作积极建言献策，取得了明显成效。\n\n" * 2
        + "履职尽责显担当\n\n——某某市政协2024年提案工作综述\n\n"
        + "第二篇正文，提案工作坚持质量导向，办理成效持续提升。\n\n" * 2
    )
    assert len(_articles(tmp_path / "plain", "doc.md", body)) == 2
    front = "---\ntitle: 政协某某市委员会2024年工作汇编\n---\n\n"
    [article] = _articles(tmp_path / "front", "doc.md", front + body)
    assert article.title == "政协某某市委员会2024年工作汇编"
    texts = [p.text for p in article.paragraphs]
    assert texts[0] == "凝心聚力谱新篇"  # the detected title stays, as a heading
    assert "履职尽责显担当" in texts
    assert "第二篇正文，提案工作坚持质量导向，办理成效持续提升。" in texts


@pytest.mark.parametrize(
    ("markdown", "text"),
    [
        # CommonMark leaves `**` unclosed after punctuation followed by a Han character
        ("**一、总体要求：**坚持稳中求进。", "一、总体要求：坚持稳中求进。"),
        ("**19.学前教育“5080”攻坚计划：**到2020年", "19.学前教育“5080”攻坚计划：到2020年"),
        (
            "我们必须**坚持对党绝对忠诚，**坚定拥护**两个确立**",
            "我们必须坚持对党绝对忠诚，坚定拥护两个确立",
        ),
        ("> 引用的一段话", "引用的一段话"),
        (
            "清四乱[^1]行动。\n\n[^1]: 河湖“清四乱”：是指乱占、乱采。",
            "清四乱〔1〕行动。\n〔1〕河湖“清四乱”：是指乱占、乱采。",
        ),
        ("| 序号 | 内容 |\n|---|---|\n| 1 | 第一项<br>第二项 |", "序号 内容\n1 第一项第二项"),
        ("一行\n二行", "一行\n二行"),  # line breaks stay for the cleaner to judge
    ],
)
def test_markdown_markup_left_by_commonmark_is_removed(markdown, text):
    assert text == markdown_to_text(markdown).text


def test_a_front_matter_title_pasted_twice_is_kept_once():
    doubled = "---\ntitle: 2020年广州市政府工作报告2020年广州市政府工作报告\n---\n正文。"
    assert {"title": "2020年广州市政府工作报告"} == markdown_to_text(doubled).meta


@pytest.mark.parametrize(
    ("text", "fields", "rest"),
    [
        ("---\ntitle: 报告\n---\n正文", {"title": "报告"}, "正文"),
        (
            "---\ntitle: 'a: b'\nDate: 2024/1/5\n...\n正文",
            {"title": "a: b", "date": "2024/1/5"},
            "正文",
        ),
        ("正文\n---\ntitle: x\n---\n", {}, "正文\n---\ntitle: x\n---\n"),
        ("---\n未闭合\n正文", {}, "---\n未闭合\n正文"),
    ],
)
def test_split_front_matter(text, fields, rest):
    assert (fields, rest) == split_front_matter(text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-05", "2024-01-05"),
        ("2024/1/5", "2024-01-05"),
        ("2024年1月5日", "2024-01-05"),
        ("2024", "2024"),
        ("2024-13-40", ""),
        ("去年", ""),
    ],
)
def test_iso_date(value, expected):
    assert iso_date(value) == expected


@pytest.mark.parametrize(
    ("line", "is_number"),
    [
        ("- 3 -", True),
        ("—12—", True),
        ("7", True),
        ("第3页", True),
        ("第 3 页 共 12 页", True),
        ("3/12", True),
        ("Page 3 of 9", True),
        ("2024", False),  # a year alone on a line is text
        ("3年", False),
        ("一、总体要求", False),
    ],
)
def test_page_number_lines(line, is_number):
    assert bool(PAGE_NUMBER.match(line)) is is_number


def _page(number: int, header: str, body: list[str], footer: str) -> list[_Line]:
    # 12-point lines 18 points apart; header and footer 30 points away from the body
    lines = [_Line(header, 200, 400, 770, 782, number)] if header else []
    lines += [_Line(t, 60, 500, 728 - 18 * i, 740 - 18 * i, number) for i, t in enumerate(body)]
    bottom = 728 - 18 * (len(body) - 1)
    return lines + ([_Line(footer, 280, 320, bottom - 42, bottom - 30, number)] if footer else [])


def _kept(pages: list[list[_Line]]) -> list[list[str]]:
    return [[line.text for line in lines] for lines in drop_page_furniture(pages)]


def test_running_headers_alternating_by_page_and_footers_are_dropped():
    pages = [
        _page(0, "", ["某某市政协2024年工作报告", "正文第一段。"], "第1页"),  # no header on page 1
        _page(1, "政协某某市委员会", ["正文第二段。", "正文。"], "第2页"),
        _page(2, "某某市政协2024年工作报告", ["正文第三段。", "正文。"], "第3页"),
        _page(3, "政协某某市委员会", ["正文第四段。", "正文。"], "第4页"),
        _page(4, "某某市政协2024年工作报告", ["正文第五段。", "正文。"], "第5页"),
    ]
    assert _kept(pages) == [
        ["某某市政协2024年工作报告", "正文第一段。"],  # the title: in the body, not apart
        ["正文第二段。", "正文。"],  # a short line repeated at the body's end is text
        ["正文第三段。", "正文。"],
        ["正文第四段。", "正文。"],
        ["正文第五段。", "正文。"],
    ]


def test_a_line_at_the_top_of_one_page_only_is_text():
    pages = [
        _page(0, "一、总体要求", ["正文。", "继续。"], ""),
        _page(1, "二、主要任务", ["正文。", "继续。"], ""),
        _page(2, "三、保障措施", ["正文。", "继续。"], ""),
    ]
    assert _kept(pages) == [
        ["一、总体要求", "正文。", "继续。"],
        ["二、主要任务", "正文。", "继续。"],
        ["三、保障措施", "正文。", "继续。"],
    ]


@pytest.mark.parametrize(
    ("text", "size"),
    [("发展", 1), ("年。我们", 2), ("河“23·7”流域", 8), ("44%，“四新”", 6), ("PM2.5）浓度", 6)],
)
def test_first_group_size_is_what_a_line_break_could_not_split(text, size):
    assert first_group_size(text) == size


@pytest.fixture(autouse=True)
def _every_backend(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test of this module runs once per backend: builds default to it."""
    import search.indexer

    monkeypatch.setattr(search.indexer, "DEFAULT", backend)
