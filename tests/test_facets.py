"""Facet counting over columns, on a real store of hand-made paragraphs with chosen counts."""

from pathlib import Path

import numpy as np

from search.documents import Article, Paragraph, Region
from search.facets import Columns, FacetFilter, FacetValue, count_facets
from search.store import Store, StoreWriter


def doc(province: str, city: str, district: str, year: int, themes: str, article: str = "a") -> dict:
    return {
        "province": province, "city": city, "district": district, "year": year,
        "themes": themes, "article_id": article, "position": 0,
    }  # fmt: skip


STORED = [
    (0, doc("山东省", "济南市", "市中区", 2024, "提案工作,协商议政", "a0")),
    (1, doc("山东省", "济南市", "历下区", 2024, "提案工作", "a1")),
    (2, doc("山东省", "枣庄市", "市中区", 2023, "", "a2")),
    (3, doc("甘肃省", "武威市", "", 2024, "生态文明", "a3")),
    (4, doc("甘肃省", "平凉市", "", 0, "协商议政", "a4")),
]


def columns(stored: list, folder: Path) -> Columns:
    """Columns of a real store holding the given paragraphs (consecutive ones of one
    article_id form one article)."""
    writer = StoreWriter()
    i = 0
    while i < len(stored):
        d = stored[i][1]
        group = [s for _, s in stored[i:] if s["article_id"] == d["article_id"]]
        j = i
        while j < len(stored) and stored[j][1]["article_id"] == d["article_id"]:
            j += 1
        group = [s for _, s in stored[i:j]]
        paras = tuple(
            Paragraph(g["position"], f"段落{k}", themes=tuple(t for t in g["themes"].split(",") if t))
            for k, g in enumerate(group)
        )
        art = Article(
            id=d["article_id"], source=f"{d['article_id']}.txt", title="标题",
            region=Region(d["province"], d["city"], d["district"]), year=d["year"] or None,
            paragraphs=paras,
        )  # fmt: skip
        writer.add_article(art, [p.text for p in paras], [1] * len(paras), ())
        i = j
    writer.write(folder)
    return Columns(Store(folder))


def counts(values: tuple[FacetValue, ...]) -> list[tuple[str, int, bool]]:
    return [(v.value, v.count, v.selected) for v in values]


def test_counts_over_all_matches(tmp_path: Path) -> None:
    cols = columns(STORED, tmp_path)
    total, facets = count_facets(cols, np.ones(5, dtype=bool), FacetFilter())
    assert total.sum() == 5
    assert counts(facets["province"]) == [("山东省", 3, False), ("甘肃省", 2, False)]
    assert counts(facets["year"]) == [("2023", 1, False), ("2024", 3, False)]  # no year: not counted
    assert counts(facets["theme"]) == [("协商议政", 2, False), ("提案工作", 2, False), ("生态文明", 1, False)]
    # 市中区 of 济南 and 市中区 of 枣庄 are two values with different parents
    assert sorted((v.value, v.parent, v.count) for v in facets["district"]) == [
        ("历下区", "济南市", 1), ("市中区", "枣庄市", 1), ("市中区", "济南市", 1),
    ]  # fmt: skip


def test_own_filter_is_ignored_other_filters_apply(tmp_path: Path) -> None:
    cols = columns(STORED, tmp_path)
    chosen = FacetFilter(provinces=("甘肃省",), themes=("协商议政",))
    total, facets = count_facets(cols, np.ones(5, dtype=bool), chosen)
    assert np.flatnonzero(total).tolist() == [4]
    # province counts apply only the theme filter
    assert counts(facets["province"]) == [("山东省", 1, False), ("甘肃省", 1, True)]
    # theme counts apply only the province filter
    assert counts(facets["theme"]) == [("协商议政", 1, True), ("生态文明", 1, False)]


def test_or_within_a_facet_and_year_range(tmp_path: Path) -> None:
    cols = columns(STORED, tmp_path)
    total, _ = count_facets(cols, np.ones(5, dtype=bool), FacetFilter(cities=("武威市", "枣庄市")))
    assert np.flatnonzero(total).tolist() == [2, 3]
    total, _ = count_facets(cols, np.ones(5, dtype=bool), FacetFilter(year_from=2024))
    assert np.flatnonzero(total).tolist() == [0, 1, 3]
    total, _ = count_facets(cols, np.ones(5, dtype=bool), FacetFilter(year_to=2023))
    assert np.flatnonzero(total).tolist() == [2]


def test_a_chosen_value_without_matches_stays_listed(tmp_path: Path) -> None:
    cols = columns(STORED, tmp_path)
    matches = np.array([True, False, False, False, False])
    _, facets = count_facets(cols, matches, FacetFilter(cities=("武威市",)))
    assert ("武威市", 0, True) in counts(facets["city"])


def test_article_docs_in_reading_order(tmp_path: Path) -> None:
    stored = [(i, {**doc("山东省", "", "", 2024, ""), "article_id": "x" if i != 3 else "y", "position": i}) for i in range(4)]
    cols = columns(stored, tmp_path)
    assert cols.article_docs("x").tolist() == [0, 1, 2]
    assert cols.article_docs("y").tolist() == [3]
    assert cols.article_docs("nope").tolist() == []


def test_theme_counts_count_each_bit_of_the_theme_sets() -> None:
    import numpy as np

    from search.facets import theme_counts

    rng = np.random.default_rng(20261129)
    bits = rng.integers(0, 2**62, size=2000, dtype=np.int64)
    for n in (1, 7, 8, 9, 13, 40, 63):
        expected = [int(np.count_nonzero(bits & np.int64(1 << i))) for i in range(n)]
        assert theme_counts(bits, n).tolist() == expected
    assert theme_counts(np.zeros(0, dtype=np.int64), 5).tolist() == [0] * 5
