import pytest

from search import roles
from search.engine import SearchEngine, SearchRequest
from search.roles import BODY, CAPTION, HEADING, LEAD, NOTE, TABLE, classify, section_pointers

LONG = "全年完成固定资产投资一千二百亿元，新开工重大项目八十个，建成投产六十个，带动就业两万余人，经济运行稳中向好。"

# An article written for this test: every shape the classifier knows, in reading order.
ARTICLE = [
    ("各位代表：", False, LEAD),
    ("一、过去一年工作回顾", True, HEADING),
    ("过去一年，我们主要做了以下工作。", False, LEAD),
    ("（一）加大生态环境保护治理力度。", False, HEADING),  # numbered, ends in 。
    (LONG, False, BODY),
    ("四是持续优化提升营商环境。", False, HEADING),  # a numbered lead sentence alone
    (LONG, False, BODY),
    ("打造一流营商环境。", False, HEADING),  # short, heads a longer paragraph
    (LONG, False, BODY),
    ("二是整顿劳动组织，按定员定额组织生产，有计划地进行全员培训，坚决克服人浮于事、工作散漫的现象。", False, BODY),
    ("图1 2024年全市生产总值构成", False, CAPTION),
    ("项目  2023年  2024年  增长", False, TABLE),
    ("（记者 张三 摄）", False, CAPTION),
    ("打造一流营商环境。", False, BODY),  # short, but nothing longer follows
    ("名词解释", True, NOTE),
    ("1.双招双引：招商引资、招才引智。", False, NOTE),
    ("2.两个确立：确立核心地位，确立指导地位。", False, NOTE),
]


def test_roles_of_an_article() -> None:
    found = classify([t for t, _, _ in ARTICLE], [h for _, h, _ in ARTICLE])
    assert [(t, want) for t, _, want in ARTICLE] == [(t, r) for (t, _, _), r in zip(ARTICLE, found.roles, strict=True)]


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        # numbered glossary entries that end the article are notes, without a 名词解释 heading
        ([LONG, "12.双招双引：招商引资、招才引智。", "13.三个收官：脱贫攻坚、全面小康、十三五规划。"], [BODY, NOTE, NOTE]),
        # the same shape inside the body, followed by body text, is not a note
        (["1.加强监督：建立督办机制，按季度通报。" + LONG, LONG], [BODY, BODY]),
        # a bracketed endnote is a note wherever it stands
        (["[5]“四个不摘”：摘帽不摘责任，摘帽不摘政策。", LONG], [NOTE, BODY]),
        # a numbered one-sentence line that ends on ；or ： heads nothing
        (["第二、一定要用在生产建设上；", LONG], [BODY, BODY]),
        (["（二）主要措施：", LONG], [LEAD, BODY]),
    ],
)
def test_shapes_in_context(texts: list[str], expected: list[int]) -> None:
    assert expected == list(classify(texts, [False] * len(texts)).roles)


def test_section_chain_follows_the_outline() -> None:
    texts = ["一、工作回顾", "（一）强化政治引领", LONG, "（二）深化协商议政", LONG, "二、工作打算", LONG]
    found = classify(texts, [True, True, False, True, False, True, False])
    sections, ups = section_pointers(found, 100)
    assert [100, 101, 101, 103, 103, 105, 105] == sections
    assert [-1, 100, -1, 100, -1, -1, -1] == ups


@pytest.mark.parametrize(("text", "level"), [("第一部分 总结", 0), ("一、回顾", 1), ("（三）协商", 2), ("三是协商", 3), ("3.协商", 4), ("(3)协商", 5), ("工作回顾", 1)])
def test_heading_levels(text: str, level: int) -> None:
    assert level == roles.heading_level(text)


# --- in the index ----------------------------------------------------------------------------


def test_hits_and_the_document_view_carry_the_role(engine: SearchEngine) -> None:
    page = engine.search(SearchRequest(query="始终坚持", per_page=50))
    by_role = {h.role for h in page.hits}
    assert {"heading", "body"} <= by_role  # headings are still found, and say so
    assert all(h.to_dict()["role"] == h.role for h in page.hits)
    heading = next(h for h in page.hits if h.role == "heading")
    doc = engine.document(heading.article_id, "始终坚持")
    para = next(p for p in doc.paragraphs if p.position == heading.position)
    assert ("heading", "heading") == (para.role, doc.to_dict()["paragraphs"][para.position]["role"])


def test_body_paragraphs_rank_before_headings_that_match(engine: SearchEngine) -> None:
    page = engine.search(SearchRequest(query="始终坚持", per_page=50))
    ranks = [h.role for h in page.hits]
    # every (一)…(五) heading holds 始终坚持, and so do body paragraphs: bodies come first
    assert ranks.index("heading") > 0
    assert ranks[0] == "body"
    assert all(r == "body" for r in ranks[: ranks.index("heading")])


def test_the_section_is_the_nearest_heading(engine: SearchEngine) -> None:
    page = engine.search(SearchRequest(query="始终坚持党对政协工作的全面领导", per_page=5))
    assert ["(一)始终坚持高举旗帜,着力铸牢政治之魂"] == [h.section for h in page.hits]


def test_the_role_is_in_the_api_the_page_and_the_document(sample_index) -> None:
    from search.settings import Settings
    from webui.app import create_app

    client = create_app(Settings().with_index(sample_index)).test_client()
    hits = client.get("/api/search?q=始终坚持&per_page=50").get_json()["hits"]
    heading = next(h for h in hits if h["role"] == "heading")
    assert {"heading", "body"} <= {h["role"] for h in hits}
    page = client.get("/search?q=始终坚持&per_page=50").get_data(as_text=True)
    assert '<span class="role role-heading" title="段落类型">标题</span>' in page
    doc = client.get(f"/doc/{heading['article_id']}").get_data(as_text=True)
    assert f'id="p{heading["id"].rsplit("-p", 1)[1]}" class="para heading" data-role="heading"' in doc
