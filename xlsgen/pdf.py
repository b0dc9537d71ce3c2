"""Publication copies: workbooks → PDF with LibreOffice headless (issue 14 §5, 部门预算公开).

LibreOffice prints the workbook with its own print setup (A4, one page wide, the planned page breaks,
repeated headers, page footer), so the PDF looks as the form prints. Fonts are embedded (every font,
standard ones included), so the copy reads the same on any machine.

Each run of ``soffice`` gets a fresh user profile of its own (parallel runs and a desktop LibreOffice
the clerk has open never collide), a timeout, and its own process group, which is killed afterwards so
that no LibreOffice process outlives the command. Workbooks are converted in batches (LibreOffice
starts once per batch, which dominates the time); each PDF is written under a temporary folder and
moved into place when complete, so an interrupted run never leaves a half-written PDF.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import Location, OutputError, XlsgenError

PACKAGE = "libreoffice-calc-nogui"  # Debian/Ubuntu: the Calc part of LibreOffice, without a desktop
BATCH = 20
TIMEOUT_START = 90  # seconds for LibreOffice to start, plus PER_FILE for each workbook of a batch
PER_FILE = 30
# calc_pdf_Export with every font embedded (LibreOffice ≥ 7.4 takes filter options as JSON).
FILTER = 'pdf:calc_pdf_Export:{"EmbedStandardFonts":{"type":"boolean","value":"true"}}'
KIND_PROPERTY = "xlsgen_kind"  # custom property of xlsgen's own checklists: not a unit's form


class OfficeMissing(XlsgenError):
    """LibreOffice is not installed."""


@dataclass
class Converted:
    source: Path
    pdf: Path | None = None
    error: str = ""
    skipped: str = ""  # why the workbook was not converted (a checklist, not a form)


def find_soffice() -> str | None:
    """The LibreOffice executable, or None; ``XLSGEN_SOFFICE`` names one explicitly."""
    explicit = os.environ.get("XLSGEN_SOFFICE")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def require_soffice() -> str:
    soffice = find_soffice()
    if soffice is None:
        raise OfficeMissing(
            "生成 PDF 需要 LibreOffice，本机没有找到 soffice 命令。请安装："
            f"sudo apt-get install {PACKAGE} fonts-noto-cjk（Debian/Ubuntu），"
            "或从 https://www.libreoffice.org 下载安装；也可设置环境变量 XLSGEN_SOFFICE 指向 soffice。"
        )
    return soffice


def checklist_kind(path: Path) -> str:
    """``汇总表`` or ``收集台账`` when the workbook is one of xlsgen's checklists, else ``""``."""
    from .safety import open_package

    try:
        return open_package(path.read_bytes(), path.name).properties.get(KIND_PROPERTY, "")
    except (OSError, XlsgenError):
        return ""  # LibreOffice will say what is wrong with it


def convert(
    workbooks: Iterable[Path],
    out_dir: Path,
    *,
    timeout_per_file: int = PER_FILE,
    on_done: Callable[[Converted], None] | None = None,
) -> list[Converted]:
    """Convert each workbook to ``out_dir/<stem>.pdf``; a failure costs that workbook only."""
    soffice = require_soffice()
    out_dir = Path(out_dir)
    results: list[Converted] = []
    todo: list[Converted] = []
    claimed: dict[str, Path] = {}

    def report(item: Converted) -> None:
        results.append(item)
        if on_done is not None:
            on_done(item)

    for path in workbooks:
        path = Path(path)
        item = Converted(path)
        key = (path.stem + ".pdf").casefold()
        if not path.is_file():
            item.error = f"{path}：文件不存在"
        elif path.suffix.lower() not in (".xlsx", ".xlsm"):
            item.error = f"{path}：不是工作簿（.xlsx），未转换"
        elif kind := checklist_kind(path):
            item.skipped = f"{path} 是 xlsgen 的{kind}，不是单位的申报表，未转换"
        elif key in claimed:
            item.error = f"{path} 与 {claimed[key]} 会写入同一个 PDF（{path.stem}.pdf），未转换；请改名后重试"
        else:
            claimed[key] = path
            todo.append(item)
            continue
        report(item)
    if not todo:
        return results
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"无法创建输出目录：{exc.strerror or exc}", Location(str(out_dir))) from None
    for start in range(0, len(todo), BATCH):
        batch = todo[start : start + BATCH]
        _convert_batch(soffice, batch, out_dir, TIMEOUT_START + timeout_per_file * len(batch))
        for item in batch:
            report(item)
    return results


def _convert_batch(soffice: str, batch: list[Converted], out_dir: Path, timeout: int) -> None:
    with tempfile.TemporaryDirectory(prefix=".~xlsgen-pdf-", dir=out_dir) as tmp:
        work = Path(tmp)
        (work / "profile").mkdir()
        (work / "pdf").mkdir()
        cmd = [
            soffice,
            f"-env:UserInstallation={(work / 'profile').resolve().as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            FILTER,
            "--outdir",
            str(work / "pdf"),
            *(str(item.source.resolve()) for item in batch),
        ]
        message = _run(cmd, timeout)
        for item in batch:
            made = work / "pdf" / (item.source.stem + ".pdf")
            if made.is_file() and made.stat().st_size > 0 and made.read_bytes()[:5] == b"%PDF-":
                target = out_dir / made.name
                try:
                    os.replace(made, target)  # same file system: the finished PDF appears whole
                except OSError as exc:
                    item.error = f"无法写入 {target}：{exc.strerror or exc}（文件是否正被打开？）"
                    continue
                item.pdf = target
            else:
                item.error = f"{item.source}：LibreOffice 未能转换为 PDF{message and '（' + message + '）'}；请在 Excel 或 LibreOffice 中打开检查该文件"


def _run(cmd: list[str], timeout: int) -> str:
    """Run soffice in its own process group; returns a short reason when it failed, else ``""``."""
    env = {**os.environ, "SAL_USE_VCLPLUGIN": "svp"}  # never look for a display
    try:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
    except OSError as exc:
        raise OfficeMissing(f"无法启动 LibreOffice（{cmd[0]}）：{exc.strerror or exc}") from None
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        proc.communicate()
        return f"超过 {timeout} 秒未完成，已终止"
    except BaseException:  # Ctrl-C: take LibreOffice down with us
        _kill(proc)
        proc.communicate()
        raise
    finally:
        _kill(proc)  # a helper process may linger after the main one exits
    if proc.returncode != 0:
        text = err.decode("utf-8", "replace").strip().splitlines()
        return f"退出码 {proc.returncode}" + (f"：{text[-1][:200]}" if text else "")
    return ""


def _kill(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
