"""Validating a unit fast (issue 15 §3) accepts, converts and refuses exactly what the model did.

Two replacements, each compared with what it replaced:

* ``_to_money``'s shortcut for a Decimal or float already at most two places, against the function as
  it was (kept here as the oracle), on amounts of every exponent, sign, size and type;
* ``Unit.model_validate``'s fast validator (texts checked by pydantic-core itself), against the
  model's own validator, on units (from data/, as the reader builds them, drawn by Hypothesis) with
  one value changed to something a file or a workbook might hold instead.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from typing import Any

import pydantic_core
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from tests.strategies import units
from xlsgen import jsontext
from xlsgen import model as m
from xlsgen.model import CENT, Unit, _to_money, explain, json_path

ROOT = Path(__file__).resolve().parent.parent
on_tested_versions = pytest.mark.skipif(
    pydantic_core.__version__ not in m.TESTED_CORE_VERSIONS,
    reason=f"pydantic-core {pydantic_core.__version__} is not a tested version",
)


def old_to_money(value: Any) -> Decimal:
    """model._to_money as it was before the shortcut."""
    if isinstance(value, bool):
        raise ValueError("金额应为数字，例如 450.00")
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(f"金额应为数字，例如 450.00，而不是 {value!r}") from None
    if not amount.is_finite():
        raise ValueError("金额应为有限的数字")
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(CENT):  # type: ignore[operator]
        raise ValueError(f"金额最多保留两位小数（万元），而不是 {value}")
    if abs(amount) >= m._MONEY_LIMIT:
        raise ValueError(f"金额 {value} 超出范围")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


class SubDecimal(Decimal):
    pass


class SubFloat(float):
    pass


def _money_outcome(fn: Any, value: Any) -> Any:
    try:
        out = fn(value)
    except Exception as exc:
        return ("raised", type(exc), str(exc))
    return ("ok", type(out), repr(out), out.as_tuple())


AMOUNTS: list[Any] = [
    Decimal("0"), Decimal("-0"), Decimal("0.00"), Decimal("-0.00"), Decimal("0E+3"), Decimal("-0E-9"),
    Decimal("12.5"), Decimal("12.50"), Decimal("12.500"), Decimal("12.505"), Decimal("12.005"), Decimal("-12.345"),
    Decimal("1E+2"), Decimal("9999999999999.99"), Decimal("-9999999999999.99"), Decimal("1E13"), Decimal("-1E13"),
    Decimal("9999999999999.995"), Decimal("9999999999999.990000000000000000"), Decimal("1E+30"), Decimal("1.0E-30"),
    Decimal("123456789012345678901234567890.123"), Decimal("1" * 40), Decimal("NaN"), Decimal("-NaN"),
    Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity"), SubDecimal("1.5"), SubDecimal("1.555"),
    0.0, -0.0, 1.5, 0.1, 0.125, 450.0, 1e12, 9999999999999.99, 1e13, 1e20, 1e-7, 5e-324, float("nan"),
    float("inf"), -float("inf"), SubFloat(2.5), 0, 5, -7, 10**13, 10**40, True, False, "1.5", " 12.345 ", "abc",
    "1e5", "NaN", "", None, [], b"1",
]  # fmt: skip


@pytest.mark.parametrize("value", AMOUNTS, ids=repr)
def test_an_amount_is_converted_or_refused_as_before(value: Any) -> None:
    assert _money_outcome(_to_money, value) == _money_outcome(old_to_money, value)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.decimals(allow_nan=True, allow_infinity=True),
        st.decimals(min_value=-(10**14), max_value=10**14, places=2),
        st.decimals(min_value=-(10**14), max_value=10**14, places=3),
        st.builds(lambda i, e: Decimal(i).scaleb(e), st.integers(-(10**30), 10**30), st.integers(-40, 20)),
        st.floats(),
        st.floats(min_value=-1e14, max_value=1e14).map(lambda f: round(f, 2)),
        st.integers(),
    )
)
def test_any_amount_is_converted_or_refused_as_before(value: Any) -> None:
    assert _money_outcome(_to_money, value) == _money_outcome(old_to_money, value)


def test_the_amounts_cover_the_shortcut_and_each_refusal() -> None:
    outcomes = [_money_outcome(old_to_money, v) for v in AMOUNTS]
    messages = {o[2] for o in outcomes if o[0] == "raised"}
    assert any(o[0] == "ok" and o[2] == "Decimal('12.50')" for o in outcomes)
    assert any(o[0] == "raised" and o[1] is InvalidOperation for o in outcomes)  # beyond the context's digits
    for part in ("金额应为数字", "金额应为有限的数字", "最多保留两位小数", "超出范围"):
        assert any(part in text for text in messages), part


# ---------------------------------------------------------------- the fast validator


def _shape(x: Any) -> Any:
    """Everything a validated value shows: types, set fields and each value's repr (exponents too)."""
    if isinstance(x, BaseModel):
        return (
            type(x),
            sorted(x.model_fields_set),
            x.model_extra,
            [(k, _shape(v)) for k, v in x.__dict__.items()],
        )
    if isinstance(x, list):
        return [_shape(v) for v in x]
    return (type(x), repr(x))


