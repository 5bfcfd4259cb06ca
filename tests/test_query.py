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
        ("营商环境 AND 提案", ParsedQuery(((t("营商环境"),), (t("提案"),)), ())),  # the default, said
        ("协商 AND NOT 北京", ParsedQuery(((t("协商"),),), (t("北京"),))),
        ('"AND" and', ParsedQuery(((t("AND", "and", phrase=True),), (t("and"),)), ())),  # quoted or lower: text
        ("title:综述 协商", ParsedQuery(((t("综述", in_title=True),), (t("协商"),)), ())),
        ("a*b (x) [y]", ParsedQuery(((t("a*b"),), (t("(x)"),), (t("[y]"),)), ())),
        ("，。 协商", ParsedQuery(((t("协商"),),), ())),  # stray punctuation beside words
        ("。", ParsedQuery(((t("。"),),), ())),  # punctuation alone is looked for
        ("NOT ％", ParsedQuery((), (t("％", "%"),))),
        ("ＧＤＰ", ParsedQuery(((t("ＧＤＰ", "gdp"),),), ())),
        ("　协商　", ParsedQuery(((t("协商"),),), ())),
    ],
)
def test_parse(text: str, expected: ParsedQuery) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('""', "引号里是空的"),
        ('"  "', "引号里是空的"),
        ('title:""', "引号里是空的"),
        ("协" * 201, "太长"),
    ],
)
def test_what_cannot_mean_anything_says_why(text: str, says: str) -> None:
    with pytest.raises(QuerySyntaxError) as err:
        parse(text)
    assert says in str(err.value)


LONE = "引号没有配对，已把引号当作普通字符查找。"
DASHED = "查询只有以 “-” 开头的词，已按原文（含 “-”）查找；要排除某词，请写 NOT 某词。"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a quote mark without its partner is a character of the pasted text
        ("能“牛", ParsedQuery(((t("能“牛"),),), (), (LONE,))),
        ("全运游广东”系列", ParsedQuery(((t("全运游广东”系列"),),), (), (LONE,))),
        ('"未闭合', ParsedQuery(((t('"未闭合'),),), (), (LONE,))),
        ("”协商“", ParsedQuery(((t("”协商“"),),), (), (LONE,))),
        ('"强理论 固根基" "d', ParsedQuery(((t("强理论 固根基", phrase=True),), (t('"d'),)), (), (LONE,))),
        ("“a “协商”", ParsedQuery(((t("“a"),), (t("协商", phrase=True),)), (), (LONE,))),
        # only dashed terms: the text as written; NOT asked in words excludes
        ("-固守圆心筑同心", ParsedQuery(((t("-固守圆心筑同心"),),), (), (DASHED,))),
        ("-北京 -上海", ParsedQuery(((t("-北京"),), (t("-上海"),)), (), (DASHED,))),
        ("NOT 北京", ParsedQuery((), (t("北京"),))),
        ("NOT 北京 -上海", ParsedQuery((), (t("北京"), t("上海")))),
        ("title:", ParsedQuery(((t("title:"),),), (), ("“title:” 后面没有词，已把它当作普通文字查找。",))),
        ("协商 OR", ParsedQuery(((t("协商"),),), (), ("“OR” 两边都需要有词，末尾的 OR 已忽略。",))),
        ("OR 协商", ParsedQuery(((t("协商"),),), (), ("“OR” 两边都需要有词，多余的 OR 已忽略。",))),
        ("协商 NOT", ParsedQuery(((t("协商"),),), (), ("“NOT” 后面需要跟一个词，末尾的 NOT 已忽略。",))),
        ("AND 协商", ParsedQuery(((t("协商"),),), (), ("“AND” 两边都需要有词，多余的 AND 已忽略。",))),
        ("协商 AND", ParsedQuery(((t("协商"),),), (), ("“AND” 两边都需要有词，末尾的 AND 已忽略。",))),
        ("NOT", ParsedQuery((), (), ("“NOT” 后面需要跟一个词，末尾的 NOT 已忽略。",))),
    ],
)
def test_pasted_text_is_read_leniently_with_a_notice(text: str, expected: ParsedQuery) -> None:
    assert parse(text) == expected


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


@pytest.mark.parametrize(
    "text",
    ['" “ 协商 " ”', '“ a " b ” "', 'NOT : 营商环境 " “ - title： " 民主监督 ” &', '” " “'],
)
def test_interleaved_straight_and_curly_quotes_are_read_not_crashed(text: str) -> None:
    parsed = parse(text)
    assert parsed.notices  # the stray quote is said to be searched as a character


def test_any_mix_of_quotes_words_and_operators_parses_or_says_why() -> None:
    import random

    rnd = random.Random(20261129)
    pieces = ['"', "“", "”", "协商", "政协", "-", "NOT", "OR", "AND", "title:", "title：", "(", "a", " ", "-政", '"议政']
    for _ in range(3000):
        text = "".join(rnd.choice(pieces) + rnd.choice(["", " "]) for _ in range(rnd.randint(1, 12)))
        try:
            parse(text)
        except QuerySyntaxError as exc:
            assert str(exc)  # a sentence, never an AssertionError or anything else
