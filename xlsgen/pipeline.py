"""One unit through the pipeline, the same for ``xlsgen generate`` and ``xlsgen bulk``.

load → check the form as it will be printed (sections left out are not checked) → stop on errors
unless forced → render (sections, lock) → an :class:`~xlsgen.outcomes.Outcome` holding its problems.
The refusal of two units that would write one workbook is decided here too, once, for both commands.

Only light modules are imported at the top: the CLI imports this for its options, and the model,
the validator and the writer are loaded by the first unit that needs them.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import freshness
from .errors import ERROR, Location, Problem, XlsgenError, in_file
from .files import read_unit_bytes, workbook_name
from .outcomes import FAILED, OK, SKIPPED, Outcome

# The optional parts a run may leave out (--without), as named on the command line and in Unit.sections.
SECTIONS = ("funding", "projects", "overall_goals", "notes")
DUP_CODE = "E-DUP-CODE"

# Why an outcome stopped (Outcome.stopped): its first ``faults`` problems say so.
LOAD, BLOCKED, CHECK, WRITE, BUG = "load", "blocked", "check", "write", "bug"


@dataclass(frozen=True)
class Options:
    """What a run asks of every unit: the same flags mean the same in generate and in bulk."""

    without: tuple[str, ...] = ()  # sections not printed (nor checked) this run
    force: bool = False  # render even when the check found errors
    lock: bool = False  # protect the sheets

    @property
    def sections(self) -> dict[str, bool]:
        return {name: False for name in self.without}

    def key(self) -> str:
        """What, besides the data and the generator, decides the workbook's bytes (bulk's manifest)."""
        parts = ["+lock"] if self.lock else []
        if self.without:
            parts.append("+without:" + ",".join(sorted(set(self.without))))
        return "".join(parts)


def identity(raw: bytes) -> tuple[str, str] | None:
    """(code, name) as the model will read them, or None when loading will report the file as bad."""
    from .jsontext import loads

    try:
        data = loads(raw, "")
    except XlsgenError:  # nested too deep, duplicate keys, not JSON: loading reports it in full
        return None
    if not isinstance(data, dict):
        return None
    code, name = data.get("code"), data.get("name")
    if isinstance(code, (int, float)) and not isinstance(code, bool):
        code = str(code)  # the model takes a number typed as the code as its text
    if isinstance(name, (int, float)) and not isinstance(name, bool):
        name = str(name)
    if not isinstance(code, str) or not isinstance(name, str) or not code.strip():
        return None
    return code, name


# A unit file as xlsgen writes it begins {"code": "…", "name": "…" (after "$schema": "…", if any), with
# no escape in these texts: the first keys of the outermost object.
_QUICK_IDENTITY = re.compile(
    rb'\s*\{\s*(?:"\$schema"\s*:\s*"[^"\\]*"\s*,\s*)?'
    rb'"code"\s*:\s*"([^"\\]*)"\s*,\s*"name"\s*:\s*"([^"\\]*)"\s*[,}]'
)


def quick_identity(raw: bytes) -> tuple[str, str] | None:
    """(code, name) from the first keys of the file, without parsing the rest; None when they are not
    there in that simple form (then only :func:`identity` can tell).

    For a file that loads, this is what :func:`identity` gives; for a broken one it may give a claim
    that :func:`identity` would not (None): callers verify with :func:`identity` wherever the
    difference could matter (bulk.plan: a clash; a file that then fails to load: who it is).
    """
    m = _QUICK_IDENTITY.match(raw)
    if m is None:
        return None
    try:
        code, name = m.group(1).decode("utf-8"), m.group(2).decode("utf-8")
    except UnicodeDecodeError:
        return None
    return (code, name) if code.strip() else None


def clashes(claims: Iterable[tuple[str, tuple[str, str]]]) -> dict[str, str]:
    """Of ``(unit file, (code, name))`` claims, the files that must not be written, each with why.

    Two units clash when they have the same 单位编码 or would write workbooks whose names are equal up
    to case (on Windows and macOS one file) or characters a file name cannot hold: neither is written,
    so that none silently replaces the other.
    """
    claims = list(claims)
    by_code: dict[str, list[str]] = {}
    by_file: dict[str, list[str]] = {}
    for source, (code, name) in claims:
        by_code.setdefault(code.strip(), []).append(source)
        by_file.setdefault(workbook_name(code, name).casefold(), []).append(source)
    others: dict[str, set[str]] = {}
    for group in (*by_code.values(), *by_file.values()):
        if len(group) > 1:
            for source in group:
                others.setdefault(source, set()).update(s for s in group if s != source)
    refused = {}
    for source, (code, name) in claims:
        if source not in others:
            continue
        names = "、".join(sorted(others[source]))
        if len(by_code[code.strip()]) > 1:
            why = f"单位编码 {code} 与 {names} 相同，会写入同一个工作簿"
        else:
            why = f"与 {names} 会写入同一个工作簿 {workbook_name(code, name)}（单位编码与名称只差大小写或特殊字符）"
        refused[source] = f"{why}；为免互相覆盖，这些单位都未生成，请改正其中的单位编码后重新运行"
    return refused


def process(
    path: str,
    out_dir: str | Path,
    options: Options = Options(),
    *,
    source: str = "",
    code: str = "",
    name: str = "",
    blocked: str = "",
    digest: Callable[[bytes], str] | None = None,
    fresh: Callable[[str], bool] | None = None,
    catch_bugs: bool = True,
    verify_identity: bool = False,
) -> Outcome:
    """Load, check and render one unit file. Never raises for a unit's own fault.

    ``code``/``name`` are shown for a file that fails to load; ``blocked`` (from :func:`clashes`) stops
    the unit after its check; ``digest(raw)`` fingerprints the file and ``fresh(digest)`` says its
    existing workbook is up to date (bulk's manifest), so it is not rendered again. A bug costs only
    its unit (E-BUG) unless ``catch_bugs`` is False: one command on a few files lets the CLI's guard
    report it (and XLSGEN_DEBUG show its traceback). ``verify_identity``: ``code``/``name`` came from
    :func:`quick_identity`; a file that fails to load shows what :func:`identity` reads instead.
    """
    from . import render
    from .indicators import indicator_rows
    from .model import unit_from_json
    from .validate import check

    start = time.perf_counter()
    out = Outcome(source=source or path, path=path, code=code, name=name)
    raw: bytes | None = None
    try:
        out.stopped = LOAD
        raw = read_unit_bytes(path)
        if digest is not None:
            out.digest = digest(raw)
        unit = unit_from_json(raw, path)
        verify_identity = False
        out.code, out.name, out.year = unit.code, unit.name, unit.year
        if unit.funding is not None:
            out.income = unit.funding.income.total.current
            out.expense = unit.funding.expense.total.current
        out.projects = len(unit.projects)
        out.project_total = sum((p.budget for p in unit.projects), Decimal("0.00"))
        out.indicators = indicator_rows(unit)
        sections = options.sections
        # Check the form as it will be printed: sections switched off for this run are not checked.
        shown = unit.model_copy(update={"sections": unit.sections.model_copy(update=sections)}) if sections else unit
        out.issues = check(shown, source=path)
        out.stopped = ""
        if blocked:
            out.issues.insert(0, Problem(ERROR, DUP_CODE, blocked, Location(path, "code")))
            out.stopped, out.faults = BLOCKED, 1
            return out
        if out.errors and not options.force:
            out.stopped = CHECK
            return out
        out.stopped = WRITE
        out.output = workbook_name(unit.code, unit.name)
        target = Path(out_dir) / out.output
        if fresh is not None and fresh(out.digest) and target.is_file():
            out.status = SKIPPED
        else:
            render.generate(unit, Path(out_dir), sections or None, lock=options.lock)
            out.status = OK
        out.stopped = ""
        out.output_stat = freshness.file_stat(target)
    except XlsgenError as exc:  # each problem keeps the code of its kind: E-LOAD, E-OUTPUT, E-RENDER
        if verify_identity and raw is not None:  # it did not load: who it is, as a full parse of it says
            out.code, out.name = identity(raw) or ("", "")
        found = in_file(exc.problems, path)
        out.issues[:0] = found
        out.faults = len(found)
    except Exception as exc:  # a bug must cost one unit, not the batch
        if not catch_bugs:
            raise
        out.issues.insert(
            0,
            Problem(
                ERROR,
                "E-BUG",
                f"生成时程序出错（{type(exc).__name__}：{exc}），其余单位不受影响；请把此文件和这条信息发给维护人员",
                Location(path),
            ),
        )
        out.stopped, out.faults = BUG, 1
    finally:
        if out.status == FAILED:
            out.output = ""
        out.pid = os.getpid()
        out.seconds = time.perf_counter() - start
    return out


def plan_files(paths: Iterable[Any]) -> list[tuple[str, str]]:
    """``generate``'s inputs, each once (the same file named twice is one input), with the clash each
    is refused for (empty when none), by the check bulk makes of its folder.

    Only a file that loads claims its workbook: one that cannot is reported on its own and writes
    nothing, so it must not cost a good unit with the same code its workbook. (bulk decides from the
    raw JSON before loading anything; a handful of files on the command line can afford the model.)
    """

    files = [str(p) for p in dict.fromkeys(paths)]
    if len(files) < 2:
        return [(path, "") for path in files]  # one file clashes with none: no need to load it twice
    from .model import unit_from_json

    claims = []
    for path in files:
        try:
            unit = unit_from_json(read_unit_bytes(path), path)
        except XlsgenError:
            continue  # process() reports it in full
        claims.append((path, (unit.code, unit.name)))
    refused = clashes(claims)
    return [(path, refused.get(path, "")) for path in files]
