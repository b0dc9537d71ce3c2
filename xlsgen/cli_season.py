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
