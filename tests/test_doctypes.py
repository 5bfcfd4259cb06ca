"""Document type rules: the shipped TOML file, classification order, bare titles, errors."""

from __future__ import annotations

import pytest

from search.doctypes import OTHER, DocTypeRules, DocTypeRulesError


@pytest.fixture(scope="module")
def rules() -> DocTypeRules:
    return DocTypeRules.load()


def test_shipped_rules_name_the_seven_types(rules: DocTypeRules) -> None:
    assert (
        "人大决议与报告", "政协提案工作报告", "政协常委会工作报告", "党代会报告",
        "政协工作综述", "政府工作报告", "其他",
    ) == rules.names


@pytest.mark.parametrize(
    ("headings", "opening", "expected"),
    [
        (["2026年甘肃省政府工作报告"], [], "政府工作报告"),
        (["第十届全国人民代表大会第五次会议关于政府工作报告的决议"], [], "人大决议与报告"),  # before 政府工作报告
        (["中国人民政治协商会议第十届济南市市中区委员会常务委员会工作报告"], [], "政协常委会工作报告"),
        (["政协潍坊市委员会常务委员会关于十四届四次会议以来提案工作情况的报告"], [], "政协提案工作报告"),
        (["奋进新征程 展现新作为", "潍坊市政协2024年工作综述"], [], "政协工作综述"),
        (["淄博政协這一年|以實干實績交出履職新答卷"], [], "政协工作综述"),  # traditional script
        (["高举中国特色社会主义伟大旗帜 (二十大)"], [], "党代会报告"),
        (["在中国共产党保定市第十次代表大会上的报告"], [], "党代会报告"),
        (["河北省人民代表大会常务委员会工作报告"], [], "人大决议与报告"),
        # no telling title: the opening decides
        ([""], ["各位代表：", "现在，我代表河北省人民政府向大会作工作报告，请予审议。"], "政府工作报告"),
        (["关于保定市国民经济和社会发展第十二个五年规划纲要的报告"],
         ["现在，我代表保定市人民政府向大会作报告，请审议。"], "政府工作报告"),
        ([""], ["各位委员：", "我代表政协第十届济南市市中区委员会常务委员会，向大会报告工作，请予审议。"], "政协常委会工作报告"),
        ([""], ["完成协商任务10项", "翻开2024年的履职成绩单，聊城市政协与时代发展“合辙”"], "政协工作综述"),
        ([""], ["同志们：现在，我代表第十九届中央委员会向大会作报告。"], "党代会报告"),
        (["关于加强社区治理的几点思考"], ["社区是基层治理的基本单元。"], OTHER),
    ],
)
def test_classify(rules: DocTypeRules, headings: list[str], opening: list[str], expected: str) -> None:
    assert expected == rules.classify(headings, opening)[0].name


def test_the_reason_names_the_rule_that_decided(rules: DocTypeRules) -> None:
    _, why = rules.classify(["2025年山东省政府工作报告"], [])
    assert "title: 政府工作报告" == why


@pytest.mark.parametrize(
    ("title", "bare"),
    [
        ("政府工作报告", True),
        ("2014年政府工作报告", True),
        ("政府工作报告（2014年）", True),
        ("2015年省政府工作报告", True),
        ("2 0 1 9 年 政府工作报告", True),
        ("2014年《政府工作报告》", True),
        ("河北省政府工作报告", False),
        ("关于保定市国民经济和社会发展第十二个五年规划纲要的报告", False),
    ],
)
def test_bare_titles_only_name_the_genre(rules: DocTypeRules, title: str, bare: bool) -> None:
    assert bare == rules.get("政府工作报告").is_bare(title)


def test_made_titles_leave_out_what_is_unknown(rules: DocTypeRules) -> None:
    gov = rules.get("政府工作报告")
    assert ["河北省2012年政府工作报告", "河北省政府工作报告", "政府工作报告"] == [
        gov.make_title("河北省", 2012), gov.make_title("河北省", None), gov.make_title("", None),
    ]


def test_an_unknown_type_name_is_refused_with_the_known_ones(rules: DocTypeRules) -> None:
    with pytest.raises(KeyError, match="known types: 人大决议与报告"):
        rules.get("政府报告")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[type]]\nname = 'a'\ntitle = ['(']\n", "not a valid regular expression"),
        ("[[type]]\nname = 'a'\ncolour = 1\n", "unknown keys"),
        ("[[type]]\nname = 'a'\nmade_title = '{where}'\n", "made_title may use"),
        ("[[type]]\nname = 'a'\n[[type]]\nname = 'a'\n", "names a type twice"),
        ("x = 1\n", "unknown top-level keys"),
        ("[[type]\n", "not valid TOML"),
    ],
)
def test_malformed_rules_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(DocTypeRulesError, match=message):
        DocTypeRules.from_toml(text, source="t.toml")


def test_other_is_always_a_type() -> None:
    rules = DocTypeRules.from_toml("[[type]]\nname = '报告'\ntitle = ['报告']\n")
    assert ("报告", OTHER) == rules.names
    assert OTHER == rules.classify(["综述"], [])[0].name