def _outcome(validate: Any, data: Any) -> Any:
    try:
        unit = validate(data)
    except ValidationError as exc:
        return ("refused", [(json_path(e["loc"]), e["type"], explain(e)) for e in exc.errors()])
    except Exception as exc:
        return ("raised", type(exc), str(exc))
    return ("ok", _shape(unit), unit.to_json())


def exact(data: Any) -> Unit:
    return Unit.__pydantic_validator__.validate_python(data)  # what BaseModel.model_validate calls


class Color(str, Enum):
    RED = "红"


class Sub(str):
    pass


ODD: list[Any] = [
    "", "甲", "a\x01b", "a\nb\tc\r", "\x7f", "\ufffe", "\uffff", "x\ud800y", "长" * 16_383, "长" * 16_384,
    "😀" * 16_383, "😀" * 16_384, "a\x00" * 9_000, 5, 0, -1, 1.5, 1e20, float("nan"), True, None, [], {}, ["甲"],
    {"x": 1}, b"abc", b"a\x01", b"\xff", bytearray(b"xy"), Sub("sub"), Sub("a\x02"), Color.RED, Decimal("12.5"),
    Decimal("1.005"), Decimal("NaN"), Decimal("1E+20"), "12.345", " 7 ", 2024, 1999, "2025", dt.date(2024, 1, 15),
    "2024-01-15", dt.datetime(2024, 1, 15), "common", "cost_first", "x", False,
]  # fmt: skip


def _data_units() -> list[dict[str, Any]]:
    return [json.loads(p.read_text("utf-8")) for p in sorted((ROOT / "data").glob("*.json"))]


def _reader_units() -> list[dict[str, Any]]:
    """What the reader hands to Unit.model_validate for each of data/'s workbooks."""
    import xlsgen.assemble as assemble
    from xlsgen.read import read_bytes
    from xlsgen.render import workbook_bytes

    seen: list[dict[str, Any]] = []

    class Spy:
        @staticmethod
        def model_validate(data: dict[str, Any]) -> Unit:
            seen.append(copy.deepcopy(data))
            return Unit.model_validate(data)

    real = assemble.Unit
    assemble.Unit = Spy  # type: ignore[misc]
    try:
        for p in sorted((ROOT / "data").glob("*.json")):
            read_bytes(workbook_bytes(m.load_unit(p)), "x.xlsx")
    finally:
        assemble.Unit = real  # type: ignore[misc]
    return seen


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [path] + [leaf for k, v in node.items() for leaf in _leaves(v, (*path, k))]
    if isinstance(node, list):
        return [path] + [leaf for i, v in enumerate(node) for leaf in _leaves(v, (*path, i))]
    return [path]


