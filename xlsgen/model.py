"""The unit data model: one budget unit's 附件1 and its project forms.

Keys are short English identifiers; every field carries the form's own Chinese words as its schema
``title``/``description``, so an editor that reads ``schema/unit.schema.json`` shows them while typing.
Unknown keys are errors everywhere (``extra="forbid"``): a typo must never vanish silently.
"""

from __future__ import annotations

import datetime as _dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Annotated, Any, ClassVar, Literal, NamedTuple

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)

from . import forms

CENT = Decimal("0.01")
_MONEY_LIMIT = Decimal("1e13")
# XML 1.0 cannot carry these; a workbook holding them is corrupt in Excel. (Written so that Python's
# re and pydantic-core's Rust regex read the class alike: _PLAIN_TEXT uses it too.)
_CONTROL_CLASS = r"\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff"
_CONTROL = re.compile(f"[{_CONTROL_CLASS}]")
_has_control = _CONTROL.search


def _to_money(value: Any) -> Decimal:
    # The usual amount (a Decimal from the reader, a float from a JSON file) at most two places and in
    # range, answered without the text round trip. Decimal(str(d)) is d itself (a Decimal's text is
    # exact), and a float's text is its repr: the same amount _checked_money starts from; whatever is
    # left over (rounding needed, out of range, not finite, any other type) is answered there.
    kind = type(value)
    if kind is Decimal or kind is float:
        amount = value if kind is Decimal else Decimal(repr(value))
        if amount.is_finite() and -_MONEY_LIMIT < amount < _MONEY_LIMIT:
            cents = amount.quantize(CENT, rounding=ROUND_HALF_UP)
            if cents == amount:
                return cents
    return _checked_money(value)


def _checked_money(value: Any) -> Decimal:
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
    if abs(amount) >= _MONEY_LIMIT:
        raise ValueError(f"金额 {value} 超出范围")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _money_json(amount: Decimal) -> float:
    # A JSON number reads naturally in a unit file; two-place amounts below 1e13 survive float exactly.
    return float(amount)


CELL_LIMIT = 32_767  # Excel's limit on one cell's text, in UTF-16 code units; xlsxwriter cuts silently


def cell_length(text: str) -> int:
    """The length of ``text`` as Excel counts it (a character outside the BMP, e.g. an emoji, counts 2)."""
    return len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2


def _clean_text(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("文本中含有不可见的控制字符，请删除后重试")
    if len(value) > CELL_LIMIT // 2 and cell_length(value) > CELL_LIMIT:
        raise ValueError(
            f"文本有 {cell_length(value)} 个字符，超过 Excel 单元格的上限 {CELL_LIMIT} 个字符，请缩短（否则会被截断）"
        )
    return value


def _to_year(value: Any) -> Any:
    # pydantic takes true as 1, and then says 1 is too small: name the real mistake.
    if isinstance(value, bool):
        raise ValueError(f"应为整数年份（例如 2025），而不是 {str(value).lower()}")
    return value


def _to_text(value: Any) -> Any:
    # Numbers typed by hand in a JSON file (e.g. a phone number) are taken as their text.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


def _text(value: Any) -> Any:
    """What _to_text before and _clean_text after pydantic's check of the type did, in one call per field
    (a unit has a thousand texts): a text is cleaned, a number becomes its text, anything else is left to
    pydantic's check (which takes bytes that are UTF-8 as their text: cleaned here as it will read them)."""
    if type(value) is str and len(value) <= CELL_LIMIT // 2 and not _has_control(value):
        return value  # the usual case, answered without another call
    if type(value) is not str:
        value = _to_text(value)
        if isinstance(value, (bytes, bytearray)):
            try:
                value = bytes(value).decode("utf-8")
            except UnicodeDecodeError:
                return value  # pydantic reports it
        elif not isinstance(value, str):
            return value  # not a text: pydantic's own check of the type reports it
    return _clean_text(value)


Money = Annotated[
    Decimal,
    BeforeValidator(_to_money),
    PlainSerializer(_money_json, return_type=float, when_used="json"),
    WithJsonSchema({"type": ["number", "string"], "pattern": r"^-?\d+(\.\d{1,2})?$"}),
]
Text = Annotated[str, BeforeValidator(_text)]
PROPERTY_LIMIT = 255  # Excel's limit on a document property's text, in UTF-16 code units


def property_text(value: str) -> str:
    """``value``, refused (ValueError, in Chinese) past Excel's limit on a document property's text."""
    if len(value) > PROPERTY_LIMIT // 2 and cell_length(value) > PROPERTY_LIMIT:
        raise ValueError(
            f"文本有 {cell_length(value)} 个字符，超过 Excel 文档属性的上限 {PROPERTY_LIMIT} 个字符"
            "（此项表上不印，随工作簿的文档属性保存，以便导入时找回），请缩短"
        )
    return value


# What the workbook carries in its custom document properties (forms.IDENTITY_PROPERTIES).
PropertyText = Annotated[str, BeforeValidator(_text), AfterValidator(property_text)]
Year = Annotated[int, BeforeValidator(_to_year)]
Percent = Annotated[
    Decimal,
    BeforeValidator(_to_money),
    PlainSerializer(_money_json, return_type=float, when_used="json"),
    WithJsonSchema({"type": ["number", "string"], "minimum": 0, "maximum": 100}),
]


def _field(title: str, description: str | None = None, **kw: Any) -> Any:
    return Field(title=title, description=description, **kw)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False, frozen=False)


