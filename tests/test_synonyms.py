from __future__ import annotations

import pytest

from search.engine import SearchEngine, SearchRequest
from search.normalize import search_key
from search.query import parse
from search.synonyms import Synonyms, SynonymsError, expand

SYN = Synonyms.from_toml('groups = [["政协", "人民政协", "中国人民政治协商会议"], ["统战", "统一战线"], ["三农", "农业、农村、农民"]]')


@pytest.mark.parametrize(
    ("query", "words", "added"),
    [
        ("统战", [["统战", "统一战线"]], ("统一战线",)),
        ("统一战线", [["统一战线", "统战"]], ("统战",)),
        ('"统战"', [["统战"]], ()),  # quoted: alone
        ("title:统战", [["统战"]], ()),  # a title term: alone
        ("政协", [["政协", "中国人民政治协商会议"]], ("中国人民政治协商会议",)),  # 人民政协 holds 政协
        ("中国人民政治协商会议", [["中国人民政治协商会议", "政协"]], ("政协",)),  # 人民政协 holds 政协
        ("三农 协商", [["三农", "农业、农村、农民"], ["协商"]], ("农业、农村、农民",)),
        ("协商 -统战", [["协商"]], ()),  # an excluded word stays as typed
        ("统战 OR 协商", [["统战", "协商", "统一战线"]], ("统一战线",)),
    ],
)
def test_expand(query: str, words: list[list[str]], added: tuple[str, ...]) -> None:
    parsed, got = expand(parse(query), SYN)
    assert (words, added) == ([[t.text for t in g] for g in parsed.groups], got)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("x = 1", "groups"),
        ('groups = [["政协"]]', "two or more"),
        ('groups = [["政协", "人民政协"], ["政协", "政治协商"]]', "one group"),
    ],
)
def test_bad_synonym_files_say_why(text: str, says: str) -> None:
    with pytest.raises(SynonymsError) as err:
        Synonyms.from_toml(text)
    assert says in str(err.value)


def test_the_packaged_groups_load() -> None:
    assert "中国人民政治协商会议" in Synonyms.load().of("政协")


def _scan(engine: SearchEngine, word: str) -> set[str]:
    """Ids of the paragraphs whose search key holds the word: the recall a search must have."""
    with engine._use() as st:
        store = st.store
        return {f"{store.article_of(d).id}-p{int(st.columns.position[d])}" for d in range(store.size) if search_key(word) in store.key(d)}


def test_expansion_keeps_the_recall_of_the_typed_word(engine: SearchEngine) -> None:
    typed = {h.id for h in engine.iter_matches(SearchRequest(query="统战", expand=False))}
    wide = {h.id for h in engine.iter_matches(SearchRequest(query="统战"))}
    assert typed == _scan(engine, "统战")
    assert wide == _scan(engine, "统战") | _scan(engine, "统一战线")
    assert typed < wide
    page = engine.search(SearchRequest(query="统战"))
    assert ("统一战线",) == page.expanded and page.to_dict()["expanded"] == ["统一战线"]
    assert () == engine.search(SearchRequest(query='"统战"')).expanded


def test_the_page_shows_the_expansion_and_links_to_search_without(sample_index) -> None:
    from search.settings import Settings
    from webui.app import create_app

    client = create_app(Settings().with_index(sample_index)).test_client()
    html = client.get("/search?q=统战").get_data(as_text=True)
    assert "也搜索了：统一战线。" in html
    assert 'href="/search?q=%E7%BB%9F%E6%88%98&amp;expand=0"' in html
    only = client.get("/search?q=统战&expand=0").get_data(as_text=True)
    assert "只搜索了输入的词" in only
    api = client.get("/api/search?q=统战&expand=0").get_json()
    assert [] == api["expanded"] and api["total"] == len(_scan_ids(client, "统战"))


def _scan_ids(client, word: str) -> list[str]:  # noqa: ANN001
    rows = client.get(f"/search.csv?q={word}&expand=0").get_data(as_text=True).strip().splitlines()
    return rows[1:]
