"""Normalisation: explicit, reported path by path, and exactly what the validator warns about."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from xlsgen import forms
from xlsgen.cli import main
from xlsgen.errors import DataError
from xlsgen.model import Unit, load_unit, parse_value
from xlsgen.normalize import (
    Change,
    apply,
    changes,
    fix_category,
    fix_kind,
    fix_label,
    fix_value,
    normalize_file,
    normalized,
)
from xlsgen.validate import check

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "validate"
SEED_000 = FIXTURES / "seed_000.json"
GOOD = FIXTURES / "good.json"

# Warnings the validator gives for what normalize fixes, by the kind of change.
NORMALISABLE = {
    "W-VALUE-FORMAT": "value",
    "W-ENUM-SHORT": "enum",
    "W-LABEL-VARIANT": "label",
    "W-NUMBERING": "numbering",
}


# ---------------------------------------------------------------- field fixers


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("＝0%", "=0%"),  # 000 long-term “三公经费”变动率
        ("==100%", "=100%"),
        (">=95%", "≥95%"),
        ("＞＝90%", "≥90%"),
        ("≧90%", "≥90%"),
        ("<=30天", "≤30天"),
        (">90%", "＞90%"),  # forms.md §3: ＞ ＜ are the full-width ones
        ("<5%", "＜5%"),
        ("90 万份", "90万份"),  # 000 核心业务产出 1
        ("≥ 95 %", "≥95%"),
        ("≥９５％", "≥95%"),
        ("\u300030 万 份 ", "30万份"),
    ],
)
def test_value_is_rewritten_to_the_canonical_spelling(text: str, canonical: str) -> None:
    fix = fix_value(text)
    assert fix is not None and fix.new == canonical and fix.reason
    parsed = parse_value(canonical)
    assert parsed.number is not None and canonical.startswith(parsed.comparator)


@pytest.mark.parametrize(
    "text",
    [
        "≥95%",
        "＞90%",
        "＜5%",
        "=100%",
        "≤3.41万元",
        "100%",
        "稳步推进",
        "明确、具体、可操作",
        "",
        "3-5月、9-10月完成",
        "≥良好",
    ],
)
def test_canonical_values_and_phrases_are_left_alone(text: str) -> None:
    assert fix_value(text) is None


def test_a_phrase_is_only_trimmed() -> None:
    fix = fix_value(" 参保覆盖面 明显提升 ")
    assert fix is not None and fix.new == "参保覆盖面 明显提升"


@pytest.mark.parametrize(
    ("fixer", "text", "expected"),
    [
        (fix_kind, "基本型", "绩效基本型"),  # 000
        (fix_kind, "创新型", "绩效创新型"),
        (fix_kind, "绩效 基本型", "绩效基本型"),
        (fix_category, "人员类", "人员类项目支出"),
        (fix_category, "特定目标类", "特定目标类项目支出"),
        (fix_category, " 运转类项目支出", "运转类项目支出"),
        (fix_label, "“三公”经费变动率", "“三公经费”变动率"),
        (fix_label, '"三公经费"变动率', "“三公经费”变动率"),
        (fix_label, "核心业务产出1", "核心业务产出 1"),
        (fix_label, "核心业务产出25", "核心业务产出 25"),
        (fix_label, "公用经费 控制率", "公用经费控制率"),
        (fix_label, "项目支出成本控制 ", "项目支出成本控制"),
    ],
)
def test_enumerations_and_labels(fixer: Any, text: str, expected: str) -> None:
    fix = fixer(text)
    assert fix is not None and fix.new == expected


@pytest.mark.parametrize(
    ("fixer", "text"),
    [
        (fix_kind, "绩效基本型"),
        (fix_kind, "无200万元以上项目"),
        (fix_category, "专项"),
        (fix_label, "核心业务产出 3"),
        (fix_label, "参加基本医疗保险人数"),
    ],
)
def test_canonical_or_unknown_text_is_left_alone(fixer: Any, text: str) -> None:
    assert fixer(text) is None


def test_every_printed_label_is_its_own_canonical_form() -> None:
    labels = {x for l1, l2, l3s in forms.SKELETON for x in (l1, l2, *l3s)}
    labels |= {x for tree in forms.PROJECT_TREES.values() for l1, l2s in tree for x in (l1, *l2s)}
    assert [label for label in labels if fix_label(label) is not None] == []
    assert all(fix_label(variant).new == label for variant, label in forms.LABEL_VARIANTS.items())  # type: ignore[union-attr]


# ---------------------------------------------------------------- a whole unit


def seed() -> Unit:
    return load_unit(SEED_000)


def test_changes_of_the_000_seed_name_each_field() -> None:
    unit = seed()
    found = {c.path: c for c in changes(unit)}
    three = next(i for i, r in enumerate(unit.long_term.indicators) if r.level3 == "“三公经费”变动率")
    assert (found[f"long_term.indicators[{three}].value"].old, found[f"long_term.indicators[{three}].value"].new) == (
        "＝0%",
        "=0%",
    )
    leaflet = next(i for i, r in enumerate(unit.annual.indicators) if r.level3 == "印制医保政策宣传折页数量")
    assert found[f"annual.indicators[{leaflet}].prev2"].new == "30万份"
    assert f"annual.indicators[{leaflet}].prev1" not in found  # 30万份 was already right
    kinds = [p for p, c in found.items() if p.endswith(".kind")]
    assert len(kinds) == sum(r.kind == "基本型" for r in [*unit.long_term.indicators, *unit.annual.indicators])


def test_normalised_unit_has_no_normalisable_warnings_and_is_stable() -> None:
    unit = seed()
    fixed = normalized(unit)
    assert changes(fixed) == []
    assert not [p for p in check(fixed) if p.code in NORMALISABLE]
    assert unit.long_term.indicators[0].kind == "基本型"  # the original is left untouched


def test_validator_warns_exactly_where_normalize_would_change() -> None:
    unit = seed()
    warned = {(p.path, NORMALISABLE[p.code]) for p in check(unit) if p.code in NORMALISABLE}
    found = changes(unit)
    # A short option repeated down a table (000: 基本型 on every row) is one warning, at its first row.
    first_of_table: dict[tuple[str, str, str], Change] = {}
    for c in found:
        if c.kind == "enum":
            first_of_table.setdefault((c.path.split(".", 1)[0], c.path.rsplit(".", 1)[1], c.old), c)
    expected = {(c.path, c.kind) for c in found if c.kind != "enum"}
    expected |= {(c.path, c.kind) for c in first_of_table.values()}
    assert warned == expected
    assert len(first_of_table) == 2 and sum(c.kind == "enum" for c in found) == 72


def test_self_numbered_items_only_when_the_whole_list_is_numbered() -> None:
    data = json.loads(GOOD.read_text(encoding="utf-8"))
    data["functions"] = ["1.承担医疗保障经办业务；", "2、负责基金收支管理；", "3. 负责信息化建设。"]
    data["tasks"] = ["2024年完成参保扩面。"]
    data["overall_goals"]["annual"] = ["目标1：参保率稳定在90%以上。", "目标 2:基金支付准确率达95%以上。"]
    found = {c.path: c.new for c in changes(Unit.model_validate(data))}
    assert found == {
        "functions[0]": "承担医疗保障经办业务；",
        "functions[1]": "负责基金收支管理；",
        "functions[2]": "负责信息化建设。",
        "overall_goals.annual[0]": "参保率稳定在90%以上。",
        "overall_goals.annual[1]": "基金支付准确率达95%以上。",
    }


def test_apply_writes_into_plain_data() -> None:
    unit = seed()
    data = json.loads(SEED_000.read_text(encoding="utf-8"))
    found = changes(unit)
    apply(data, found)
    assert Unit.model_validate(data) == normalized(unit, found)


# ---------------------------------------------------------------- files


def test_normalize_file_rewrites_only_the_changed_fields(tmp_path: Path) -> None:
    path = tmp_path / "u.json"
    original = json.loads(SEED_000.read_text(encoding="utf-8"))
    original.pop("overall_goals")  # a field the file leaves out must stay out
    path.write_text(json.dumps(original, ensure_ascii=False), encoding="utf-8")
    found = normalize_file(path)
    assert found
    after = json.loads(path.read_text(encoding="utf-8"))
    assert "overall_goals" not in after
    expected = apply(copy.deepcopy(original), found)
    assert after == expected
    assert normalize_file(path) == []


def test_check_only_does_not_write(tmp_path: Path) -> None:
    path = tmp_path / "u.json"
    path.write_bytes(SEED_000.read_bytes())
    assert normalize_file(path, write=False)
    assert path.read_bytes() == SEED_000.read_bytes()


def test_an_unchanged_file_is_not_touched(tmp_path: Path) -> None:
    path = tmp_path / "good.json"
    path.write_bytes(GOOD.read_bytes().replace(b"\n", b"\r\n"))  # any formatting of its own
    before = path.stat().st_mtime_ns, path.read_bytes()
    assert normalize_file(path) == []
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before


def test_an_invalid_file_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"code": ', encoding="utf-8")
    with pytest.raises(DataError, match="不是合法的 JSON"):
        normalize_file(path)
    assert path.read_text(encoding="utf-8") == '{"code": '


# ---------------------------------------------------------------- the command


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cli_normalize_prints_each_change_and_rewrites(tmp_path: Path) -> None:
    path = tmp_path / "u.json"
    path.write_bytes(SEED_000.read_bytes())
    found = changes(load_unit(path))
    result = run("normalize", str(path))
    assert result.exit_code == 0, result.output
    for c in found:
        assert f"{path}: {c.path}：「{c.old}」→「{c.new}」" in result.stdout
    assert f"已修正 {path}（{len(found)} 处）" in result.stdout
    assert changes(load_unit(path)) == []
    assert "无需修正" in run("normalize", str(path)).stdout


def test_cli_normalize_check_reports_and_exits_1_without_writing(tmp_path: Path) -> None:
    path = tmp_path / "u.json"
    path.write_bytes(SEED_000.read_bytes())
    result = run("normalize", "--check", str(path))
    assert result.exit_code == 1
    assert "需要修正" in result.stdout
    assert path.read_bytes() == SEED_000.read_bytes()
    clean = tmp_path / "good.json"
    clean.write_bytes(GOOD.read_bytes())
    assert run("normalize", "--check", str(clean)).exit_code == 0


def test_cli_normalize_refuses_a_workbook_and_goes_on(tmp_path: Path) -> None:
    book = tmp_path / "u.xlsx"
    book.write_bytes(b"PK")
    path = tmp_path / "u.json"
    path.write_bytes(SEED_000.read_bytes())
    result = run("normalize", str(book), str(path))
    assert result.exit_code == 1
    assert "只能修正单位 JSON 文件" in result.stderr
    assert changes(load_unit(path)) == []