# ---------------------------------------------------------------- 部门总体资金情况


class YearAmounts(Strict):
    """One line of the funding block: 当年 and the two earlier years."""

    current: Money = _field("当年金额")
    prev2: Money = _field("前年金额", "近两年收支金额的第一年（预算年度 − 2）")
    prev1: Money = _field("上年金额", "近两年收支金额的第二年（预算年度 − 1）")

    YEARS: ClassVar[tuple[str, ...]] = ("current", "prev2", "prev1")


def _sum(lines: list[YearAmounts]) -> YearAmounts:
    return YearAmounts(**{y: sum((getattr(x, y) for x in lines), Decimal("0.00")) for y in YearAmounts.YEARS})


class Income(Strict):
    fiscal: YearAmounts = _field(forms.INCOME_PARTS[0])
    special: YearAmounts = _field(forms.INCOME_PARTS[1])
    own: YearAmounts = _field(forms.INCOME_PARTS[2])

    PARTS: ClassVar[tuple[tuple[str, str], ...]] = tuple(
        zip(("fiscal", "special", "own"), forms.INCOME_PARTS, strict=True)
    )

    @property
    def total(self) -> YearAmounts:
        return _sum([self.fiscal, self.special, self.own])


class Expense(Strict):
    personnel: YearAmounts = _field(forms.EXPENSE_PARTS[0])
    operating: YearAmounts = _field(forms.EXPENSE_PARTS[1])
    targeted: YearAmounts = _field(forms.EXPENSE_PARTS[2])

    PARTS: ClassVar[tuple[tuple[str, str], ...]] = tuple(
        zip(("personnel", "operating", "targeted"), forms.EXPENSE_PARTS, strict=True)
    )

    @property
    def total(self) -> YearAmounts:
        return _sum([self.personnel, self.operating, self.targeted])


class Funding(Strict):
    """部门总体资金情况: 收入构成 and 支出构成 (合计 and 占比 are computed, never stored)."""

    income: Income = _field(forms.INCOME)
    expense: Expense = _field(forms.EXPENSE)


# ---------------------------------------------------------------- indicators


class LongIndicator(Strict):
    """One row of 长期绩效指标 (or, with the years, of 年度绩效指标)."""

    level1: Text = _field("一级指标", "例如 运行成本、管理效率、履职效能")
    level2: Text = _field("二级指标", "例如 公用经费控制、核心业务产出1")
    level3: Text = _field("三级指标", "为空表示该二级指标下本单位无指标（整行保留、留空）", default="")
    value: Text = _field("指标值", "如 ≥95%、≤30天、健全", default="")
    basis: Text = _field("指标值确定依据", "计划标准、行业标准、历史标准、预算支出标准或其他标准", default="")
    kind: Text = _field("指标分类", "绩效基本型 或 绩效创新型", default="")