def _replaced(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    """``data`` with the value at ``path`` replaced (copied along the path, the rest shared)."""
    if not path:
        return value
    head, *rest = path
    out = copy.copy(data)
    out[head] = _replaced(data[head], tuple(rest), value) if rest else value
    return out


@on_tested_versions
def test_the_fast_validator_is_in_effect() -> None:
    fast = m._fast_validator()
    assert fast is not None
    probe = {"code": "1", "name": 5, "year": 2025, "long_term": {}}
    assert exact(probe).name == "5"  # the model takes a number as its text ...
    with pytest.raises(ValidationError):
        fast.validate_python(probe)  # ... the fast validator leaves it to the model
    assert Unit.model_validate(probe).name == "5"


@on_tested_versions
def test_the_model_classes_stay_complete_and_exact() -> None:
    m._fast_validator()
    classes = [c for c in vars(m).values() if isinstance(c, type) and issubclass(c, m.Strict)]
    assert len(classes) > 10 and all(c.__dict__.get("__pydantic_complete__") for c in classes)
    p = m.Project.model_validate({"name": 7, "budget": "1.5"})  # the classes' own validators: unchanged
    assert (p.name, p.budget) == ("7", Decimal("1.50"))


def test_an_untested_pydantic_core_takes_the_models_own_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(m, "TESTED_CORE_VERSIONS", ())
    m._fast_validator.cache_clear()
    try:
        assert m._fast_validator() is None
        for data in _data_units():
            assert _outcome(Unit.model_validate, data) == _outcome(exact, data)
    finally:
        m._fast_validator.cache_clear()


def test_units_from_files_and_from_the_reader_validate_as_before() -> None:
    cases = _data_units() + _reader_units()
    assert len(cases) == 10
    for data in cases:
        fast = _outcome(Unit.model_validate, data)
        assert fast[0] == "ok" and fast == _outcome(exact, data)


# One place of each kind a value can take in a unit: a text (required, optional, in a list, in an
# indicator), a year, a date, an amount (required, optional, a percentage, in the funding block), a
# choice, a switch, an object and a list.
PLACES = [
    ("code",), ("name",), ("parent",), ("phone",), ("year",), ("filled_on",), ("functions", 0), ("functions",),
    ("projects", 0, "name"), ("projects", 0, "budget"), ("projects", 0, "fiscal"), ("projects", 0, "plan", "mar"),
    ("projects", 0, "plan"), ("projects", 0, "goals", 0), ("projects", 0, "indicators", 0, "value"),
    ("projects", 0), ("annual", "indicators", 0, "prev2"), ("long_term", "deadline"), ("long_term", "goal"),
    ("funding", "income", "fiscal", "current"), ("funding",), ("project_tree",), ("sections", "notes"), ("$schema",),
]  # fmt: skip


@pytest.mark.parametrize("value", ODD, ids=lambda v: repr(v)[:20])
def test_a_changed_value_anywhere_is_validated_as_before(value: Any) -> None:
    """Each odd value at each kind of place in a unit."""
    data = _data_units()[1]
    for path in PLACES:
        changed = _replaced(data, path, value)
        assert _outcome(Unit.model_validate, changed) == _outcome(exact, changed), path


def test_the_odd_values_are_accepted_converted_and_refused() -> None:
    data = _data_units()[1]
    outcomes = [_outcome(exact, _replaced(data, path, v)) for path in PLACES for v in ODD]
    messages = {text for o in outcomes if o[0] == "refused" for _, _, text in o[1]}
    assert sum(o[0] == "ok" for o in outcomes) > 100 and sum(o[0] == "refused" for o in outcomes) > 400
    parts = ("控制字符", "超过 Excel 单元格的上限", "应为文本", "最多保留两位小数", "应为对象", "应为列表", "日期")
    for part in parts:
        assert any(part in text for text in messages), part


def test_extra_and_missing_keys_are_refused_as_before() -> None:
    data = _data_units()[1]
    cases = [
        {**data, "extra": 1},
        {k: v for k, v in data.items() if k != "name"},
        _replaced(data, ("projects", 0, "budgett"), "1"),
        _replaced(data, ("funding", "income", "fiscal"), {"current": 1}),
        _replaced(data, ("sections",), {"notes": "也许"}),
        [],
        "unit",
        None,
    ]
    for case in cases:
        fast = _outcome(Unit.model_validate, case)
        assert fast[0] == "refused" and fast == _outcome(exact, case)


LEAF = st.one_of(st.sampled_from(ODD), st.text(max_size=8), st.integers(), st.decimals(places=3))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(units(max_projects=4), st.data())
def test_drawn_units_with_changed_values_validate_as_before(unit: Unit, data: st.DataObject) -> None:
    dumped = unit.model_dump(by_alias=True)
    assert _outcome(Unit.model_validate, dumped) == _outcome(exact, dumped)
    for _ in range(3):
        paths = [p for p in _leaves(dumped) if p]
        if not paths:
            break
        dumped = _replaced(dumped, data.draw(st.sampled_from(paths)), data.draw(LEAF))
        assert _outcome(Unit.model_validate, dumped) == _outcome(exact, dumped)


def test_a_unit_instance_and_options_are_validated_as_before() -> None:
    unit = Unit.model_validate(_data_units()[2])
    assert Unit.model_validate(unit) is unit and exact(unit) is unit  # instances are not revalidated
    assert Unit.model_validate(unit.model_dump(), strict=False) == unit


# ---------------------------------------------------------------- jsontext's \u trigger


def old_trigger(text: str) -> bool:
    return "\\u" in text and ("\\ud" in text or "\\uD" in text)


@settings(max_examples=400, deadline=None)
@given(st.text('\\udDa80"x长', max_size=12))
def test_the_surrogate_escape_trigger_is_the_same(text: str) -> None:
    assert jsontext._surrogate_escapes(text) == old_trigger(text)


# ---------------------------------------------------------------- unit files: texts known free of controls

CONTROLS = [chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF]]


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in (k, *_strings(v))]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []


