"""相关段落: more-like-this across committees and years, without near-duplicates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from markupsafe import escape

from search.cli import main
from search.engine import SearchEngine
from search.indexer import build_index
from search.related import ParagraphNotFound, docnum_of, related

from .conftest import SAMPLES

LIAOCHENG_SOCIAL = "001_b71b22b026f0be1c-1-p13"  # 社情民意信息被省政协采用 ...


def test_related_paragraphs_come_from_other_committees_or_years(engine: SearchEngine) -> None:
    words, items = related(engine, LIAOCHENG_SOCIAL)
    assert "社情民意" in words
    # the same list on every backend (the test runs once per backend)
    assert [
        "002_d20d80895677d984-1-p15", "002_d20d80895677d984-1-p35", "000_3d8829ce62a8e2e7-1-p20",
        "002_d20d80895677d984-1-p34", "004_3677e2e64993d42a-1-p10",
    ] == [r.paragraph_id for r in items]  # fmt: skip
    assert all(r.city != "聊城市" for r in items)
    assert all(r.shared and set(r.shared) <= set(words) for r in items)
    assert [r.score for r in items] == sorted((r.score for r in items), reverse=True)
    assert all("<mark>" in r.snippet for r in items)


def test_near_duplicates_and_the_same_committee_year_are_left_out(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    weifang = (SAMPLES / "000_3d8829ce62a8e2e7.txt").read_text(encoding="utf-8")
    (src / "weifang.txt").write_text(weifang, encoding="utf-8")
    # the same report reprinted for another city: every paragraph a near-duplicate
    (src / "copy.txt").write_text(weifang.replace("潍坊", "聊城"), encoding="utf-8")
    (src / "liaocheng.txt").write_bytes((SAMPLES / "001_b71b22b026f0be1c.txt").read_bytes())
    build_index([src], tmp_path / "index")
    e = SearchEngine(tmp_path / "index")
    try:
        doc = e.document("weifang-1")
        para = next(p for p in doc.paragraphs if "编报政协信息975篇" in p.text)
        _, items = related(e, f"weifang-1-p{para.position}")
        assert items and all(r.article_id != "weifang-1" for r in items)
        assert all("编报政协信息975篇" not in r.text for r in items)  # the reprint of the paragraph
        # the reprint now reads as 聊城's report of the same year: never related to 聊城's own
        assert ("聊城市", 2024) == (e.document("copy-1").article.city, e.document("copy-1").article.year)
        _, items = related(e, "liaocheng-1-p13")
        assert items and {"weifang-1"} == {r.article_id for r in items}
    finally:
        e.close()


def test_unknown_paragraphs(engine: SearchEngine) -> None:
    for pid in ("nope", "001_b71b22b026f0be1c-1-p9999", "x-p1", ""):
        with pytest.raises(ParagraphNotFound):
            related(engine, pid)


def test_api_page_and_cli(client, sample_index: Path, engine: SearchEngine) -> None:
    data = client.get(f"/api/related/{LIAOCHENG_SOCIAL}").get_json()
    assert LIAOCHENG_SOCIAL == data["paragraph_id"] and 5 == len(data["related"])
    assert {"paragraph_id", "province", "city", "district", "year", "title", "snippet"} <= set(data["related"][0])
    html = client.get(f"/related/{LIAOCHENG_SOCIAL}").get_data(as_text=True)
    assert "山东省 › 济南市 › 市中区 · 2024 年度" in html and 'href="/doc/002_d20d80895677d984-1#p15"' in html
    # the paragraph they are related to is shown, named by its article and number, not its id
    with engine.selection() as (st, _):
        doc = docnum_of(st, LIAOCHENG_SOCIAL)
        title, text = st.store.article_of(doc).title, st.store.text(doc)
    article, position = LIAOCHENG_SOCIAL.rsplit("-p", 1)
    assert f"<blockquote>{escape(text[:100])}" in html and f"{escape(title)} 第 {int(position) + 1} 段</a></figcaption>" in html
    assert f"<small>{LIAOCHENG_SOCIAL}</small>" not in html
    result = CliRunner().invoke(main, ["related", LIAOCHENG_SOCIAL, "--json", "--index-dir", str(sample_index)])
    assert 0 == result.exit_code and data == json.loads(result.output)
    missing = client.get("/api/related/nope")
    assert 404 == missing.status_code and "没有这个段落" in missing.get_json()["error"]
    assert 404 == client.get("/related/nope").status_code


def test_every_paragraph_of_the_document_view_has_a_related_toggle(client, engine: SearchEngine) -> None:
    html = client.get("/doc/001_b71b22b026f0be1c-1").get_data(as_text=True)
    doc = engine.document("001_b71b22b026f0be1c-1")
    body = [p for p in doc.paragraphs if not p.is_heading]
    assert len(body) == html.count('<details class="related"')
    assert f'data-api="/api/related/{LIAOCHENG_SOCIAL}"' in html
