"""Issue 13: hostile unit files through every command, each refused where it is wrong, the others done.

Every bad file here once gave an internal error, a traceback, a silent change or a whole run lost. Each
must now give a Chinese message naming the file and the line/column or JSON path, exit 1, and leave the
other files of the same command (and the other units of a bulk run) processed.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from xlsgen.cli import main
from xlsgen.model import CELL_LIMIT, PROPERTY_LIMIT, Unit
from xlsgen.read import read_bytes
from xlsgen.render import workbook_bytes

from .conftest import filled_unit

GOOD = filled_unit().to_json()


def unit_text(**changes: object) -> str:
    data = json.loads(GOOD)
    data.update(changes)
    return json.dumps(data, ensure_ascii=False, indent=2)


def replaced(pattern: str, new: str) -> str:
    text, n = re.subn(pattern, new, GOOD, count=1)
    assert n == 1, pattern
    return text


NESTED_FIELD = replaced(r'"functions": \[', '"functions": ' + "[" * 3000 + "]" * 2999 + ", [")
_before = NESTED_FIELD[: NESTED_FIELD.index("[[")]
NESTED_LINE, NESTED_COL = _before.count("\n") + 1, len(_before) - _before.rfind("\n")

# name → (file text, what the message must say after "<file>：")
BAD: dict[str, tuple[str, str]] = {
    "嵌套.json": ("[" * 1000 + "]" * 1000, "第 1 行第 101 列：JSON 嵌套超过 100 层"),
    # The whole unit is one level: the 100th "[" is the 101st level.
    "嵌套字段.json": (NESTED_FIELD, f"第 {NESTED_LINE} 行第 {NESTED_COL + 99} 列：JSON 嵌套超过 100 层"),
    "代理项.json": (replaced(r'"name": "', '"name": "\\\\ud800'), "name：文本中含有无效的 \\u 转义"),
    "代理项键.json": (replaced(r'"name": "', '"\\\\udc00": 1, "name": "'), "\\udc00：键名中含有无效的 \\u 转义"),
    "年份位数.json": (replaced(r'"year": \d+', '"year": ' + "9" * 5000), "year：数字有 5000 位"),
    "年份布尔.json": (replaced(r'"year": \d+', '"year": true'), "year：应为整数年份（例如 2025），而不是 true"),
    "截止年布尔.json": (replaced(r'"deadline": \d+', '"deadline": false'), "long_term.deadline：应为整数年份"),
    "重复键.json": (replaced(r'"name": "', '"code": "999", "name": "'), "code：键“code”出现了不止一次"),
    "重复键深处.json": (
        replaced(r'"level1": "', '"level2": "x", "level1": "'),
        "projects[0].indicators[0].level2：键“level2”出现了不止一次",
    ),
    "超长.json": (
        unit_text(filler="长" * (CELL_LIMIT + 1)),
        f"filler：文本有 {CELL_LIMIT + 1} 个字符，超过 Excel 单元格的上限",
    ),
    "超长表情.json": (unit_text(filler="😀" * (CELL_LIMIT // 2 + 1)), "filler：文本有 32768 个字符"),
    "年份无穷.json": (replaced(r'"year": \d+', '"year": 1e400'), "year：应为有限的数字"),
    # Carried in the workbook's document properties, whose text Excel caps (xlsxwriter only warned).
    "超长地区.json": (
        unit_text(region="县" * (PROPERTY_LIMIT + 1)),
        f"region：文本有 {PROPERTY_LIMIT + 1} 个字符，超过 Excel 文档属性的上限 {PROPERTY_LIMIT} 个字符",
    ),
    "超长主管表情.json": (unit_text(parent="😀" * (PROPERTY_LIMIT // 2 + 1)), "parent：文本有 256 个字符"),
}


def clean(result) -> str:  # type: ignore[no-untyped-def]
    text = result.output
    assert "Traceback" not in text and "内部错误" not in text and "E-BUG" not in text, text
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return text


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {}
    for name, (text, _) in BAD.items():
        paths[name] = tmp_path / "in" / name
        paths[name].parent.mkdir(exist_ok=True)
        paths[name].write_text(text, encoding="utf-8")
    good = tmp_path / "in" / "好.json"
    good.write_text(GOOD, encoding="utf-8")
    paths["好.json"] = good
    return paths


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args))


def located(file: Path, expected: str) -> str:
    """``<file>: <json path>：<message>``, or ``<file>：<message>`` for a place given by line and column."""
    return f"{file}：{expected}" if expected.startswith("第 ") else f"{file}: {expected}"


def assert_each_located(output: str, files: dict[str, Path], prefix: str = "") -> None:
    for name, (_, expected) in BAD.items():
        assert f"{prefix}{located(files[name], expected)}" in output, (name, output[-3000:])


def test_generate(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("generate", *map(str, files.values()), "-o", str(out))
    assert result.exit_code == 1
    assert_each_located(clean(result), files, "错误：")
    assert [p.name for p in out.iterdir()] == ["450099-测试县测试局.xlsx"]


def test_validate(files: dict[str, Path]) -> None:
    result = run("validate", *map(str, files.values()))
    assert result.exit_code == 1
    output = clean(result)
    for name, (_, expected) in BAD.items():
        # validate prints "错误 E-LOAD <file>: <path>：<message>" or "错误 E-LOAD <file>：<message>"
        where, _, message = expected.partition("：")
        assert re.search(rf"E-LOAD {re.escape(str(files[name]))}(: |：){re.escape(where)}", output), (name, output)
        assert message.split("（")[0] in output, name


def test_normalize(files: dict[str, Path]) -> None:
    before = {n: p.read_bytes() for n, p in files.items()}
    result = run("normalize", *map(str, files.values()))
    assert result.exit_code == 1
    assert_each_located(clean(result), files, "错误：")
    assert {n: p.read_bytes() for n, p in files.items()} == before  # nothing rewritten


def test_diff(files: dict[str, Path]) -> None:
    for name in BAD:
        result = run("diff", str(files["好.json"]), str(files[name]))
        assert result.exit_code == 1, name
        output = clean(result)
        assert f"错误：{located(files[name], BAD[name][1])}" in output, (name, output)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_bulk(files: dict[str, Path], tmp_path: Path, jobs: str) -> None:
    out = tmp_path / f"out{jobs}"
    # Several bad files keep the good one's code; bulk would rightly refuse both of two equal codes.
    files["好.json"].write_text(unit_text(code="450100"), encoding="utf-8")
    result = run("bulk", str(files["好.json"].parent), "-o", str(out), "--jobs", jobs, "--silent")
    assert result.exit_code == 1
    output = clean(result)
    assert f"共 {len(files)} 个单位：成功 1，" in output
    for name in BAD:
        assert f"失败：{files[name]}：" in output, name
    assert sorted(p.name for p in out.glob("*.xlsx")) == ["450100-测试县测试局.xlsx", "汇总表.xlsx"]


def test_text_too_long_only_once_joined_is_refused_even_forced(tmp_path: Path) -> None:
    # Each item fits in a cell; printed together as "1.… 2.…" in one cell, they do not.
    src = tmp_path / "分条.json"
    src.write_text(unit_text(functions=["职" * 20_000, "能" * 20_000]), encoding="utf-8")
    out = tmp_path / "out"
    result = run("generate", str(src), "-o", str(out), "--force")
    assert result.exit_code == 1
    output = clean(result)
    assert (
        f"错误：{src}: functions：要打印在一个单元格中的内容有 40005 个字符" in output
    )  # "1." + 20000 + "\n" + "2." + 20000
    assert not out.exists() or not list(out.glob("*.xlsx"))


def test_text_at_the_limit_is_written_whole(tmp_path: Path) -> None:
    import openpyxl

    src = tmp_path / "满.json"
    src.write_text(unit_text(filler="满" * CELL_LIMIT), encoding="utf-8")
    out = tmp_path / "out"
    result = run("generate", str(src), "-o", str(out), "--force")
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(next(out.glob("*.xlsx"))).worksheets[0]
    assert any(c.value == "满" * CELL_LIMIT for row in ws.iter_rows() for c in row)


def test_utf16_with_bom_is_read_and_cesu_surrogates_are_not(tmp_path: Path) -> None:
    notepad = tmp_path / "记事本.json"
    notepad.write_bytes(GOOD.encode("utf-16"))
    cesu = tmp_path / "cesu.json"
    cesu.write_bytes(GOOD.encode().replace(b'"filler": "', b'"filler": "\xed\xa0\x80', 1))  # a surrogate, encoded
    result = run("validate", str(notepad), str(cesu))
    assert result.exit_code == 1
    output = clean(result)
    assert f"E-LOAD {cesu}：文件不是 UTF-8 编码的文本" in output
    assert f"E-LOAD {notepad}" not in output  # the Notepad file is read (its warnings are the unit's own)
    assert f"W-DIRECTION {notepad}" in output


def test_diff_of_a_group_of_fields_that_appeared(tmp_path: Path) -> None:
    # Found by the fuzz tests: a project's spending plan removed made diff recurse for ever.
    data = json.loads(GOOD)
    data["projects"][0]["plan"] = None
    new = tmp_path / "无计划.json"
    new.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    old = tmp_path / "好.json"
    old.write_text(GOOD, encoding="utf-8")
    result = run("diff", str(old), str(new))
    assert result.exit_code == 0
    assert "projects[0].plan：“4 个字段” → （空）" in clean(result)


def test_the_longest_document_property_texts_go_through_without_a_warning() -> None:
    unit = Unit.model_validate(
        {**json.loads(GOOD), "parent": "部" * PROPERTY_LIMIT, "region": "😀" * (PROPERTY_LIMIT // 2) + "县"}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # xlsxwriter's English warning would reach the user's terminal
        back = read_bytes(workbook_bytes(unit), "长.xlsx").unit
    assert (back.parent, back.region) == (unit.parent, unit.region)
