"""Theme rules: the packaged TOML file, validation, and matching on sentences from the seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.themes import ThemeRules, ThemeRulesError

REQUIRED = (
    "党的建设与政治引领", "协商议政", "民主监督", "提案工作", "社情民意", "经济发展", "民生保障",
    "乡村振兴与城乡建设", "生态文明", "团结联谊与凝聚共识", "文史与宣传", "委员与机关建设", "基层协商",
)


@pytest.fixture(scope="module")
def rules() -> ThemeRules:
    return ThemeRules.load()


def test_packaged_rules_have_the_required_themes_in_file_order(rules: ThemeRules) -> None:
    assert REQUIRED == rules.names


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # seed 000 (潍坊)
        (
            "着眼产业创新，围绕提升化工园区建设水平，生物医药产业集群发展，文创产业发展等开展专题议政；聚焦乡村振兴，先后围绕特色农产品开展监督调研",
            ("协商议政", "民主监督", "乡村振兴与城乡建设"),
        ),
        # seed 001 (聊城), traditional script
        ("完成協商任務10項,立案提案503件,反映社情民意信息1978篇", ("提案工作", "社情民意")),
        # seed 004 (武威), words split by PDF extraction
        ("健全委员联系界别群众机制。建成\"委员工 作室\"149个", ("基层协商",)),
        ("聚焦助推落实强化民主监督。坚持协商式监 督的定位", ("协商议政", "民主监督")),
        # seed 003 (淄博)
        ("严格落实“第一议题”制度，全年组织传达学习习近平总书记重要讲话", ("党的建设与政治引领",)),
        ("加强荒漠化综合防治，打好河西走廊阻击战", ("生态文明",)),
        ("一年来，市政协在市委坚强领导下", ()),
    ],
)
def test_themes_of_real_sentences(rules: ThemeRules, sentence: str, expected: tuple) -> None:
    assert expected == rules.themes_for(sentence)


def test_exclude_masks_a_keyword_inside_a_longer_phrase(rules: ThemeRules) -> None:
    assert "民生保障" not in rules.themes_for("扎实开展主题教育和学习教育")
    assert "民生保障" in rules.themes_for("推动义务教育优质均衡发展")


def test_explain_lists_the_keywords_that_fired(rules: ThemeRules) -> None:
    assert {"提案工作": {"立案": 1, "提案": 1}} == rules.explain("立案提案503件")


def test_min_hits() -> None:
    rules = ThemeRules.from_toml('[[theme]]\nname = "x"\nkeywords = ["提案"]\nmin_hits = 2\n')
    assert () == rules.themes_for("一件提案")
    assert ("x",) == rules.themes_for("提案和提案")


def test_load_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text('[[theme]]\nname = "生态"\nkeywords = ["生態"]\n', encoding="utf-8")
    assert ("生态",) == ThemeRules.load(path).themes_for("生态文明")


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[[theme]]\nname = "a"\nkeywords = ["x"]\ncolour = 1\n', "unknown keys ['colour']"),
        ('[[theme]]\nname = "a"\nkeywords = []\n', "empty keywords"),
        ('[[theme]]\nname = "a"\nkeywords = ["x"]\n[[theme]]\nname = "a"\nkeywords = ["y"]\n', "defined twice"),
        ('[[theme]]\nname = "a"\nkeywords = ["x", ""]\n', "non-empty strings"),
        ('[[theme]]\nname = "a"\nkeywords = ["x"]\nmin_hits = 0\n', "positive integer, got 0"),
        ('[[theme]]\nkeywords = ["x"]\n', "non-empty name"),
        ("themes = 1\n", "unknown top-level keys"),
        ("", "no [[theme]] tables"),
        ("[[theme]\n", "not valid TOML"),
    ],
)
def test_validation_errors_are_sentences(toml: str, message: str) -> None:
    with pytest.raises(ThemeRulesError, match=message.replace("[", r"\[").replace("]", r"\]")):
        ThemeRules.from_toml(toml)


def test_themes_for_names_what_explain_lists(rules: ThemeRules) -> None:
    """themes_for stops at the first keyword a theme needs; explain counts them all."""
    from .conftest import SAMPLES

    govreports = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "govreports"
    lines = [line for p in sorted(SAMPLES.iterdir()) for line in p.read_text(encoding="utf-8").splitlines()]
    lines += [line for p in sorted(govreports.glob("*/*.txt"))[:60] for line in p.read_text(encoding="utf-8").splitlines()]
    lines += ["基层协商", "基层协商和协商民主", "企业家代表", "主题教育和教育"]
    strict = ThemeRules.from_toml('[[theme]]\nname = "两次"\nkeywords = ["协商", "民主"]\nexclude = ["协商民主"]\nmin_hits = 2\n')
    for line in lines:
        assert rules.themes_for(line) == tuple(rules.explain(line)), line
        assert strict.themes_for(line) == tuple(strict.explain(line)), line
    assert sum(1 for line in lines if rules.themes_for(line)) > 50
