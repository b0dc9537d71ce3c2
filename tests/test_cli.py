"""The command line: exit codes, exact messages, nothing written on failure."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from xlsgen.cli import main, schema_text

from .conftest import ROOT, filled_unit


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def test_generate_writes_code_name_file(tmp_path: Path) -> None:
    src = write(tmp_path, "u.json", filled_unit().to_json())
    result = run("generate", str(src), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "450099-测试县测试局.xlsx").is_file()


def test_lock_protects_generate_and_bulk_output_and_says_what_it_prevents(tmp_path: Path) -> None:
    import openpyxl

    (tmp_path / "d").mkdir()
    src = write(tmp_path / "d", "u.json", filled_unit().to_json())
    for args, out in ((("generate", str(src)), "g"), (("bulk", str(src.parent)), "b")):
        plain = run(*args, "-o", str(tmp_path / out))
        assert plain.exit_code == 0, plain.output
        book = tmp_path / out / "450099-测试县测试局.xlsx"
        assert not openpyxl.load_workbook(book).worksheets[0].protection.sheet
        locked = run(*args, "-o", str(tmp_path / out), "--lock")  # bulk: an unchanged unit is redone locked
        assert locked.exit_code == 0, locked.output
        assert openpyxl.load_workbook(book).worksheets[0].protection.sheet, args[0]
        assert "插入或删除行" in run(args[0], "--help").output


def test_typo_in_a_key_is_refused_with_its_path_and_no_file(tmp_path: Path) -> None:
    data = json.loads(filled_unit().to_json())
    data["annual"]["indicators"][3]["vaule"] = "≥1"
    src = write(tmp_path, "typo.json", json.dumps(data, ensure_ascii=False))
    out = tmp_path / "out"
    result = run("generate", str(src), "-o", str(out))
    assert result.exit_code == 1
    assert f"错误：{src}: annual.indicators[3].vaule：未知字段（可能是拼写错误），请删除或改正" in result.output
    assert "Traceback" not in result.output
    assert not out.exists() or not list(out.iterdir())


def test_malformed_json_gives_exit_1_and_others_still_done(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.json", '{"code": "1",')
    good = write(tmp_path, "good.json", filled_unit().to_json())
    out = tmp_path / "out"
    result = run("generate", str(bad), str(good), "-o", str(out))
    assert result.exit_code == 1
    assert f"错误：{bad}：第 1 行第 14 列不是合法的 JSON" in result.output
    assert [p.name for p in out.iterdir()] == ["450099-测试县测试局.xlsx"]


def test_missing_file_is_exit_1(tmp_path: Path) -> None:
    result = run("generate", str(tmp_path / "nope.json"), "-o", str(tmp_path))
    assert result.exit_code == 1
    assert "无法读取文件" in result.output


def test_usage_error_is_exit_2() -> None:
    assert run("generate").exit_code == 2
    assert run("generate", "x.json", "--without", "everything").exit_code == 2


def test_unwritable_output_is_exit_1_with_a_hint(tmp_path: Path) -> None:
    src = write(tmp_path, "u.json", filled_unit().to_json())
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("generate", str(src), "-o", str(blocker / "sub"))
    assert result.exit_code == 1
    assert "无法写入" in result.output


def test_new_writes_skeleton_and_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "new.json"
    args = ("new", "--code", "450001", "--name", "怀来县医疗保障局", "--year", "2025", "-o", str(out))
    assert run(*args).exit_code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["code"] == "450001" and data["long_term"]["deadline"] == 2027
    assert len(data["annual"]["indicators"]) == 37
    again = run(*args)
    assert again.exit_code == 1 and "已存在" in again.output
    assert run(*args, "--force").exit_code == 0


def test_new_file_generates(tmp_path: Path) -> None:
    out = tmp_path / "n.json"
    run("new", "--code", "9", "--name", "新单位", "--year", "2026", "-o", str(out))
    assert run("generate", str(out), "-o", str(tmp_path)).exit_code == 0


def test_committed_schema_is_current() -> None:
    committed = (ROOT / "schema" / "unit.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(), "schema/unit.schema.json is stale: run `xlsgen schema > schema/unit.schema.json`"


def test_schema_carries_chinese_titles() -> None:
    schema = json.loads(schema_text())
    assert schema["properties"]["name"]["title"] == "部门（单位）名称"
    assert schema["$defs"]["AnnualIndicator"]["properties"]["prev2"]["title"] == "近两年指标值（前年）"
    assert schema["additionalProperties"] is False


def test_every_command_help_ends_with_an_example() -> None:
    for name, command in main.commands.items():
        text = command.help or ""
        assert "示例：" in text, f"{name} help has no example"


def test_python_dash_m(tmp_path: Path) -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "xlsgen", "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "xlsgen" in result.stdout


def test_an_unexpected_error_is_one_line_and_exit_1(tmp_path: Path, monkeypatch) -> None:
    src = write(tmp_path, "u.json", filled_unit().to_json())

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("xlsgen.render.generate", broken)
    monkeypatch.delenv("XLSGEN_DEBUG", raising=False)
    result = CliRunner().invoke(main, ["generate", "--force", str(src), "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert "xlsgen 内部错误（RuntimeError: boom）" in result.output
    assert "Traceback" not in result.output


def test_readme_lists_every_problem_code() -> None:
    from xlsgen.validate import codes_markdown

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert codes_markdown() in readme, "README's code table is stale: paste validate.codes_markdown() into it"


def test_readme_shows_the_two_commands_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install -e . && xlsgen bulk data/ -o output/" in readme
    assert "pip install -e '.[test]' && pytest" in readme
    assert "pip install -q -e '.[test]'" in ci and "\npytest\n" in ci


def test_the_wheel_carries_the_templates(tmp_path: Path) -> None:
    # `pip install .` (not -e) once left the templates behind: every generate failed with TemplateNotFound.
    import shutil
    import subprocess
    import sys
    import zipfile

    src = tmp_path / "src"  # a copy: setuptools builds in the source tree
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for name in ("xlsgen", "templates"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(src)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("xlsgen-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = sorted(p.name for p in (ROOT / "templates").glob("*.j2"))
    assert templates and {f"xlsgen/templates/{t}" for t in templates} <= names


def test_usage_errors_and_help_headings_are_in_chinese() -> None:
    result = run("new", "--code", "1", "--name", "某局", "--year", "abc", "-o", "-")
    assert result.exit_code == 2
    assert "错误：'--year' 的值无效：'abc' 不是有效的数字。" in result.stderr
    assert "new --help' 查看帮助。" in result.stderr
    assert "Error" not in result.stderr
    help_text = run("bulk", "--help").output
    assert "用法:" in help_text and "选项:" in help_text and "显示本帮助并退出。" in help_text
    assert "Show this message" not in help_text


def test_without_notes_prints_no_instructions_and_import_says_so(tmp_path: Path) -> None:
    from xlsgen.read import read_workbook

    src = write(tmp_path, "u.json", filled_unit().to_json())
    result = run("generate", str(src), "-o", str(tmp_path / "out"), "--without", "notes")
    assert result.exit_code == 0, result.output
    book = tmp_path / "out" / "450099-测试县测试局.xlsx"
    import openpyxl

    ws = openpyxl.load_workbook(book).worksheets[0]
    assert not any(str(c.value or "").startswith("填报说明") for row in ws.iter_rows() for c in row)
    back = read_workbook(book).unit
    assert back.sections.notes is False and back.sections.funding is True
    assert "notes 表末的填报说明" in run("generate", "--help").output