class AnnualIndicator(LongIndicator):
    """One row of 年度绩效指标: the two earlier years, then 预期当年实现值 in ``value``."""

    prev2: Text = _field("近两年指标值（前年）", "预算年度 − 2 的指标值", default="")
    prev1: Text = _field("近两年指标值（上年）", "预算年度 − 1 的指标值", default="")
    value: Text = _field("预期当年实现值", default="")


class LongTerm(Strict):
    deadline: Year | None = _field(
        "长期目标截止年度",
        "打印为 长期目标：（截止2026年）；null 表示表上空着，打印为（截止 年）",
        default=None,
        ge=2000,
        le=2100,
    )
    goal: Text = _field("长期目标", "本部门三年内通过履行职责达到的整体及核心业务效果", default="")
    indicators: list[LongIndicator] = _field(forms.LONG_TABLE, default_factory=list)


class Annual(Strict):
    goal: Text = _field("年度目标", default="")
    indicators: list[AnnualIndicator] = _field(forms.ANNUAL_TABLE, default_factory=list)


class OverallGoals(Strict):
    """整体绩效总目标: numbered goals printed as 目标1：… 目标2：…"""

    long_term: list[Text] = _field("长期目标（分条）", default_factory=list)
    annual: list[Text] = _field("年度目标（分条）", default_factory=list)


# ---------------------------------------------------------------- projects


class SpendPlan(Strict):
    """资金支出计划（%）: cumulative percentages at four checkpoints."""

    mar: Percent = _field(forms.CHECKPOINTS[0])
    jun: Percent = _field(forms.CHECKPOINTS[1])
    oct: Percent = _field(forms.CHECKPOINTS[2])
    dec: Percent = _field(forms.CHECKPOINTS[3])

    CHECKPOINTS: ClassVar[tuple[tuple[str, str], ...]] = tuple(
        zip(("mar", "jun", "oct", "dec"), forms.CHECKPOINTS, strict=True)
    )


class ProjectIndicator(Strict):
    level1: Text = _field("一级指标", "例如 产出指标、效益指标、满意度指标")
    level2: Text = _field("二级指标", "例如 数量指标、成本指标")
    level3: Text = _field("三级指标", default="")
    description: Text = _field("绩效指标描述", default="")
    value: Text = _field("指标值", default="")
    basis: Text = _field("指标值确定依据", default="")


class Project(Strict):
    code: Text = _field("项目编码", "21 位项目编码", default="")
    name: Text = _field("项目名称")
    unit_code: Text = _field("单位编码（项目表头）", "项目表头的单位编码；留空表示本单位", default="")
    unit_name: Text = _field("单位名称（项目表头）", "项目表头的单位名称；留空表示本单位", default="")
    category: Text = _field("支出项目类别", "人员类项目支出、运转类项目支出或特定目标类项目支出", default="")
    total_budget: Money | None = _field("项目总预算", "万元；留空表示与本年度预算相同", default=None)
    budget: Money = _field("预算数", "项目本年度预算（万元）= 财政资金 + 其他资金")
    fiscal: Money | None = _field("其中：财政资金", "万元", default=None)
    other: Money | None = _field("其他资金", "万元；没有可留空", default=None)
    direction: Text = _field("项目主要支出方向和用途", "打印在附件1 项目支出情况中", default="")
    use: Text = _field("资金用途", "打印在项目绩效目标表 预算规模及资金用途 下", default="")
    plan: SpendPlan | None = _field("资金支出计划（%）", default=None)
    goals: list[Text] = _field("绩效目标", "分条填写，打印为 1.… 2.…", default_factory=list)
    indicators: list[ProjectIndicator] = _field("项目绩效指标", default_factory=list)


# ---------------------------------------------------------------- the unit


class Sections(Strict):
    """The optional sections of 附件1 (and its 填报说明); all printed unless switched off."""

    funding: bool = _field("打印 部门总体资金情况", default=True)
    projects: bool = _field("打印 项目支出情况", default=True)
    overall_goals: bool = _field("打印 整体绩效总目标", default=True)
    notes: bool = _field("打印 填报说明", default=True)


