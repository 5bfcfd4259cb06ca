import pytest

from search.query import ParsedQuery, QuerySyntaxError, Term, parse, to_whoosh


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
        ("，。 协商", ParsedQuery(((t("协商"),),), ())),
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
        ('""', "引号"),
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


def test_one_word_matches_the_word_or_the_exact_grams() -> None:
    q = str(to_whoosh(parse("营商环境")))
    assert '(text:营商环境 OR grams:"营商 商环 环境")' in q
    assert "ANDMAYBE (title:营商环境)" in q  # title matches only raise the score


def test_several_words_must_match_as_grams_and_score_as_words() -> None:
    # 科技 inside 科技人才 followed by 创新 is a phrase of words but no substring
    assert str(to_whoosh(parse("强理论"))).startswith('(((grams:"强理 理论" ANDMAYBE text:"强 理论"))')


def test_negative_only_query_matches_everything_else() -> None:
    assert str(to_whoosh(parse("-北京"))).startswith("(None:* ANDNOT")
