"""Shared fixtures: the example units of data/ and small units built in code."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from xlsgen import forms
from xlsgen.model import (
    AnnualIndicator,
    LongIndicator,
    Project,
    ProjectIndicator,
    SpendPlan,
    Unit,
    load_unit,
    new_unit,
)
from xlsgen.render import workbook_bytes

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
EXAMPLES = sorted(DATA.glob("*.json"))


def example(name: str) -> Unit:
    return load_unit(DATA / f"{name}.json")


def open_workbook(unit: Unit, **kw) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(workbook_bytes(unit)), **kw)


def filled_unit(year: int = 2025) -> Unit:
    """A small unit built in code: skeleton rows, every value set, two projects."""
    unit = new_unit("450099", "测试县测试局", year)
    unit.filled_on = __import__("datetime").date(year - 1, 11, 20)
    for i, row in enumerate(unit.long_term.indicators):
        row.value, row.basis, row.kind = f"≥{90 + i % 10}%", forms.BASIS[i % 5], forms.KIND[i % 2]
        row.level3 = row.level3 or f"自定指标{i}"
    for i, row in enumerate(unit.annual.indicators):
        row.prev2, row.prev1, row.value = "≥90%", "≥92%", f"≥{95 + i % 5}%"
        row.basis, row.kind = forms.BASIS[i % 5], forms.KIND[0]
        row.level3 = row.level3 or f"自定指标{i}"
    unit.functions = ["负责全县医疗保障工作。", "负责基金监管。"]
    unit.tasks = ["参保扩面。"]
    unit.long_term.goal = "长期目标正文。"
    unit.annual.goal = "年度目标正文。"
    unit.projects = [
        Project(
            code="13073025P00C89110002Y",
            name=f"项目{i}",
            category="特定目标类项目支出",
            budget="30.00",
            fiscal="20.00",
            other="10.00",
            use="资金用途说明。",
            plan=SpendPlan(mar=25, jun=50, oct=75, dec=100),
            goals=["目标一。", "目标二。"],
            indicators=[
                ProjectIndicator(
                    level1="产出指标",
                    level2="数量指标",
                    level3="甲",
                    description="甲说明",
                    value="≥2次",
                    basis="计划标准",
                ),
                ProjectIndicator(
                    level1="产出指标",
                    level2="数量指标",
                    level3="乙",
                    description="乙说明",
                    value="100%",
                    basis="计划标准",
                ),
                ProjectIndicator(
                    level1="产出指标",
                    level2="成本指标",
                    level3="丙",
                    description="丙说明",
                    value="≤30万元",
                    basis="计划标准",
                ),
                ProjectIndicator(
                    level1="满意度指标",
                    level2="服务对象满意度指标",
                    level3="丁",
                    description="丁",
                    value="≥90%",
                    basis="计划标准",
                ),
            ],
        )
        for i in (1, 2)
    ]
    return Unit.model_validate(unit.model_dump())


@pytest.fixture
def unit() -> Unit:
    return filled_unit()


__all__ = ["AnnualIndicator", "LongIndicator", "example", "filled_unit", "open_workbook"]


@pytest.fixture(autouse=True)
def _signal_handlers() -> Iterator[None]:
    # An interrupted `xlsgen bulk` run in-process (CliRunner) ignores further signals on its way out,
    # as the real process does; the test process gets its own handlers back.
    import signal

    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.fixture
def county(tmp_path: Path) -> Path:
    """The demo county issued (tests/test_season.py, test_collect.py): unit files from the example list
    (examples/单位清单.xlsx), and their workbooks."""
    from click.testing import CliRunner

    from xlsgen.cli import main

    def cli(*args: object):
        return CliRunner().invoke(main, [str(a) for a in args])

    assert cli("units", ROOT / "examples" / "单位清单.xlsx", "-o", tmp_path / "data").exit_code == 0
    result = cli("bulk", tmp_path / "data", "-o", tmp_path / "output", "--jobs", "1", "--silent")
    assert result.exit_code == 0, result.output
    return tmp_path