class Draft(Strict):
    """Next year's draft (``xlsgen rollover``): what the unit must fill in and what was carried over."""

    from_year: int = _field("草稿所据的预算年度", "滚动前的预算年度", ge=2000, le=2100)
    fill: list[Text] = _field(
        "待填写", "JSON 路径：新年度尚无数据、须由单位填写的内容（草稿中暂为 0.00 或空）", default_factory=list
    )
    review: list[Text] = _field("待核对", "JSON 路径：暂按上年填写、须由单位核对的内容", default_factory=list)


class Unit(Strict):
    """One budget unit: everything its 附件1 and 项目绩效目标表 print."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        title="xlsgen 预算单位绩效目标数据",
        json_schema_extra={"description": "一个预算单位的 部门整体绩效目标申报表 与 项目绩效目标表 数据"},
    )

    schema_: str | None = Field(default=None, alias="$schema", title="JSON Schema 地址（可选）")
    code: PropertyText = _field("单位编码", "例如 450001", min_length=1)
    name: Text = _field("部门（单位）名称", "填写部门（单位）全称", min_length=1)
    parent: PropertyText = _field("主管部门", default="")
    region: PropertyText = _field("所属地区", "例如 怀来县", default="")
    year: Year = _field("预算年度", "例如 2025；近两年即 预算年度−2 与 预算年度−1", ge=2000, le=2100)
    filled_on: _dt.date | None = _field("填报日期", "YYYY-MM-DD，打印为 2024年1月15日", default=None)
    filler: Text = _field("填报人", default="")
    phone: Text = _field("联系电话", default="")
    sections: Sections = _field("可选部分开关", default_factory=Sections)
    funding: Funding | None = _field("部门总体资金情况", default=None)
    functions: list[Text] = _field("部门职能概述", "分条填写，打印为 1.… 2.…", default_factory=list)
    tasks: list[Text] = _field("年度工作任务", "分条填写", default_factory=list)
    projects: list[Project] = _field(
        "项目", "附件1 项目支出情况 与 项目绩效目标表 共用这一份清单", default_factory=list
    )
    project_tree: Literal["common", "cost_first"] = _field(
        "项目指标体系",
        "common：成本指标属产出指标（默认）；cost_first：成本指标为单独的一级指标",
        default="common",
    )
    overall_goals: OverallGoals = _field("整体绩效总目标", default_factory=OverallGoals)
    long_term: LongTerm = _field("长期目标与长期绩效指标")
    annual: Annual = _field("年度目标与年度绩效指标", default_factory=Annual)
    draft: Draft | None = _field(
        "滚动草稿说明", "xlsgen rollover 写入，校验据此提示待填写与待核对之处；填写、核对完毕后删除此字段", default=None
    )

    @model_validator(mode="after")
    def _own_unit_line(self) -> Unit:
        # A project's unit line equal to the unit's own is stored empty, so that a re-imported
        # workbook gives back exactly the same JSON whichever way the file was written.
        for p in self.projects:
            if p.unit_code == self.code and p.unit_name in ("", self.name):
                p.unit_code = p.unit_name = ""
        return self

    @classmethod
    def model_validate(cls, obj: Any, **options: Any) -> Unit:  # type: ignore[override]
        """pydantic's model_validate, through the fast validator (_fast_validator) when it can answer."""
        if cls is Unit and not options:
            return _validated(obj)
        return super().model_validate(obj, **options)

    def to_json(self) -> str:
        """The canonical JSON text of a unit file (UTF-8, two-space indent, fields in model order)."""
        import json

        data = self.model_dump(mode="json", by_alias=True, exclude_none=False)
        if data.get("$schema") is None:
            data.pop("$schema", None)
        if data.get("draft") is None:
            data.pop("draft", None)
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# ---------------------------------------------------------------- validating a unit fast
#
# Validating a unit is mostly its thousand texts, each a call from pydantic-core into _text. The fast
# validator is the model's own core schema with each text's check said in pydantic-core's terms
# (_PLAIN_TEXT: an exact str, short enough, no control character: _text's usual case, which it returns
# unchanged), so a text costs no call into Python. It accepts less than the model (a number for a text,
# a long text within Excel's limit, bytes), never anything else or differently: what it refuses, or
# anything it raises, is validated again by the model itself, which gives the result, the errors and
# their messages as before. The model's classes, schema, JSON schema and serialization are untouched.
# (pydantic-core takes a str subclass by its characters, as _text does unless the subclass redefines
# len(): no file or workbook gives such a value.)
# A unit file whose text shows that none of its strings holds a control character (jsontext.control_free)
# is validated without the pattern (_SHORT_TEXT), the costlier half of a text's check.

