"""The season's commands (issue 14): units, collect, rollover, pdf.

They are registered on the main group by ``cli.py``; each is a thin layer over its module.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .errors import XlsgenError
from .progress import fail


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


@click.command("pdf")
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


@click.command("units")
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
        from .files import write_atomic

        try:
            write_atomic(template, list_bytes())
        except XlsgenError as exc:
            fail(str(exc))
            sys.exit(1)
        click.echo(f"已写出空白单位清单 {template}：每行填写一个单位，再运行 xlsgen units {template} -o data/")
        return
    if unit_list is None:
        raise click.UsageError(
            "请给出单位清单文件，例如 xlsgen units 单位清单.xlsx -o data/（或用 --template 生成空白清单）。"
        )
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


@click.command("collect")
@click.argument("returns_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--issued",
    "issued_dir",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="下发时所用的单位 JSON 文件目录（含子目录）。",
)
@click.option(
    "-o",
    "--output",
    "checklist",
    default="收集台账.xlsx",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="要写出的收集台账工作簿（再次运行时更新它，备注列保留；已存在而读不出备注的文件不会被覆盖）。",
)
@click.option("--apply", is_flag=True, help="没有错误的交回同时写回下发的单位 JSON 文件（覆盖原文件）。")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="并行读取交回文件的进程数，默认为 CPU 核数；1 表示在本进程内逐个读取。结果与进程数无关。",
)
@click.option("--silent", is_flag=True, help="不显示进度条（待确认的交回与最后的统计仍会输出）。")
def collect_command(
    returns_dir: Path, issued_dir: Path, checklist: Path, apply: bool, jobs: int | None, silent: bool
) -> None:
    """收集交回的工作簿：逐个读回、对应到下发的单位、校验，并写出收集台账。

    RETURNS_DIR 下（含子目录）的每个 .xlsx 都会读取，文件名随意。对应单位的顺序：工作簿中记录的单位编码（xlsgen 生成时写入文档属性），其次表中的单位编码，最后单位名称；对不上的、或同一单位交回了内容不同的多份，列在“待确认的交回”中，不作猜测。

    读回的数据写在下发文件旁边，名为 <原文件名>.returned.json（批量生成不会把它当作单位）；下发的文件不改动，除非加 --apply（只写回没有错误的交回）。

    收集台账列出每个下发的单位：状态（未交回 / 已交回·有错误 / 已交回·仅警告 / 已交回·通过 / 已交回·多份待确认）、交回文件（可点击打开）、与下发数据相比改动的字段数、错误与警告及其单元格；另有问题清单、改动明细与待确认的交回。交回陆续到来时再次运行即可更新台账，“备注”列中手写的内容保留。

    交回文件由多个进程并行读取（--jobs），读取时显示进度。中断（Ctrl-C）时不写出任何文件：台账、.returned.json 与下发的文件都保持原样，再次运行同一命令即可。

    交回文件中的错误是台账的内容，不影响退出码；有无法读取、对不上单位或多份待确认的交回，或台账无法写入时，退出码为 1。

    \b
    示例：
      xlsgen collect 交回/ --issued data/ -o 收集台账.xlsx
      xlsgen collect 交回/ --issued data/ -o 收集台账.xlsx --apply
      xlsgen collect 交回/ --issued data/ -o 收集台账.xlsx --jobs 4 --silent
    """
    from .collect import collect, read_remarks
    from .ledger import write_ledger
    from .progress import Progress

    progress: Progress | None = None
    unreadable = 0

    def on_done(ret, done: int, total: int) -> None:  # type: ignore[no-untyped-def]
        nonlocal progress, unreadable
        if progress is None:
            progress = Progress(total, enabled=not silent)
        unreadable += not ret.read and bool(ret.problems)
        progress.update(done, unreadable)

    # Ctrl-C or `kill` (SIGTERM): the first lets the returns being read finish, the second stops at once.
    def on_interrupt(count: int) -> None:
        line = (
            "收到中断：不再读取新的交回文件，正在等待读取中的文件完成（再按一次 Ctrl-C 立即停止）……"
            if count == 1
            else "立即停止：正在结束工作进程……"
        )
        if progress is not None:
            progress.message(line)
        else:
            click.echo(line, err=True)

    try:
        remarks = read_remarks(checklist)
    except XlsgenError as exc:
        fail(str(exc))
        sys.exit(1)
    try:
        ledger = collect(
            returns_dir, issued_dir, apply=apply, remarks=remarks, checklist=checklist,
            jobs=jobs, on_done=on_done, on_interrupt=on_interrupt,
        )  # fmt: skip
    finally:
        if progress is not None:
            progress.close()
    if ledger.interrupted:
        fail("已中断：未写出收集台账，.returned.json 与下发的单位文件都未改动；再次运行同一命令即可。")
        sys.stdout.flush()
        sys.stderr.flush()
        if ledger.abandoned:  # a worker pool was given up (bulk._execute): joining its thread would wait for ever
            import os

            os._exit(1)
        import signal

        from .interrupts import SIGNALS

        for sig in SIGNALS:  # the user has asked to stop: a late signal must not kill the process on its way out
            signal.signal(sig, signal.SIG_IGN)
        sys.exit(1)
    if not ledger.entries and not ledger.problems:
        fail(f"{issued_dir} 下没有找到下发的单位 JSON 文件（*.json）。")
        sys.exit(1)
    for problem in ledger.problems:
        click.echo(str(problem), err=True)
    for r in ledger.loose:
        click.echo(f"待确认：{r.path}：{r.reason}", err=True)
    try:
        write_ledger(ledger, checklist)
    except XlsgenError as exc:
        fail(str(exc))
        sys.exit(1)
    click.echo(ledger.line())
    click.echo(f"收集台账：{checklist}")
    if ledger.loose or any(p.level == "错误" for p in ledger.problems):
        sys.exit(1)


@click.command("rollover")
@click.argument("data_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--year", required=True, type=click.IntRange(2001, 2100), help="新的预算年度，例如 2026。")
@click.option(
    "-o",
    "--output",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="写入新年度草稿的目录（按 DATA_DIR 中的相对路径与文件名写入）。",
)
@click.option("--force", is_flag=True, help="覆盖输出目录中已有的草稿文件。")
def rollover_command(data_dir: Path, year: int, out_dir: Path, force: bool) -> None:
    """为每个单位生成下一预算年度的草稿（本年度的数据前移一年）。

    年度绩效指标：上年的“上年”值成为前年，上年的预期当年实现值成为上年，新的预期当年实现值暂按上年填写、标为待核对。部门总体资金情况：同样前移，新的当年金额待填写（草稿中为 0.00）。长期目标截止年度未过则保留，已过则暂定为新年度 + 2 并标为待核对；填报日期清空；单位信息与指标框架保留。

    待填写与待核对之处记在草稿的 draft 字段中：xlsgen validate 与 bulk 的汇总表把每一处列为警告 W-DRAFT，说明要填写或核对什么；草稿除此之外不应有错误。已存在的草稿文件不覆盖（加 --force 覆盖）。某个单位出错只影响它自己；有错误时退出码为 1。

    \b
    示例：
      xlsgen rollover data/ --year 2026 -o data-2026/
      xlsgen bulk data-2026/ -o output-2026/
    """
    from .rollover import rollover

    if out_dir.resolve() == data_dir.resolve() or data_dir.resolve() in out_dir.resolve().parents:
        raise click.UsageError("输出目录不能是 DATA_DIR 或其中的子目录（草稿不能与本年度的文件混在一起）。")
    try:
        result = rollover(data_dir, year, out_dir, force=force)
    except XlsgenError as exc:
        fail(str(exc))
        sys.exit(1)
    for source, target, n_fill, n_review in result.written:
        click.echo(f"已生成 {target}（据 {source}）：待填写 {n_fill} 处，待核对 {n_review} 处")
    for problem in result.problems:
        click.echo(str(problem), err=True)
    errors = sum(p.level == "错误" for p in result.problems)
    if not result.written and not errors:
        fail(f"{data_dir} 下没有找到单位 JSON 文件（*.json）。")
        sys.exit(1)
    click.echo(
        f"共生成 {len(result.written)} 个 {year} 年度草稿，未生成 {errors} 个；用 xlsgen validate 查看每处待填写与待核对的内容"
    )
    if errors:
        sys.exit(1)
