import pytest

from search.query import ParsedQuery, QuerySyntaxError, Term, match_query, parse, score_query


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
    ("text", "expected"),
    [
        ("营商环境", 'grams:"营商 商环 环境"'),
        ("发展", "grams:发展"),  # one gram: a Term, not a one-word Phrase
        ("協商 提案", "(grams:协商 AND grams:提案)"),
        ("营商环境 OR 提案", '(grams:"营商 商环 环境" OR grams:提案)'),
        ('"强理论 固根基"', '(grams:"强理 理论" AND grams:"固根 根基")'),  # order checked on the text
        ('协商 -"强理论 固根基"', "grams:协商"),  # a spaced phrase is only excluded by the check
        ("title:综述", "title_grams:综述"),
        ("政", "chars:政"),
        ("title:政", "(title_grams:政* OR title_grams:政)"),
        ("。", "chars:。"),
        ("协商 -北京", "(grams:协商 ANDNOT grams:北京)"),
        ("-北京", "(<_Every> ANDNOT grams:北京)"),
    ],
)
def test_matching_is_by_exact_grams(text: str, expected: str) -> None:
    q = match_query(parse(text))
    assert str(q.normalize()).replace("None:*", "<_Every>") == expected


def test_scoring_is_a_bag_of_words_grams_and_boosted_title_words() -> None:
    # a single word: its word and the title's; no grams, which would only add cost
    assert str(score_query(parse("营商环境 -北京"))) == "(text:营商环境 OR title:营商环境^0.5)"
    # a piece jieba splits: its words, its grams, and the title's words
    assert str(score_query(parse("强理论"))) == (
        "(text:强 OR text:理论 OR grams:强理 OR grams:理论 OR title:强^0.5 OR title:理论^0.5)"
    )
    assert score_query(parse("-北京")) is None


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