TESTED_CORE_VERSIONS = ("2.50.5",)  # pydantic-core: the prebuilt-validator reuse worked around below
_SHORT_TEXT = {"strict": True, "max_length": CELL_LIMIT // 2}
_PLAIN_TEXT = {**_SHORT_TEXT, "pattern": f"^[^{_CONTROL_CLASS}]*$"}


def _validated(obj: Any, control_free: bool = False) -> Unit:
    """``Unit.model_validate(obj)``; ``control_free``: no string in ``obj`` holds a control character."""
    fast = _fast_validator(not control_free)
    if fast is not None:
        try:
            return fast.validate_python(obj)
        except Exception:  # refused (or raised) there: the exact path answers, with its messages
            pass
    return super(Unit, Unit).model_validate(obj)


def _fast_schema(node: Any, models: dict[type, Any], text: dict[str, Any]) -> Any:
    """``node`` with each text's _text call replaced by ``text``; each model class met → its config."""
    if isinstance(node, list):
        return [_fast_schema(n, models, text) for n in node]
    if not isinstance(node, dict):
        return node
    if node.get("type") == "function-before" and node["function"].get("function") is _text:
        inner = node["schema"]
        if inner.get("type") == "str" and not inner.keys() & _PLAIN_TEXT.keys():
            return {**inner, **text}
    if node.get("type") == "model":
        models[node["cls"]] = node.get("config")
    return {k: _fast_schema(v, models, text) for k, v in node.items()}


@lru_cache(maxsize=2)
def _fast_validator(controls: bool = True) -> Any:
    """The fast validator of a Unit, its texts checked for control characters too (_PLAIN_TEXT) or not
    (_SHORT_TEXT), built once per process; None where it cannot be had."""
    import pydantic_core

    if pydantic_core.__version__ not in TESTED_CORE_VERSIONS:
        return None
    models: dict[type, Any] = {}
    text = _PLAIN_TEXT if controls else _SHORT_TEXT
    schema = _fast_schema(Unit.__pydantic_core_schema__, models, text)
    # pydantic-core takes a complete model class's own validator for a model it meets in a schema
    # ("prebuilt"), which would bring back every _text call: the classes are marked incomplete while
    # the fast validator is built from the schema given, and complete again right after.
    complete = {cls: cls.__dict__.get("__pydantic_complete__") for cls in models}
    try:
        for cls in models:
            cls.__pydantic_complete__ = False
        fast = pydantic_core.SchemaValidator(schema, models.get(Unit))
    except Exception:  # a pydantic-core that builds differently: the model alone answers
        return None
    finally:
        for cls, was in complete.items():
            cls.__pydantic_complete__ = was
    probe = {"code": "1", "name": "甲", "year": 2025, "long_term": {}}
    try:
        same = fast.validate_python(probe) == super(Unit, Unit).model_validate(probe)
        fast.validate_python({**probe, "name": 1})  # the model takes the number as its text; this must not
    except pydantic_core.ValidationError:
        return fast if same else None
    return None  # the texts are not checked by ``text``: it would only cost


# ---------------------------------------------------------------- indicator values


class IndicatorValue(NamedTuple):
    comparator: str
    number: Decimal | None
    unit: str
    phrase: str


_VALUE = re.compile(r"^\s*(?P<cmp>≥|≤|>=|<=|=|＝|>|<|＞|＜)?\s*(?P<num>[-+]?\d+(?:\.\d+)?)\s*(?P<unit>[^\d\s].*?)?\s*$")
_COMPARATORS = {">=": "≥", "<=": "≤", "＝": "=", ">": "＞", "<": "＜"}


@lru_cache(maxsize=4096)  # a county repeats the same values (≥95%, 100%) thousands of times
def parse_value(text: str) -> IndicatorValue:
    """Split an indicator value into 计算符号 / 指标值 / 计量单位, or keep it as a phrase.

    >>> parse_value("≥95%")
    IndicatorValue(comparator='≥', number=Decimal('95'), unit='%', phrase='')
    >>> parse_value("稳步推进").phrase
    '稳步推进'
    """
    m = _VALUE.match(text)
    if not m:
        return IndicatorValue("", None, "", text.strip())
    cmp_ = m.group("cmp") or ""
    return IndicatorValue(_COMPARATORS.get(cmp_, cmp_), Decimal(m.group("num")), m.group("unit") or "", "")


# ---------------------------------------------------------------- loading unit files

_MESSAGES = {
    "missing": "缺少必填字段",
    "extra_forbidden": "未知字段（可能是拼写错误），请删除或改正",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "string_type": "应为文本（用双引号括起来）",
    "list_type": "应为列表 [...]",
    "model_type": "应为对象 {...}",
    "dict_type": "应为对象 {...}",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "date_from_datetime_parsing": "应为日期，格式 YYYY-MM-DD",
    "date_parsing": "应为日期，格式 YYYY-MM-DD",
    "date_type": "应为日期，格式 YYYY-MM-DD",
    "literal_error": "取值不在允许范围内",
    "string_too_short": "不能为空",
    "greater_than_equal": "数值太小",
    "less_than_equal": "数值太大",
    "finite_number": "应为有限的数字",
}


def json_path(loc: tuple[Any, ...]) -> str:
    """pydantic's ``('annual', 'indicators', 12, 'value')`` → ``annual.indicators[12].value``."""
    from .jsontext import printable

    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + printable(str(part))
    return out or "（根）"


def explain(error: dict[str, Any]) -> str:
    """One pydantic error as a Chinese sentence."""
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    if error["type"] == "literal_error":
        return f"取值应为 {error['ctx']['expected']} 之一"
    text = _MESSAGES.get(error["type"])
    if text is None:
        return f"取值无效（{error['msg']}）"
    if error["type"] in ("greater_than_equal", "less_than_equal"):
        bound = error["ctx"].get("ge", error["ctx"].get("le"))
        return f"{text}（界限 {bound}）"
    return text


def unit_from_json(text: str | bytes, source: str) -> Unit:
    """Parse and validate a unit file; every problem is named by ``source`` and its JSON path."""
    from pydantic import ValidationError

    from .errors import ERROR, DataError, Location, Problem
    from .jsontext import control_free, decode, loads

    if isinstance(text, bytes):
        text = decode(text, source)
    data = loads(text, source)  # refuses what json.loads would let through (issue 13 §2, §8)
    try:
        return _validated(data, control_free(text))
    except ValidationError as exc:
        raise DataError(
            Problem(ERROR, DataError.code, explain(e), Location(source, json_path(e["loc"]))) for e in exc.errors()
        ) from None
    except RecursionError:  # deep, yet within what the parser allowed
        raise DataError(
            "JSON 嵌套层数过多（单位数据只有几层），文件可能已损坏或不是单位数据", Location(source)
        ) from None


def new_unit(code: str, name: str, year: int) -> Unit:
    """A unit with the whole pre-printed indicator skeleton in place and every value empty."""
    from . import forms

    rows = forms.skeleton_rows()
    return Unit(
        code=code,
        name=name,
        year=year,
        long_term=LongTerm(
            deadline=year + 2,
            indicators=[LongIndicator(level1=a, level2=b, level3=c) for a, b, c in rows],
        ),
        annual=Annual(indicators=[AnnualIndicator(level1=a, level2=b, level3=c) for a, b, c in rows]),
    )


def load_unit(path: str | Any) -> Unit:
    """Read ``path`` (a unit JSON file) into a Unit; errors name the file and the JSON path."""
    from .files import read_unit_bytes

    return unit_from_json(read_unit_bytes(path), str(path))
