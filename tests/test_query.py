import pytest

from search.query import ParsedQuery, QuerySyntaxError, Term, parse


def t(text: str, key: str | None = None, **kw: bool) -> Term:
    return Term(text, key if key is not None else text, **kw)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ParsedQuery((), ())),
        ("营商环境 提案", ParsedQuery(((t("营商环境"),), (t("提案"),)), ())),
        ("協商", ParsedQuery(((t("協商", "协商"),),), ())),
        ('"强理论 固根基"', ParsedQuery(((t("强理论 固根基", phrase=True),),), ())),
        ("“协商议政”", ParsedQuery(((t("协商议政", phrase=True),),), ())),
        ("营商环境 OR 新质生产力", ParsedQuery(((t("营商环境"), t("新质生产力")),), ())),
        ("协商 -北京", ParsedQuery(((t("协商"),),), (t("北京"),))),
        ("协商 NOT 北京", ParsedQuery(((t("协商"),),), (t("北京"),))),
        ("title:综述 协商", ParsedQuery(((t("综述", in_title=True),), (t("协商"),)), ())),
        ("a*b (x) [y]", ParsedQuery(((t("a*b"),), (t("(x)"),), (t("[y]"),)), ())),
        ("，。 协商", ParsedQuery(((t("协商"),),), ())),  # stray punctuation beside words
        ("。", ParsedQuery(((t("。"),),), ())),  # punctuation alone is looked for
        ("-％", ParsedQuery((), (t("％", "%"),))),
        ("ＧＤＰ", ParsedQuery(((t("ＧＤＰ", "gdp"),),), ())),
        ("　协商　", ParsedQuery(((t("协商"),),), ())),
    ],
)
def test_parse(text: str, expected: ParsedQuery) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('"协商', "引号"),
        ("“协商", "引号"),
        ("协商 OR", "OR"),
        ("OR 协商", "OR"),
        ("协商 OR OR 提案", "OR"),
        ("协商 NOT", "NOT"),
        ("title:", "title"),
        ('""', "引号里是空的"),
        ('"  "', "引号里是空的"),
        ("title:\"\"", "title"),
        ("协" * 201, "太长"),
    ],
)
def test_malformed_queries_say_why(text: str, says: str) -> None:
    with pytest.raises(QuerySyntaxError) as err:
        parse(text)
    assert says in str(err.value)


def test_highlight_keys_are_body_terms_longest_first() -> None:
    p = parse('协商 title:综述 "强理论 固根基" -北京 營商環境')
    assert p.highlight_keys() == ("营商环境", "固根基", "强理论", "协商")


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ('"议政 协商"', "开展议政，协商于民", True),
        ('"议政 协商"', "开展议政 协商", True),
        ('"议政 协商"', "开展议政协商", True),
        ('"议政 协商"', "开展专题议政；聚焦乡村振兴，组织协商", False),
        ('"议政 协商"', "协商议政", False),
        ('协商 -"强理论 固根基"', "协商 强理论 固根基", False),
        ('协商 -"强理论 固根基"', "协商 固根基 强理论", True),
    ],
)
def test_spaced_phrases_are_checked_on_the_text(query: str, text: str, expected: bool) -> None:
    parsed = parse(query)
    assert parsed.needs_verification
    assert parsed.matches(text, "") is expected


def test_plain_queries_need_no_check() -> None:
    assert not parse('营商环境 "协商议政" -北京 title:综述').needs_verification
