"""The unit model: amounts, text, value parsing, loading errors named by file and JSON path."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from xlsgen.errors import DataError, Location
from xlsgen.model import Unit, load_unit, new_unit, parse_value, unit_from_json

from .conftest import EXAMPLES, filled_unit


def minimal() -> dict:
    return {"code": "1", "name": "单位", "year": 2025, "long_term": {"deadline": 2027}}


def test_amounts_are_two_place_decimals() -> None:
    data = minimal() | {"projects": [{"name": "甲", "budget": 850.8, "fiscal": "850.80"}]}
    p = Unit.model_validate(data).projects[0]
    assert p.budget == Decimal("850.80") and str(p.budget) == "850.80"
    assert str(p.fiscal) == "850.80"


def test_amount_with_three_decimals_is_refused_with_its_path() -> None:
    data = minimal() | {"projects": [{"name": "甲", "budget": 1.234}]}
    with pytest.raises(DataError) as err:
        unit_from_json(json.dumps(data), "u.json")
    assert "u.json: projects[0].budget：金额最多保留两位小数" in str(err.value)


def test_money_survives_json_round_trip_at_the_edges() -> None:
    for amount in ("0.00", "0.01", "99999999.99", "47586.57"):
        data = minimal() | {"projects": [{"name": "甲", "budget": amount}]}
        unit = Unit.model_validate(data)
        again = unit_from_json(unit.to_json(), "x")
        assert str(again.projects[0].budget) == amount


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"code": "1", "name": "单位", "year": 2025, "long_term": {"deadline": 2027},}', "第 1 行"),
        ('{"code": "1" "name": "x"}', "缺少逗号"),
    ],
)
def test_malformed_json_names_line(text: str, expected: str) -> None:
    with pytest.raises(DataError) as err:
        unit_from_json(text, "bad.json")
    assert str(err.value).startswith("bad.json：") and expected in str(err.value)


def test_unknown_key_is_an_error_naming_its_path() -> None:
    data = minimal()
    data["long_term"]["indicatros"] = []
    with pytest.raises(DataError) as err:
        unit_from_json(json.dumps(data), "typo.json")
    assert str(err.value) == "typo.json: long_term.indicatros：未知字段（可能是拼写错误），请删除或改正"
    (problem,) = err.value.problems
    assert (problem.level, problem.code) == ("错误", "E-LOAD")
    assert problem.location == Location("typo.json", "long_term.indicatros")


def test_wrong_type_and_missing_field() -> None:
    data = minimal() | {"year": "二〇二五"}
    del data["name"]
    with pytest.raises(DataError) as err:
        unit_from_json(json.dumps(data), "t.json")
    lines = str(err.value).splitlines()
    assert "t.json: name：缺少必填字段" in lines
    assert "t.json: year：应为整数" in lines


def test_control_characters_are_refused() -> None:
    data = minimal() | {"functions": ["正常", "坏\x07字"]}
    with pytest.raises(DataError, match=r"functions\[1\]：文本中含有不可见的控制字符"):
        unit_from_json(json.dumps(data), "c.json")


def test_not_utf8(tmp_path) -> None:
    path = tmp_path / "gbk.json"
    path.write_bytes(json.dumps(minimal(), ensure_ascii=False).encode("gbk"))
    with pytest.raises(DataError, match="不是 UTF-8"):
        load_unit(path)


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("≥95%", ("≥", Decimal("95"), "%", "")),
        ("≤3.41万元", ("≤", Decimal("3.41"), "万元", "")),
        ("＞90%", ("＞", Decimal("90"), "%", "")),
        (">=90万人", ("≥", Decimal("90"), "万人", "")),
        ("30 万份", ("", Decimal("30"), "万份", "")),
        ("100%", ("", Decimal("100"), "%", "")),
        ("稳步推进", ("", None, "", "稳步推进")),
    ],
)
def test_parse_value(text: str, parts: tuple) -> None:
    assert tuple(parse_value(text)) == parts


def test_new_unit_has_the_whole_skeleton() -> None:
    unit = new_unit("450001", "怀来县医疗保障局", 2025)
    rows = [(r.level1, r.level2, r.level3) for r in unit.annual.indicators]
    # spot-check the first row, a ★ group, and the last.
    assert rows[0] == ("运行成本", "公用经费控制", "公用经费控制率")
    assert ("履职效能", "核心业务产出 1", "") in rows
    assert rows[-1] == ("满意度", "联系部门满意度", "")
    # forms.md §1 counted by hand: 运行成本 4, 管理效率 20, 履职效能 2, 社会效应 3, 可持续发展能力 6, 满意度 2
    assert len(rows) == 37
    assert unit.long_term.deadline == 2027
    assert all(r.value == "" for r in unit.long_term.indicators)


def test_own_unit_line_is_stored_empty() -> None:
    unit = filled_unit()
    data = unit.model_dump()
    data["projects"][0]["unit_code"] = unit.code
    data["projects"][0]["unit_name"] = unit.name
    again = Unit.model_validate(data)
    assert (again.projects[0].unit_code, again.projects[0].unit_name) == ("", "")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_load_and_round_trip_through_json(path) -> None:
    unit = load_unit(path)
    assert unit_from_json(unit.to_json(), "again") == unit
