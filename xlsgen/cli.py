"""The command line: a thin click layer over the library.

Exit codes: 0 everything done; 1 a data, input or output problem (each named, the others still done);
2 a usage error (click's own).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .errors import XlsgenError
from .model import Unit, load_unit, new_unit
from .render import generate as generate_workbook

SECTIONS = ("funding", "projects", "overall_goals")
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def fail(message: str) -> None:
    click.echo(f"错误：{message}", err=True)


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", message="xlsgen %(version)s")
def main() -> None:
    """xlsgen：从每个单位的 JSON 数据生成《部门整体绩效目标申报表》与《项目绩效目标表》。

    \b
    示例：
      xlsgen generate data/*.json -o output/
    """


@main.command()
@click.argument("units", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_dir",
    default="output",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="输出目录。",
)
@click.option(
    "--without",
    multiple=True,
    type=click.Choice(SECTIONS),
    help="本次不打印的可选部分（可重复）：funding 部门总体资金情况，projects 项目支出情况，overall_goals 整体绩效总目标。",
)
def generate(units: tuple[Path, ...], out_dir: Path, without: tuple[str, ...]) -> None:
    """为每个单位 JSON 文件生成一个工作簿 <单位编码>-<单位名称>.xlsx。

    某个文件有错时给出原因并跳过，其余文件照常生成；有任何失败则退出码为 1。

    \b
    示例：
      xlsgen generate data/阳新县医疗保障服务中心.json -o output/
    """
    sections = {name: False for name in without}
    failed = 0
    for path in units:
        try:
            unit = load_unit(path)
            target = generate_workbook(unit, out_dir, sections)
        except XlsgenError as exc:
            failed += 1
            fail(str(exc))
            continue
        click.echo(f"已生成 {target}")
    if failed:
        sys.exit(1)


@main.command()
@click.option("--code", required=True, help="单位编码，例如 450001。")
@click.option("--name", required=True, help="部门（单位）全称。")
@click.option("--year", required=True, type=click.IntRange(2000, 2100), help="预算年度，例如 2025。")
@click.option(
    "-o",
    "--output",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="要写入的 JSON 文件（- 表示输出到屏幕）。",
)
@click.option("--force", is_flag=True, help="覆盖已存在的文件。")
def new(code: str, name: str, year: int, out: Path, force: bool) -> None:
    """新建一个单位的 JSON 文件：预印的指标框架已就位，指标值留空待填。

    \b
    示例：
      xlsgen new --code 450001 --name 怀来县医疗保障局 --year 2025 -o data/450001.json
    """
    from .render import write_atomic

    unit = new_unit(code, name, year).model_copy(update={"schema_": "../schema/unit.schema.json"})
    text = unit.to_json()
    if str(out) == "-":
        click.echo(text, nl=False)
        return
    if out.exists() and not force:
        fail(f"{out} 已存在；如需覆盖请加 --force。")
        sys.exit(1)
    try:
        write_atomic(out, text.encode("utf-8"))
    except XlsgenError as exc:
        fail(str(exc))
        sys.exit(1)
    click.echo(f"已新建 {out}")


@main.command()
def schema() -> None:
    """输出单位 JSON 文件的 JSON Schema（编辑器可据此自动补全与校验）。

    \b
    示例：
      xlsgen schema > schema/unit.schema.json
    """
    click.echo(schema_text(), nl=False)


def schema_text() -> str:
    import json

    return json.dumps(Unit.model_json_schema(by_alias=True), ensure_ascii=False, indent=2) + "\n"
