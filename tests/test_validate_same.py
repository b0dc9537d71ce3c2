"""The validator finds exactly the problems it found before its speed work (issue 15 §1).

The expected problems are computed, in the test, by the validator as it was (tests/validate_ref: a
frozen copy of the rules, the normalisation they read and ``check``), not copied from the output under
test. Compared in full: level, code, message, location and order, on the example data, the seed
fixtures, the blank form, many demo units with random mistakes put in (placeholders, shifted columns,
wrong signs, labels, orders, enumerations, years, drafts, a workbook's shown totals and cells) and
Hypothesis' arbitrary units.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from pydantic import ValidationError

from xlsgen import demo, forms
from xlsgen.model import Unit, load_unit, new_unit
from xlsgen.validate import RULES, check

from . import validate_ref
from .strategies import units

ROOT = Path(__file__).resolve().parent
FILES = sorted((ROOT.parent / "data").glob("*.json")) + sorted((ROOT / "fixtures" / "validate").glob("*.json"))

# Texts that trip one rule or another (or look as if they might and must not).
TEXTS = (
    "……", "...", "。。。", " …… ", "…", "1. ；", "", " ", "目标1：", "2.", "（截止 年）", "（截止2026年）", "截止年底",
    "填报日期： 年 月 日", "年 月 日", "≥", "≥ ", "≥95%", "≥95%≤", "≥1,000万元", "1，000元", "＞＝ 95 ％", "＝0%", "=0%",
    "≤0%", "≤100%", "≥100%", "≥80", "≤30天", "100%", "30 万份", "３０万份", "稳步推进", "无", "基本型", " 绩效基本型",
    "绩效基本型", "绩效创新型", "计划标准", "计划 标准", "年初工作计划", "人员类", "运转类项目支出", "特定目标类项目支出",
    "≤450万元", "≥450万元", "450000元", "≤5%", "≥5%", "1. 第一条", "2. 第二条", "“三公”经费变动率", "“三公经费”变动率",
    "核心业务产出1", "核心业务产出3", "公用经费 控制", "公用经费控制率", "服务对象满意度", "投诉率", "结转结余率",
    "10/10万", "≤10‰", "=1+1", "\n", "\u3000", "2024年1月1日", "产出指标", "成本指标", "经济成本指标", "社会成本指标",
    "数量指标", "效益指标", "满意度指标", "运行成本", "管理效率", "履职效能", "社会效应", "可持续发展", "≤95%", "＜3%",
    "≥0.5亿元", "-5%", "+3", "≥ 95 %", ">=95%", "≤1e5", "12345678901234567890X", "ABC-1", "450001",
)  # fmt: skip
NUMBERS = (-5.0, 0.0, 0.01, 1.0, 25.0, 50.0, 99.99, 100.0, 101.0, 450.0, 99999999.99)


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    if isinstance(node, dict):
        return [leaf for k, v in node.items() if k != "$schema" for leaf in _leaves(v, (*path, k))]
    if isinstance(node, list):
        return [leaf for i, v in enumerate(node) for leaf in _leaves(v, (*path, i))]
    return [(path, node)]


def _set(data: Any, path: tuple[Any, ...], value: Any) -> None:
    for step in path[:-1]:
        data = data[step]
    data[path[-1]] = value


def _rows(data: dict[str, Any], rng: random.Random) -> list[Any] | None:
    tables = [data["long_term"]["indicators"], data["annual"]["indicators"]]
    tables += [p["indicators"] for p in data.get("projects") or []]
    tables = [t for t in tables if t]
    return rng.choice(tables) if tables else None


def mutate(data: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """``data`` with 1–6 random mistakes of the kinds the rules look for."""
    data = copy.deepcopy(data)
    year = data["year"]
    for _ in range(rng.randint(1, 6)):
        leaves = _leaves(data)
        texts = [(p, v) for p, v in leaves if isinstance(v, str) and p[-1] != "project_tree"]
        numbers = [(p, v) for p, v in leaves if isinstance(v, float)]
        op = rng.randrange(12)
        if op <= 3 and texts:  # a tricky text anywhere
            _set(data, rng.choice(texts)[0], rng.choice(TEXTS))
        elif op == 4 and texts:  # a text of this unit in another field (a shifted column)
            _set(data, rng.choice(texts)[0], rng.choice(texts)[1])
        elif op == 5 and numbers:
            _set(data, rng.choice(numbers)[0], rng.choice(NUMBERS))
        elif op == 6 and (rows := _rows(data, rng)):  # a row deleted, doubled or moved
            i = rng.randrange(len(rows))
            kind = rng.randrange(3)
            if kind == 0:
                del rows[i]
            elif kind == 1:
                rows.insert(i, copy.deepcopy(rows[i]))
            else:
                rows.insert(rng.randrange(len(rows)), rows.pop(i))
        elif op == 7:
            data["long_term"]["deadline"] = rng.choice((None, year - 1, year, year + 2, year + 5))
            data["filled_on"] = rng.choice((None, f"{year - 1}-11-20", f"{year + 1}-01-01", "2001-02-03"))
        elif op == 8:
            data["project_tree"] = rng.choice(sorted(forms.PROJECT_TREES))
            data["sections"] = {k: rng.random() < 0.7 for k in ("funding", "projects", "overall_goals", "notes")}
        elif op == 9 and data.get("projects"):
            p = rng.choice(data["projects"])
            key = rng.choice(("plan", "fiscal", "other", "total_budget", "indicators", "goals"))
            p[key] = [] if key in ("indicators", "goals") else None
        elif op == 10:
            which = rng.randrange(4)
            if which == 0:
                data["funding"] = None
            elif which == 1:
                data["projects"] = (data.get("projects") or [])[: rng.randrange(3)]
            elif which == 2:
                data["functions"] = [rng.choice(TEXTS) for _ in range(rng.randrange(4))]
            else:
                data["overall_goals"] = {"long_term": [f"目标{n}：内容" for n in (1, 2)], "annual": ["1.", "2."]}
        else:
            paths = ["filled_on", "tasks", "annual.goal", "projects", "long_term.deadline"]
            paths += ["funding.income.fiscal.current", "annual.indicators[3].value", "annual.indicators[999].value"]
            data["draft"] = {
                "from_year": year - 1,
                "fill": rng.sample(paths, rng.randrange(3)),
                "review": rng.sample(paths, rng.randrange(3)),
            }
    return data


def shown_of(unit: Unit, rng: random.Random) -> dict[str, Any]:
    """What a workbook might show in its computed cells: right, wrong, text or empty."""
    shown: dict[str, Any] = {}
    if unit.funding is None:
        return shown
    for side in ("income", "expense"):
        block = getattr(unit.funding, side)
        for y in ("current", "prev2", "prev1"):
            if rng.random() < 0.5:
                right = getattr(block.total, y)
                shown[f"funding.{side}.total.{y}"] = rng.choice(
                    (float(right), str(right), float(right) + 1, "", None, "abc")
                )
        for key, _ in block.PARTS:
            if rng.random() < 0.5:
                total = block.total.current
                share = getattr(block, key).current / total if total else 0
                shown[f"funding.{side}.{key}.share"] = rng.choice((float(share), f"{share:.1%}", 35.5, "", True, "x%"))
        if rng.random() < 0.5:
            shown[f"funding.{side}.total.share"] = rng.choice((1, "100%", 0.99, "", None))
    return shown


def cells_of(data: dict[str, Any], rng: random.Random) -> dict[str, str]:
    """Cells for some of the unit's fields, as the reader records them (``sheet!A1``)."""
    cells = {}
    for n, (path, _) in enumerate(_leaves(data)):
        if rng.random() < 0.3:
            text = "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in path).lstrip(".")
            cells[text] = f"表{n % 3}!A{n + 1}"
    return cells


