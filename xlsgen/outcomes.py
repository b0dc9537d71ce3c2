"""The outcome of one unit (loaded, checked, written or not, and its problems) and of a whole run.

Shared by the pipeline that produces outcomes (pipeline.py, bulk.py) and what reports them (summary.py,
the CLI), so none of those has to import another for its result types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .errors import ERROR, WARNING, Problem
from .osfiles import NO_SPACE

OK, SKIPPED, FAILED = "成功", "未变化", "失败"


@dataclass
class Outcome:
    source: str
    path: str
    status: str = FAILED
    code: str = ""
    name: str = ""
    year: int | None = None
    income: Decimal | None = None
    expense: Decimal | None = None
    projects: int | None = None
    project_total: Decimal | None = None
    output: str = ""  # the workbook's file name inside OUT_DIR
    issues: list[Problem] = field(default_factory=list)
    indicators: list[tuple[str, ...]] = field(default_factory=list)  # indicators.indicator_rows, for the summary
    digest: str = ""
    pid: int = 0
    peak_rss_kb: int = 0
    seconds: float = 0.0
    output_stat: list[int] | None = None  # [size, mtime_ns] of the workbook as written
    stopped: str = ""  # where a failed unit stopped (pipeline: load, blocked, check, write, bug)
    faults: int = 0  # how many of the first issues say why it stopped (the rest are the check's)

    @property
    def errors(self) -> int:
        return sum(1 for i in self.issues if i.level == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for i in self.issues if i.level == WARNING)

    @property
    def first_error(self) -> str:
        return next((f"{i.path}：{i.message}" if i.path else i.message for i in self.issues if i.level == ERROR), "")

    def reason(self) -> str:
        """One line: the first error and how many more there are."""
        first = self.first_error.replace("\n", " ")
        more = self.errors - 1
        return first + (f"（另有 {more} 个错误，见汇总表）" if more > 0 else "")


@dataclass
class Report:
    outcomes: list[Outcome]
    elapsed: float
    interrupted: bool = False
    summary: Path | None = None
    stale_removed: int = 0
    main_peak_rss_kb: int = 0
    summary_error: str = ""
    manifest_error: str = ""  # the manifest could not be saved: the workbooks are fine, a rerun redoes all
    replaced: list[str] = field(default_factory=list)  # old workbooks of renamed units, removed
    abandoned: bool = False  # a worker pool was given up (see bulk._execute): end the process with os._exit

    @property
    def no_space(self) -> int:
        """Units whose workbook was not written for want of disk space."""
        return sum(1 for o in self.outcomes if o.status == FAILED and any(i.code == NO_SPACE for i in o.issues))

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def ok(self) -> bool:
        return not (self.interrupted or self.summary_error or self.manifest_error) and self.count(FAILED) == 0

    def worker_peak_rss_kb(self) -> dict[int, int]:
        peaks: dict[int, int] = {}
        for o in self.outcomes:
            peaks[o.pid] = max(peaks.get(o.pid, 0), o.peak_rss_kb)
        return peaks

    def line(self) -> str:
        return (
            f"共 {len(self.outcomes)} 个单位：成功 {self.count(OK)}，跳过 {self.count(SKIPPED)}（未变化），"
            f"失败 {self.count(FAILED)}；用时 {duration(self.elapsed)}"
        )


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} 秒"
    minutes, sec = divmod(int(seconds + 0.5), 60)
    if minutes < 60:
        return f"{minutes} 分 {sec} 秒"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} 小时 {minutes} 分 {sec} 秒"
