import pytest

from search.normalize import search_key

# Traditional / Simplified pairs from the sample reports and FINDINGS trap 7.
PAIRS = [
    ("協商", "协商"),
    ("政協委員", "政协委员"),
    ("社情民意", "社情民意"),
    ("隨著", "随着"),
    ("意味著", "意味着"),
    ("甚麼", "什么"),
    ("衞生", "卫生"),
    ("擔當", "担当"),
    ("書香政協", "书香政协"),
    ("營商環境", "营商环境"),
    ("新質生產力", "新质生产力"),
    ("發展", "发展"),
    ("頭髮", "头发"),
    ("黨的建設", "党的建设"),
]


@pytest.mark.parametrize(("trad", "simp"), PAIRS)
def test_traditional_and_simplified_share_a_key(trad: str, simp: str) -> None:
    assert search_key(trad) == search_key(simp) == simp


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("１２０件", "120件"),  # full-width digits fold (FINDINGS trap 8)
        ("ＧＤＰ增長", "gdp增长"),
        ("GDP", "gdp"),
        ("①號", "①号"),  # enclosed numerals stay: ① finds ①, not every 1
        ("⑩⑴⒈㊀", "⑩⑴⒈㊀"),
        ("㈠", "㈠"),  # NFKC would make it three characters: left alone
        ("", ""),
    ],
)
def test_folding(text: str, key: str) -> None:
    assert search_key(text) == key


def test_key_keeps_length_on_a_whole_report() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "data" / "reports"
    for path in sorted(root.iterdir()):
        text = path.read_text(encoding="utf-8")
        assert len(search_key(text)) == len(text), path.name