def assert_same(unit: Unit, **kw: Any) -> list[Any]:
    expected = validate_ref.check(unit, **kw)
    assert check(unit, **kw) == expected
    return expected


def test_the_reference_has_the_same_rules_in_the_same_order() -> None:
    assert [(r.code, r.number, r.title) for r in validate_ref.RULES] == [(r.code, r.number, r.title) for r in RULES]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_example_data_and_seed_fixtures(path: Path) -> None:
    assert_same(load_unit(path), source=str(path))


def test_the_seed_fixtures_do_have_problems_to_compare() -> None:
    found = {p.code for path in FILES for p in validate_ref.check(load_unit(path))}
    assert {"E-PLACEHOLDER", "W-DIRECTION", "W-ENUM-SHORT", "W-COST-PERCENT"} <= found


def test_blank_forms() -> None:
    assert_same(new_unit("450001", "怀来县医疗保障局", 2025))
    blank = new_unit("450001", "怀来县医疗保障局", 2025)
    blank.functions = ["1. ；", "……"]
    assert_same(blank)


def _corpus() -> list[dict[str, Any]]:
    bases = [json.loads(u.to_json()) for _, u in demo.county_units(40, seed=7)]
    bases += [json.loads(p.read_text("utf-8")) for p in FILES]
    return bases


def test_demo_and_seed_units_with_random_mistakes() -> None:
    rng = random.Random(15)
    bases = _corpus()
    codes: set[str] = set()
    compared = 0
    for n in range(400):
        data = mutate(bases[n % len(bases)], rng)
        try:
            unit = Unit.model_validate(data)
        except ValidationError:
            continue  # a mistake the model itself refuses (E-LOAD), not the rules' business
        kw: dict[str, Any] = {"source": f"u{n}.json"}
        if n % 3 == 0:
            kw["shown"] = shown_of(unit, rng)
        if n % 4 == 0:
            kw["cells"] = cells_of(data, rng)
        codes.update(p.code for p in assert_same(unit, **kw))
        compared += 1
    assert compared > 300
    # Every rule fired somewhere, so every rule's findings were compared.
    assert {r.code for r in RULES} - codes == set()


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(units())
def test_arbitrary_units(unit: Unit) -> None:
    assert_same(unit, source="x.json")
