"""The command line: a thin click layer over the library.

Exit codes: 0 everything done; 1 a data, input or output problem (each named, the others still done);
2 a usage error (click's own).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .errors import XlsgenError
from .progress import fail

# The model (pydantic), the layout (Jinja) and the writer (xlsxwriter) are imported by the commands that
# use them: `xlsgen --help` or a usage error should not pay for them.

F = TypeVar("F", bound=Callable[..., Any])
SECTIONS = ("funding", "projects", "overall_goals", "notes")  # pipeline.SECTIONS (tested equal): no import here
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


# click's own words (headings, usage errors), in the language of the rest of the help. click looks its
# texts up through gettext at call time, so a lookup table put in their place covers every command.
_CLICK_ZH = {
    "Usage:": "用法:",
    "Options": "选项",
    "Commands": "命令",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing command.": "缺少命令。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Aborted!": "已中止。",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的数字。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，应为目录。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是目录，应为文件。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 不可读。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 不可写。",
    "file": "文件",
    "directory": "目录",
    "path": "路径",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 不是 {choices} 之一。",
    "Did you mean {possibility}?": "是不是 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是不是其中之一：{possibilities}？）",
}


def _zh(message: str) -> str:
    return _CLICK_ZH.get(message, message)


def _nzh(singular: str, plural: str, n: int) -> str:
    return _zh(singular if n == 1 else plural)


def _speak_chinese() -> None:
    import importlib

    for name in ("core", "decorators", "exceptions", "formatting", "parser", "types"):
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _zh  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _nzh  # type: ignore[attr-defined]


_speak_chinese()


class Guarded(click.Group):
    """Turns an unexpected exception into one Chinese line and exit 1: users never see a traceback.

    ``XLSGEN_DEBUG=1`` lets the traceback through for developers.
    """

    def main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().main(*args, **kwargs)
        except BrokenPipeError:
            # `xlsgen … | head -1`: the reader has gone, which is no error of the user's. Quietly stop;
            # stdout goes to /dev/null so that Python's own flush at exit cannot fail again.
            import os

            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)

    def invoke(self, ctx: click.Context) -> object:
        import os

        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except XlsgenError as exc:
            fail(str(exc))
            sys.exit(1)
        except KeyboardInterrupt:
            fail("已中断。")
            sys.exit(1)
        except BrokenPipeError:
            raise  # see main()
        except Exception as exc:
            if os.environ.get("XLSGEN_DEBUG"):
                raise
            fail(
                f"xlsgen 内部错误（{type(exc).__name__}: {exc}）。请把这条信息和所用的文件发给维护者；设置 XLSGEN_DEBUG=1 可查看详细信息。"
            )
            sys.exit(1)


def output_dir(help_text: str) -> Callable[[F], F]:
    """``-o/--output DIR`` (default ``output/``) of the commands that write workbooks."""
    return click.option(
        "-o",
        "--output",
        "out_dir",
        default="output",
        show_default=True,
        type=click.Path(file_okay=False, path_type=Path),
        help=help_text,
    )


LOCK_HELP = (
    "保护工作表：标签、预印文字与合计公式不能改动，只能在输入格中填写；"
    "同时也不能插入或删除行（单位无法增删指标行），默认不保护。"
)


def without_option() -> Callable[[F], F]:
    """``--without SECTION`` of the commands that write workbooks."""
    return click.option(
        "--without",
        multiple=True,
        type=click.Choice(SECTIONS),
        help="本次不打印的可选部分（可重复）：funding 部门总体资金情况，projects 项目支出情况，overall_goals 整体绩效总目标，notes 表末的填报说明。",
    )


def lock_option() -> Callable[[F], F]:
    """``--lock`` of the commands that write workbooks."""
    return click.option("--lock", is_flag=True, help=LOCK_HELP)


@click.group(cls=Guarded, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", message="xlsgen %(version)s")
def main() -> None:
    """xlsgen：从每个单位的 JSON 数据生成《部门整体绩效目标申报表》与《项目绩效目标表》。

    \b
    示例：
      xlsgen generate data/*.json -o output/
    """


@main.command()
@click.argument("units", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@output_dir("输出目录。")
@without_option()
@click.option("--force", is_flag=True, help="校验发现错误时仍然生成（错误照样列出）。")
@lock_option()
def generate(units: tuple[Path, ...], out_dir: Path, without: tuple[str, ...], force: bool, lock: bool) -> None:
    """为每个单位 JSON 文件生成一个工作簿 <单位编码>-<单位名称>.xlsx。

    生成前先按 xlsgen validate 的规则校验：有错误的单位列出错误并跳过（加 --force 则照样生成），警告列出后照常生成。

    数据不会被自动修正（需要时先运行 xlsgen normalize）。
    某个文件有错时给出原因并跳过，其余文件照常生成；有任何失败则退出码为 1。

    \b
    示例：
      xlsgen generate data/阳新县医疗保障服务中心.json -o output/
      xlsgen generate data/*.json -o output/ --force
    """
    from .pipeline import CHECK, OK, Options, plan_files, process

    options = Options(without, force, lock)
    failed = 0
    for path, blocked in plan_files(units):
        outcome = process(path, out_dir, options, blocked=blocked, catch_bugs=False)
        faults, checked = outcome.issues[: outcome.faults], outcome.issues[outcome.faults :]
        for problem in checked:
            click.echo(str(problem), err=True)
        if outcome.status == OK:
            click.echo(f"已生成 {out_dir / outcome.output}")
            continue
        failed += 1
        if outcome.stopped == CHECK:
            fail(f"{path} 有 {outcome.errors} 个错误，未生成；请修正后重试，或加 --force 强制生成。")
        else:  # not loaded, refused as another input's twin, or not written: each problem located
            fail("\n".join(p.located for p in faults))
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
    from .files import write_atomic
    from .model import new_unit

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

    from .model import Unit

    return json.dumps(Unit.model_json_schema(by_alias=True), ensure_ascii=False, indent=2) + "\n"


@main.command()
@click.argument("data_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@output_dir("输出目录（工作簿、汇总表.xlsx 与增量清单 .xlsgen-manifest.json 都写在这里）。")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="并行进程数，默认为 CPU 核数；1 表示在本进程内逐个生成。",
)
@click.option("--silent", is_flag=True, help="不显示进度条（失败的单位与最后的汇总仍会输出）。")
@click.option("--force", is_flag=True, help="全部重新生成，即使数据未变化；校验有错误的单位也照样生成。")
@without_option()
@lock_option()
@click.option(
    "--pdf",
    "with_pdf",
    is_flag=True,
    help="同时用 LibreOffice 把每个单位的工作簿转换为 PDF，写入输出目录下的 公开/（需安装 LibreOffice）。",
)
def bulk(
    data_dir: Path,
    out_dir: Path,
    jobs: int | None,
    silent: bool,
    force: bool,
    without: tuple[str, ...],
    lock: bool,
    with_pdf: bool,
) -> None:
    """批量生成：DATA_DIR 下（含子目录）每个单位 JSON 文件各生成一个工作簿，并写出 汇总表.xlsx。

    多个进程并行；某个单位的数据有错、校验不通过或程序出错，只影响该单位，其余照常生成。工作簿先写入临时文件、完成后才改名，中断（Ctrl-C）不会留下写了一半的 .xlsx。

    两个单位编码相同（会写同一个文件）时两个都不生成并报告。数据、模板与 xlsgen 版本都未变化的单位跳过（汇总表中仍列出）。全部成功退出码为 0，有失败为 1。

    \b
    示例：
      xlsgen bulk data/ -o output/
      xlsgen bulk data/ -o output/ --jobs 4 --silent
      xlsgen bulk data/ -o output/ --force
      xlsgen bulk data/ -o output/ --pdf
    """
    from . import bulk as bulk_mod
    from .progress import Progress

    progress: Progress | None = None

    # Ctrl-C or `kill` (SIGTERM): the first lets the running units finish, the second stops at once.
    def on_interrupt(count: int) -> None:
        line = (
            "收到中断：不再开始新的单位，正在等待进行中的单位完成（再按一次 Ctrl-C 立即停止）……"
            if count == 1
            else "立即停止：正在结束工作进程，未完成的单位不写入任何文件……"
        )
        if progress is not None:
            progress.message(line)
        else:
            click.echo(line, err=True)

    def on_done(outcome: bulk_mod.Outcome, done: int, total: int) -> None:
        nonlocal progress, failed
        if progress is None:
            progress = Progress(total, enabled=not silent)
        if outcome.status == bulk_mod.FAILED:
            failed += 1
            progress.message(f"失败：{outcome.path}：{outcome.reason()}")
        progress.update(done, failed)

    failed = 0
    try:
        report = bulk_mod.run(
            data_dir,
            out_dir,
            jobs=jobs,
            force=force,
            on_done=on_done,
            lock=lock,
            on_interrupt=on_interrupt,
            without=without,
        )
    except XlsgenError as exc:
        fail(str(exc))
        sys.exit(1)
    finally:
        if progress is not None:
            progress.close()
    if not report.outcomes and not report.interrupted:
        fail(f"{data_dir} 下没有找到单位 JSON 文件（*.json）。")
        sys.exit(1)
    if report.manifest_error:
        fail(
            f"增量清单未能保存：{report.manifest_error}。本次写出的工作簿完整可用，"
            "但下次运行无法跳过未变化的单位，会全部重新生成。"
        )
    if report.interrupted:
        rerun = (
            "再次运行同一命令会跳过它们、继续其余单位。" if not report.manifest_error else "再次运行同一命令即可继续。"
        )
        fail(f"已中断：完成 {len(report.outcomes)} 个单位，已生成的工作簿完整保留；{rerun}")
        if report.abandoned:
            # A worker pool was given up (bulk._execute): joining its thread at exit would wait for ever.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(1)
        # Python restores the default SIGINT action while finalizing, so a late second Ctrl-C would
        # kill the process (exit -2) on its way out; the user has asked to stop, so it is ignored now.
        import signal

        from .interrupts import SIGNALS

        for sig in SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
        sys.exit(1)
    click.echo(report.line())
    if report.replaced:
        click.echo(f"已删除改名单位的旧工作簿 {len(report.replaced)} 个：{'、'.join(report.replaced)}")
    if report.summary is not None:
        click.echo(f"汇总表：{report.summary}")
    if report.summary_error:
        fail(f"汇总表未能写入：{report.summary_error}")
    if report.no_space:
        fail(
            f"磁盘空间不足：{report.no_space} 个单位的工作簿未能写入（其余单位照常完成）；"
            "清理磁盘后重新运行同一命令，已完成的单位会跳过。"
        )
    pdf_failed = 0
    if with_pdf:
        from .cli_season import bulk_pdfs

        pdf_failed = bulk_pdfs(report, out_dir, force)
    code = 1 if not report.ok or pdf_failed else 0
    if report.abandoned:  # see above
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    if code:
        sys.exit(1)


@main.command("demo-county")
@click.argument("n", type=click.IntRange(min=1))
@click.option(
    "-o",
    "--output",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="写入单位 JSON 文件的目录（按主管部门分子目录）。",
)
@click.option("--seed", default=0, show_default=True, type=int, help="随机种子：同一种子总是生成相同的数据。")
@click.option("--year", default=2025, show_default=True, type=click.IntRange(2000, 2098), help="预算年度。")
def demo_county(n: int, out_dir: Path, seed: int, year: int) -> None:
    """生成一个县规模的示例数据集：N 个真实感的单位 JSON 文件（各局、所属中心、乡镇、学校），供试用 bulk 与性能测试。

    每个单位的名称与编码不同，指标框架完整填写，项目 1–30 个，资金数据收支平衡，可直接通过校验。

    \b
    示例：
      xlsgen demo-county 300 -o demo/ --seed 1
      xlsgen bulk demo/ -o demo-out/
    """
    from .demo import write_county

    try:
        written = write_county(n, out_dir, seed=seed, year=year)
    except XlsgenError as exc:
        fail(str(exc))
        sys.exit(1)
    click.echo(f"已生成 {len(written)} 个单位 JSON 文件：{out_dir}")


@main.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="警告也算作不通过（退出码 1）。")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="输出格式：text 每个问题一行；json 为同样内容的 JSON 列表，供其他程序读取。",
)
def validate_command(files: tuple[Path, ...], strict: bool, fmt: str) -> None:
    """校验单位 JSON 文件或工作簿（.xlsx），列出每个错误与警告。

    每个问题一行：级别、代码、位置（JSON 文件与路径，或 工作簿!工作表!单元格）和修改方法。

    有错误时退出码为 1，只有警告时为 0（加 --strict 则警告也算）。读不了的文件报告为 E-LOAD，其余文件照常校验。

    \b
    示例：
      xlsgen validate data/*.json
      xlsgen validate 鄂州市医疗保障局.xlsx --strict
      xlsgen validate data/*.json --format json > problems.json
    """
    import json

    from .errors import ERROR, Problem, in_file
    from .validate import check_file

    found: list[tuple[Path, Problem]] = []
    for path in files:
        try:
            problems = check_file(path)
        except XlsgenError as exc:
            problems = in_file(exc.problems, str(path))
        found.extend((path, p) for p in problems)
    if fmt == "json":
        rows = [
            {
                "file": str(path),
                "level": p.level,
                "code": p.code,
                "message": p.message,
                "path": p.location.path,
                "sheet": p.location.sheet,
                "cell": p.location.cell,
                "where": p.where,
            }
            for path, p in found
        ]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for _, problem in found:
            click.echo(str(problem))
        errors = sum(p.level == ERROR for _, p in found)
        warnings = len(found) - errors
        click.echo(f"共检查 {len(files)} 个文件：错误 {errors} 个，警告 {warnings} 个。")
    if any(p.level == ERROR for _, p in found) or (strict and found):
        sys.exit(1)


@main.command("normalize")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--check", "check_only", is_flag=True, help="只列出需要修正之处，不改写文件；有需要修正之处时退出码为 1。"
)
def normalize_command(files: tuple[Path, ...], check_only: bool) -> None:
    """统一单位 JSON 文件的写法，原地改写，并列出每处修改的 JSON 路径与前后内容。

    修正的内容：比较符号（＝ → =，>= → ≥，> → ＞）、数值中的空格与全角数字（30 万份 → 30万份）、选项简写（基本型 → 绩效基本型，人员类 → 人员类项目支出）、已知的标签变体（“三公”经费变动率、核心业务产出1）、分条内容自带的编号。

    文件先写入临时文件再改名，不会写坏；无需修正的文件不改动。generate 从不自动做这些修正；xlsgen validate 会把它们列为警告。

    \b
    示例：
      xlsgen normalize data/阳新县医疗保障服务中心.json
      xlsgen normalize data/*.json --check
    """
    from .normalize import normalize_file

    failed = pending = 0
    for path in files:
        if path.suffix.lower() != ".json":
            failed += 1
            fail(f"{path}：只能修正单位 JSON 文件；工作簿请先用 xlsgen import 转为 JSON。")
            continue
        try:
            found = normalize_file(path, write=not check_only)
        except XlsgenError as exc:
            failed += 1
            fail(str(exc))
            continue
        for c in found:
            click.echo(f"{path}: {c.path}：「{c.old}」→「{c.new}」（{c.reason}）")
        if not found:
            click.echo(f"无需修正 {path}")
        elif check_only:
            pending += 1
            click.echo(f"需要修正 {path}（{len(found)} 处），可运行 xlsgen normalize {path}")
        else:
            click.echo(f"已修正 {path}（{len(found)} 处）")
    if failed or pending:
        sys.exit(1)


@main.command("import")
@click.argument("workbooks", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "out",
    default=None,
    type=click.Path(file_okay=False, allow_dash=True),  # an existing file is a usage error (2), as for generate
    help="输出目录，每个工作簿写一个 <文件名>.json；只导入一个工作簿时可省略或写 -，JSON 输出到屏幕。",
)
def import_command(workbooks: tuple[Path, ...], out: str | None) -> None:
    """把单位填好的工作簿读回单位 JSON 文件（xlsgen generate 的逆操作）。

    按表中印好的栏目名定位，而不是按固定的行列：插入或删除了指标行、拆分或合并了单元格、加宽了列、改了工作表名、节之间多了空行，都能读出；手工按官方格式录入的表也能读。读不出或放不进任何栏目的内容逐条列为错误 E-READ（文件!工作表!单元格），不会悄悄丢弃：这时不写 JSON、退出码为 1，请按所列单元格改正表格后重新导入。

    读出的数据随即按 xlsgen validate 的规则校验，错误与警告（含单元格位置）输出到标准错误，不影响导入与退出码。

    加密、损坏、不是申报表或疑似恶意的文件给出原因并跳过，不为它写任何文件，其余文件照常导入；有任何失败则退出码为 1。

    \b
    示例：
      xlsgen import 怀来县医疗保障局.xlsx > data/450001.json
      xlsgen import 收回/*.xlsx -o data/
    """
    from .files import write_atomic
    from .read import read_workbook
    from .validate import check_imported

    to_screen = out is None or out == "-"
    if to_screen and len(workbooks) > 1:
        raise click.UsageError("导入多个工作簿时请用 -o 指定输出目录（每个工作簿写一个 JSON 文件）。")
    failed = 0
    written: dict[Path, Path] = {}
    for path in workbooks:
        try:
            imported = read_workbook(path)
        except XlsgenError as exc:
            failed += 1
            fail(str(exc))
            continue
        # The import is faithful whatever the data says; what the bureau must send back goes to stderr.
        problems = check_imported(imported, str(path))
        for problem in problems:
            click.echo(str(problem), err=True)
        if imported.errors:  # cells it could not place: a JSON without them would lose data silently
            failed += 1
            fail(f"{path}：有 {len(imported.errors)} 处内容未能读入（见上面各条），未导入；请改正表格后重新导入。")
            continue
        text = imported.unit.to_json()
        if to_screen:
            click.echo(text, nl=False)
            continue
        target = Path(out) / f"{path.stem}.json"  # type: ignore[arg-type]
        if target in written:
            failed += 1
            fail(f"{path} 与 {written[target]} 会写入同一个文件 {target}，未导入；请改名后重试。")
            continue
        try:
            write_atomic(target, text.encode("utf-8"))
        except XlsgenError as exc:
            failed += 1
            fail(str(exc))
            continue
        written[target] = path
        click.echo(f"已导入 {path} → {target}")
    if failed:
        sys.exit(1)


@main.command("diff")
@click.argument("old", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, path_type=Path))
def diff_command(old: Path, new: Path) -> None:
    """逐字段列出同一单位两个版本之间的改动（OLD、NEW 各为单位 JSON 文件或工作簿）。

    每处改动一行：JSON 路径、原内容 → 新内容，一方是工作簿时注明所在单元格；新增、删除的指标行与项目单独列出（插入一行不会被当作下面每行都改了）。

    有差异和无差异退出码都是 0（无差异时输出“无差异”）：差异是要查看的结果，不是错误。只有文件读不了时退出码为 1。

    \b
    示例：
      xlsgen diff data/450001.json 收回/怀来县医疗保障局.xlsx
      xlsgen diff 第一次报送.xlsx 第二次报送.xlsx
    """
    from .diff import diff_units, load_side, report

    sides = []
    for path in (old, new):
        try:
            sides.append(load_side(path))
        except XlsgenError as exc:
            fail(str(exc))
    if len(sides) < 2:
        sys.exit(1)
    a, b = sides
    click.echo(report(diff_units(a.unit, b.unit, a.cells, b.cells)), nl=False)


from . import cli_season  # noqa: E402  (the season's commands: units, collect, rollover, pdf)

for _command in (
    cli_season.pdf_command,
    cli_season.units_command,
    cli_season.collect_command,
    cli_season.rollover_command,
):
    main.add_command(_command)
