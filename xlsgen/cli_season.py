"""The season's commands (issue 14): units, collect, rollover, pdf.

They are registered on the main group by ``cli.py``; each is a thin layer over its module.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .cli import fail, main
from .errors import XlsgenError


def _workbooks(paths: tuple[Path, ...]) -> list[Path]:
    """The files named, a folder standing for the workbooks in it (the Windows shell expands no ``*``)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(x for x in p.glob("*.xlsx") if not x.name.startswith((".", "~$"))))
        else:
            out.append(p)
    return out


def convert_pdfs(workbooks: list[Path], out_dir: Path, quiet: bool = False) -> int:
    """Convert and report each workbook; returns how many failed. Raises OfficeMissing."""
    from .pdf import convert

    failed = 0

    def done(item) -> None:  # type: ignore[no-untyped-def]
        nonlocal failed
        if item.skipped:
            click.echo(f"跳过：{item.skipped}", err=True)
        elif item.error:
            failed += 1
            fail(item.error)
        elif not quiet:
            click.echo(f"已生成 {item.pdf}")

    convert(workbooks, out_dir, on_done=done)
    return failed


@main.command("pdf")
@click.argument("workbooks", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_dir",
    default="公开",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="PDF 的输出目录，每个工作簿一个同名 .pdf。",
)
def pdf_command(workbooks: tuple[Path, ...], out_dir: Path) -> None:
    """把工作簿转换为 PDF（部门预算公开用的公开版本），每个工作簿一个同名 PDF。

    用 LibreOffice（无界面模式）按工作簿自己的打印设置转换：A4、一页宽、分页与每页表头、页脚页码都与打印出来的一样，字体全部嵌入，在任何电脑上显示相同。参数可以是目录，表示其中所有 .xlsx。

    需要安装 LibreOffice（Debian/Ubuntu：sudo apt-get install libreoffice-calc-nogui fonts-noto-cjk）。汇总表、收集台账等 xlsgen 自己的清单不是申报表，会跳过。某个文件转换失败只影响它本身；PDF 先写入临时目录，完成后才移入输出目录。全部成功退出码为 0，有失败为 1。

    \b
    示例：
      xlsgen pdf output/*.xlsx -o 公开/
      xlsgen pdf output/ -o 公开/
    """
    files = _workbooks(workbooks)
    if not files:
        fail("没有找到要转换的工作簿（.xlsx）。")
        sys.exit(1)
    try:
        failed = convert_pdfs(files, out_dir)
    except XlsgenError as exc:
        fail(str(exc))
        sys.exit(1)
    if failed:
        sys.exit(1)


PUBLIC_DIR = "公开"


def bulk_pdfs(report, out_dir: Path, force: bool) -> int:  # type: ignore[no-untyped-def]
    """``bulk --pdf``: a PDF in ``OUT_DIR/公开/`` of each unit's workbook; returns how many failed.

    A PDF newer than its workbook is up to date and kept (unless ``--force``), as bulk keeps workbooks.
    """
    public = out_dir / PUBLIC_DIR
    todo = []
    for o in report.outcomes:
        if not o.output:
            continue
        xlsx = out_dir / o.output
        pdf = public / (xlsx.stem + ".pdf")
        if not force and pdf.is_file() and xlsx.is_file() and pdf.stat().st_mtime >= xlsx.stat().st_mtime:
            continue
        todo.append(xlsx)
    if not todo:
        click.echo(f"PDF：都已是最新（{public}）")
        return 0
    try:
        failed = convert_pdfs(todo, public, quiet=True)
    except XlsgenError as exc:
        fail(str(exc))
        return 1
    click.echo(f"PDF：转换 {len(todo) - failed} 个，失败 {failed} 个（{public}）")
    return failed


@main.command("units")
@click.argument("unit_list", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_dir",
    default="data",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="单位 JSON 文件所在的目录（已有的单位文件按单位编码在其中查找，含子目录）。",
)
@click.option(
    "--year",
    type=click.IntRange(2000, 2100),
    default=None,
    help="清单中没有预算年度（或某行留空）时使用的预算年度。",
)
@click.option(
    "--template",
    "template",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="不读取清单，而是把空白的单位清单模板写到此文件。",
)
def units_command(unit_list: Path | None, out_dir: Path, year: int | None, template: Path | None) -> None:
    """按单位清单（一个工作簿，每行一个单位）生成或更新每个单位的 JSON 文件。

    清单的表头按名称识别：单位编码（或 单位代码、单位编号）、单位名称（或 部门名称）、主管部门、所属地区、预算年度、填报人、联系电话；列的顺序不限，其他列忽略。新单位的文件与 xlsgen new 生成的一样（预印指标框架已就位），文件名为 <单位编码>-<单位名称>.json。

    已有的单位文件（按单位编码查找）从不被覆盖：只更新名称、主管部门、所属地区、填报人、联系电话（清单中留空的保留原值），已填写的其他内容全部保留。最后列出新建、更新与未变化的单位。

    缺少单位编码或编码重复的行是错误，指明单元格（如 单位清单.xlsx!A7），这些行不生成，其余行照常处理；有错误时退出码为 1。

    \b
    示例：
      xlsgen units --template 单位清单.xlsx
      xlsgen units 单位清单.xlsx -o data/ --year 2025
    """
    from .units import apply_list, list_bytes, read_list

    if template is not None:
        if unit_list is not None:
            raise click.UsageError("--template 只写出空白清单，不能同时给出要读取的清单。")
        if template.exists():
            fail(f"{template} 已存在，未覆盖；请换一个文件名或先删除它。")
            sys.exit(1)
        from .render import write_atomic

        try:
            write_atomic(template, list_bytes())
        except XlsgenError as exc:
            fail(str(exc))
            sys.exit(1)
        click.echo(f"已写出空白单位清单 {template}：每行填写一个单位，再运行 xlsgen units {template} -o data/")
        return
    if unit_list is None:
        raise click.UsageError("请给出单位清单文件，例如 xlsgen units 单位清单.xlsx -o data/（或用 --template 生成空白清单）。")
    try:
        sheet = read_list(unit_list)
        result = apply_list(sheet, out_dir, default_year=year)
    except XlsgenError as exc:
        fail(str(exc))
        sys.exit(1)
    for path, code, name in result.created:
        click.echo(f"新建 {path}（{code} {name}）")
    for path, code, name, changed in result.updated:
        click.echo(f"更新 {path}（{code} {name}）：{'、'.join(changed)}")
    for path, code, name in result.unchanged:
        click.echo(f"未变化 {path}（{code} {name}）")
    for problem in result.problems:
        click.echo(str(problem), err=True)
    click.echo(
        f"共 {len(sheet.rows)} 行：新建 {len(result.created)}，更新 {len(result.updated)}，"
        f"未变化 {len(result.unchanged)}，有错误未处理 {len(sheet.rows) - len(result.created) - len(result.updated) - len(result.unchanged)}"
    )
    if result.errors:
        sys.exit(1)