@pytest.mark.parametrize("ascii_only", [True, False])
def test_a_control_character_in_a_file_is_never_missed(ascii_only: bool) -> None:
    for ch in CONTROLS:
        for doc in ({"t": f"a{ch}b"}, [ch], {f"k{ch}": 1}):
            assert not jsontext.control_free(json.dumps(doc, ensure_ascii=ascii_only)), repr(ch)
    assert jsontext.control_free(json.dumps({"t": "甲\n\t\r\\ \u3000\x7f😀"}, ensure_ascii=ascii_only))


JSON_TEXT = st.text(
    st.sampled_from(["甲", "a", "\\", "b", "f", "u", "\n", "\x7f", *CONTROLS[::5], "\ufffe"]), max_size=6
)


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        JSON_TEXT | st.integers(),
        lambda c: st.lists(c, max_size=3) | st.dictionaries(JSON_TEXT, c, max_size=3),
        max_leaves=8,
    ),
    st.booleans(),
)
def test_a_file_said_free_of_controls_is(doc: Any, ascii_only: bool) -> None:
    text = json.dumps(doc, ensure_ascii=ascii_only)
    if jsontext.control_free(text):
        assert not any(m._has_control(s) for s in _strings(json.loads(text)))


def old_unit_from_json(text: bytes, source: str) -> Unit:
    """model.unit_from_json as it was: loads, then the model's own validator."""
    from xlsgen.errors import ERROR, DataError, Location, Problem

    data = jsontext.loads(text, source)
    try:
        return exact(data)
    except ValidationError as exc:
        raise DataError(
            Problem(ERROR, DataError.code, explain(e), Location(source, json_path(e["loc"]))) for e in exc.errors()
        ) from None


def _file_outcome(fn: Any, text: bytes) -> Any:
    from xlsgen.errors import DataError

    try:
        unit = fn(text, "x.json")
    except DataError as exc:
        return ("refused", [(p.code, p.message, p.location) for p in exc.problems])
    return ("ok", _shape(unit), unit.to_json())


JSON_ODD = [v for v in ODD if not isinstance(v, (bytes, bytearray, Decimal, dt.date))]


@pytest.mark.parametrize("value", JSON_ODD, ids=lambda v: repr(v)[:20])
def test_a_unit_file_with_a_changed_value_is_read_as_before(value: Any) -> None:
    data = _data_units()[1]
    for path in PLACES:
        for ascii_only in (True, False):
            text = json.dumps(_replaced(data, path, value), ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
            assert _file_outcome(m.unit_from_json, text) == _file_outcome(old_unit_from_json, text), path
