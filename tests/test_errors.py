"""Problems are data until printed; every exception carries them and pickles (they cross bulk's pool)."""

from __future__ import annotations

import pickle

import pytest

from xlsgen import errors
from xlsgen.errors import (
    ERROR,
    WARNING,
    DataError,
    LayoutError,
    Location,
    OutputError,
    Problem,
    ReadError,
    UnsafeFileError,
    ValidationFailed,
    XlsgenError,
)
from xlsgen.model import unit_from_json
from xlsgen.safety import open_package


def test_a_location_prints_as_the_user_finds_the_place() -> None:
    assert str(Location("u.xlsx", "annual.indicators[2].value", "附件1", "F47")) == "u.xlsx!附件1!F47"
    assert str(Location("u.json", "annual.indicators[2].value")) == "u.json: annual.indicators[2].value"
    assert str(Location("u.json")) == "u.json"
    assert str(Location()) == ""


def test_a_problem_prints_level_code_place_and_message() -> None:
    p = Problem(ERROR, "E-FUNDS-SUM", "合计不等于各项之和", Location("u.json", "funding.income.total"))
    assert str(p) == "错误 E-FUNDS-SUM u.json: funding.income.total：合计不等于各项之和"
    assert p.located == "u.json: funding.income.total：合计不等于各项之和"
    assert Problem(WARNING, "W-READ", "已忽略").located == "已忽略"
    with pytest.raises(AttributeError):
        p.code = "E-OTHER"  # type: ignore[misc]


def test_an_exception_carries_its_problems_and_str_formats_them() -> None:
    exc = ReadError(
        [
            Problem(ERROR, "E-LOAD", "金额应为数字", Location("u.xlsx", "funding", "附件1", "D9")),
            Problem(ERROR, "E-LOAD", "工作簿已加密", Location("u.xlsx")),
        ]
    )
    assert str(exc) == "u.xlsx!附件1!D9：金额应为数字\nu.xlsx：工作簿已加密"
    one = OutputError("无法写入", Location("out/a.xlsx"))
    assert one.problems == [Problem(ERROR, "E-OUTPUT", "无法写入", Location("out/a.xlsx"))]
    assert LayoutError("坏模板").problems[0].code == "E-RENDER"
    assert DataError("坏").problems[0].code == "E-LOAD"


@pytest.mark.parametrize(
    "cls", [XlsgenError, DataError, ReadError, UnsafeFileError, LayoutError, OutputError, ValidationFailed]
)
def test_every_exception_pickles_with_its_problems(cls: type[XlsgenError]) -> None:
    problems = [
        Problem(ERROR, "E-X", "第一个", Location("a.json", "code")),
        Problem(WARNING, "W-Y", "第二个", Location("a.xlsx", sheet="S", cell="B2")),
    ]
    for exc in (cls(problems), cls("一句话", Location("b.json"))):
        again = pickle.loads(pickle.dumps(exc))
        assert type(again) is cls
        assert again.problems == exc.problems
        assert str(again) == str(exc)


def test_every_exception_class_is_in_the_tree_and_pickles() -> None:
    # A class added later without a test above still has to pickle.
    classes = [v for v in vars(errors).values() if isinstance(v, type) and issubclass(v, XlsgenError)]
    assert len(classes) == 7
    for cls in classes:
        assert cls.__name__ in (errors.__doc__ or "")
        assert pickle.loads(pickle.dumps(cls("x"))).problems == cls("x").problems


def test_real_errors_are_located_without_any_text_parsing() -> None:
    with pytest.raises(DataError) as err:
        unit_from_json('{"code": "1", "name": "x", "year": "今年"}', "u.json")
    assert [(p.code, p.location) for p in err.value.problems][:1] == [("E-LOAD", Location("u.json", "year"))]
    with pytest.raises(UnsafeFileError) as bad:
        open_package(b"", "空.xlsx")
    assert bad.value.problems[0].location == Location("空.xlsx")
    assert pickle.loads(pickle.dumps(bad.value)).problems == bad.value.problems
