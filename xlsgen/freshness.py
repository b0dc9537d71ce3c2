"""Nothing changed, nothing done: what the bulk manifest keeps so an unchanged unit costs no work.

A manifest entry records, besides the digest of the unit file (with the generator), the size and
modification time of the workbook as it was written and everything the summary shows of the unit
(its totals and its problems). When the digest is unchanged and the workbook still has that size and
time, the unit is neither loaded, checked nor rendered: its outcome comes from the entry. A workbook
that was deleted, truncated, replaced or touched no longer matches and is written again; a unit file
that changed by one byte has another digest and is done again in full.

The summary (汇总表.xlsx, whose 指标明细 lists every indicator of the county: over a million cells) is
not written again either when every unit was found up to date, the units are the same ones with the
same digests as when it was written, and the file is as written: it then still shows that run, the
last one that did anything.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from decimal import Decimal
from pathlib import Path
from typing import Any


def file_stat(path: Path) -> list[int] | None:
    """``[size, mtime_ns]`` of a regular file, or None when there is none."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns] if st.st_size > 0 and (st.st_mode & 0o170000) == 0o100000 else None


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def entry(outcome: Any, job: Any) -> dict[str, Any]:
    """The manifest entry of a unit just generated (or found up to date) by ``job``."""
    return {
        "digest": outcome.digest,
        "output": outcome.output,
        "output_stat": outcome.output_stat,
        "path": job.path,  # the problems' locations name the file as the user named it
        "ident": [job.code, job.name],  # as planning reads them, for the clash check
        "unit": {
            "code": outcome.code,
            "name": outcome.name,
            "year": outcome.year,
            "income": _money(outcome.income),
            "expense": _money(outcome.expense),
            "projects": outcome.projects,
            "project_total": _money(outcome.project_total),
            "issues": [dataclasses.asdict(p) for p in outcome.issues],
        },
    }


def fresh(entry_: dict[str, Any] | None, digest: str, path: str, out_dir: Path) -> bool:
    """Whether ``entry_`` still describes the unit file (by digest) and its workbook (by size and time)."""
    if not entry_ or not digest or entry_.get("digest") != digest or entry_.get("path") != path:
        return False
    stat = entry_.get("output_stat")
    output = entry_.get("output")
    if not isinstance(stat, list) or not isinstance(output, str) or not output or "unit" not in entry_:
        return False
    return file_stat(out_dir / output) == stat


def identity(entry_: dict[str, Any]) -> tuple[str, str] | None:
    ident = entry_.get("ident")
    if isinstance(ident, list) and len(ident) == 2 and all(isinstance(x, str) for x in ident) and ident[0].strip():
        return ident[0], ident[1]
    return None


def _problem(data: dict[str, Any], problem_type: type) -> Any:
    fields = dict(data)
    if isinstance(fields.get("location"), dict):  # a Problem with a Location (errors.Location)
        from . import errors

        fields["location"] = errors.Location(**fields["location"])  # type: ignore[attr-defined]
    return problem_type(**fields)


def outcome_from(entry_: dict[str, Any], job: Any, status: str, outcome_type: type, problem_type: type) -> Any:
    """The outcome of an up-to-date unit, from its entry; raises (KeyError, TypeError, ValueError…) on a
    damaged entry, which the caller answers by doing the unit again."""
    unit = entry_["unit"]
    issues = [_problem(issue, problem_type) for issue in unit["issues"]]
    return outcome_type(
        source=job.source,
        path=job.path,
        status=status,
        code=str(unit["code"]),
        name=str(unit["name"]),
        year=None if unit["year"] is None else int(unit["year"]),
        income=_decimal(unit["income"]),
        expense=_decimal(unit["expense"]),
        projects=None if unit["projects"] is None else int(unit["projects"]),
        project_total=_decimal(unit["project_total"]),
        output=str(entry_["output"]),
        issues=issues,
        digest=job.digest,
        output_stat=list(entry_["output_stat"]),
        pid=os.getpid(),
    )


def summary_key(outcomes: list[Any]) -> str:
    """A digest of which units (with which data and workbook) a summary lists."""
    h = hashlib.sha256()
    for o in sorted(outcomes, key=lambda o: o.source):
        h.update(f"{o.source}\0{o.digest}\0{o.output}\0".encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def summary_fresh(record: dict[str, Any] | None, key: str, path: Path, outcomes: list[Any], skipped: str) -> bool:
    """Whether the summary at ``path`` can stay: nothing was done this run and it lists exactly these units."""
    if not record or record.get("key") != key or not all(o.status == skipped for o in outcomes):
        return False
    stat = record.get("stat")
    return isinstance(stat, list) and file_stat(path) == stat
