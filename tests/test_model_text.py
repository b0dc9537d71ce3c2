"""A text field's one validator (model._text, issue 15 §1) accepts, converts and refuses exactly what
the two it replaced did (_to_text before pydantic's check of the type, _clean_text after it)."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from pydantic import AfterValidator, BaseModel, BeforeValidator, ValidationError

from xlsgen.model import Text, _clean_text, _to_text, explain

Before = Annotated[str, BeforeValidator(_to_text), AfterValidator(_clean_text)]


class Old(BaseModel):
    t: Before
    code: Before = ""


class New(BaseModel):
    t: Text
    code: Text = ""


class Sub(str):
    pass


VALUES: list[Any] = [
    "", "abc", " 长 ", "a\x01b", "a\nb\tc\r", "\ufffe", "长" * 16_383, "长" * 40_000, "😀" * 16_383, "😀" * 16_384,
    "a\x00" * 9_000, 5, -0, 1.5, 1e20, float("nan"), True, None, [], {}, b"abc", b"a\x01", b"\xff", bytearray(b"xy"),
    Sub("sub"), Sub("a\x02"),
]  # fmt: skip


def _outcome(model: type[BaseModel], value: Any) -> Any:
    try:
        return ("ok", model.model_validate({"t": value, "code": value}).model_dump())
    except ValidationError as exc:
        return ("error", [(e["loc"], explain(e)) for e in exc.errors()])


@pytest.mark.parametrize("value", VALUES, ids=lambda v: repr(v)[:20])
def test_a_text_field_is_validated_as_before(value: Any) -> None:
    assert _outcome(New, value) == _outcome(Old, value)


def test_the_cases_cover_acceptance_conversion_and_each_refusal() -> None:
    outcomes = [_outcome(Old, v) for v in VALUES]
    messages = {m for kind, found in outcomes if kind == "error" for _, m in found}
    assert any(kind == "ok" for kind, _ in outcomes)
    assert any(kind == "ok" and found["t"] == "5" for kind, found in outcomes)
    assert "文本中含有不可见的控制字符，请删除后重试" in messages
    assert any("超过 Excel 单元格的上限" in m for m in messages)
    assert "应为文本（用双引号括起来）" in messages
