"""Returns collected (issue 14 §2): ``xlsgen collect 交回/ --issued data/ -o 收集台账.xlsx``.

Every workbook under the returns folder is read back (any file name) and matched to the unit it was
issued to: by the identity the workbook carries (the custom document property render.py writes), else
by the 单位编码 or, last, the 单位名称 the form shows. A match is never guessed: a return that matches no
issued unit, or one of two different returns for the same unit, is listed for the clerk to decide.

The imported unit is written beside the issued file as ``<stem>.returned.json`` (bulk does not take
those for units); ``--apply`` also writes it over the issued file, for returns without errors. The
checklist (收集台账) is rebuilt from the folders on every run, so running again after more returns
updates it; the clerk's own notes in its 备注 column are carried over.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .bulk import RETURNED_SUFFIX
from .errors import ERROR, WARNING, Location, Problem, XlsgenError, in_file
from .model import Unit

if TYPE_CHECKING:
    from .read import Imported

NOT_RETURNED = "未交回"
HAS_ERRORS = "已交回·有错误"
WARNINGS_ONLY = "已交回·仅警告"
PASSED = "已交回·通过"
SEVERAL = "已交回·多份待确认"
STATUSES = (PASSED, WARNINGS_ONLY, HAS_ERRORS, SEVERAL, NOT_RETURNED)
CODE_PROPERTY = "xlsgen_unit_code"
LEDGER_SHEET = "收集台账"
BY_PROPERTY, BY_CODE, BY_NAME = "文档属性", "表中单位编码", "单位名称"  # how a return was matched


@dataclass
class Issued:
    """An issued unit file: who it is, and its bytes, parsed again only to compare a return with it.

    Not the Unit itself: a county's thousand models would take a third of a gigabyte for as long as the
    run lasts, to be looked at once each.
    """

    path: Path
    code: str
    name: str
    parent: str
    schema: str | None  # the file's ``$schema``, which the written return keeps
    raw: bytes = field(repr=False)

    @property
    def returned_path(self) -> Path:
        return self.path.with_name(self.path.name[: -len(".json")] + RETURNED_SUFFIX)

    def unit(self) -> Unit:
        from .model import unit_from_json

        return unit_from_json(self.raw, str(self.path))


@dataclass
class Return:
    """One returned workbook, as far as the checklist needs it (its Unit and cells are dropped once its
    changes and JSON text are taken)."""

    path: Path
    read: bool = False  # read as a form (else ``reason`` says why not)
    code: str = ""  # 单位编码 and 单位名称 as the form shows them
    name: str = ""
    problems: list[Problem] = field(default_factory=list)
    carried: str = ""  # the code in the workbook's document properties
    issued: Issued | None = None
    slot: int = -1  # the issued unit's place in Index.issued (what a worker process sends back)
    matched_by: str = ""
    reason: str = ""  # why it is not filed under a unit
    text: str = ""  # the returned unit's canonical JSON, with the issued file's $schema (once matched)
    changes: list = field(default_factory=list)  # diff.Change, issued → returned (once matched)

    @property
    def errors(self) -> int:
        return sum(p.level == ERROR for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(p.level == WARNING for p in self.problems)


@dataclass
class Entry:
    """One issued unit in the checklist."""

    issued: Issued
    returns: list[Return] = field(default_factory=list)
    status: str = NOT_RETURNED
    accepted: Return | None = None
    changes: list = field(default_factory=list)  # diff.Change, issued → returned
    written: list[Path] = field(default_factory=list)
    note: str = ""  # why several returns were not taken
    remark: str = ""  # the clerk's 备注, carried over from the previous checklist


@dataclass
class Ledger:
    entries: list[Entry]
    loose: list[Return]  # unreadable, unmatched, or one of several different returns for a unit
    problems: list[Problem] = field(default_factory=list)  # issued files that cannot be read, write failures
    interrupted: bool = False  # Ctrl-C: not every return was read, nothing was written
    abandoned: bool = False  # a worker pool was given up (bulk._execute): end the process with os._exit

    def count(self, status: str) -> int:
        return sum(e.status == status for e in self.entries)

    @property
    def unfiled(self) -> list[Return]:
        return [r for r in self.loose if r.issued is None]

    def line(self) -> str:
        returned = len(self.entries) - self.count(NOT_RETURNED)
        parts = "，".join(f"{s.split('·')[1]} {self.count(s)}" for s in STATUSES[:4] if self.count(s))
        return (
            f"共 {len(self.entries)} 个单位：已交回 {returned}"
            + (f"（{parts}）" if parts else "")
            + f"，未交回 {self.count(NOT_RETURNED)}；未能对应到单位的交回文件 {len(self.unfiled)} 个"
        )


class Index:
    """The issued units by code and by squashed name, built once for all the returns."""

    def __init__(self, issued: list[Issued]) -> None:
        self.issued = issued
        self.by_code: dict[str, list[int]] = {}
        self.by_name: dict[str, list[int]] = {}
        for slot, i in enumerate(issued):
            self.by_code.setdefault(i.code.strip(), []).append(slot)
            self.by_name.setdefault(_squash(i.name), []).append(slot)


def _problem(level: str, code: str, message: str, where: str) -> Problem:
    return Problem(level, code, message, Location(where))


def _squash(text: str) -> str:
    return "".join(text.split())


def find_returns(returns_dir: Path) -> list[Path]:
    """Every workbook under the folder, recursively; Office's lock files (``~$x.xlsx``) and hidden ones are not."""
    found = []
    for path in Path(returns_dir).rglob("*"):
        rel = path.relative_to(returns_dir)
        if path.suffix.lower() not in (".xlsx", ".xlsm") or not path.is_file():
            continue
        if any(part.startswith((".", "~$")) for part in rel.parts):
            continue
        found.append(path)
    return sorted(found, key=lambda p: p.relative_to(returns_dir).as_posix())


def load_issued(issued_dir: Path, problems: list[Problem]) -> list[Issued]:
    from .bulk import find_units
    from .files import read_unit_bytes
    from .model import unit_from_json

    issued = []
    for path in find_units(Path(issued_dir)):
        try:
            raw = read_unit_bytes(path)
            unit = unit_from_json(raw, str(path))  # as load_unit reads it
        except XlsgenError as exc:
            problems.extend(in_file(exc.problems, str(path)))
            continue
        issued.append(Issued(path, unit.code, unit.name, unit.parent, unit.schema_, raw))
    return issued


def read_return(path: Path) -> tuple[Return, Imported | None]:
    """Read one returned workbook and its rule problems; a file that cannot be read keeps its reason.

    Also the Imported (its unit and cells) when the workbook was read as a form, for ``examine``.
    """
    from . import safety
    from .grid import load_grids
    from .osfiles import NotReadable, read_regular
    from .read import read_grids
    from .rules import Context
    from .validate import check_imported

    ret = Return(path)
    try:
        # Never more than a workbook's size in memory: a 5 GB file named .xlsx is refused unread.
        data = read_regular(path, safety.MAX_FILE)
        # xlsgen's own 汇总表 of a whole county is far past the limits a form is held to: told by its
        # document properties alone, before the full checks would refuse it for its size.
        kind = safety.peek_properties(data, path.name).get("xlsgen_kind")
        if kind:
            ret.reason = f"是 xlsgen 生成的{kind}，不是交回的申报表"
            return ret, None
        package = safety.open_package(data, path.name)
        properties = package.properties
        if properties.get("xlsgen_kind"):
            ret.reason = f"是 xlsgen 生成的{properties['xlsgen_kind']}，不是交回的申报表"
            return ret, None
        ret.carried = properties.get(CODE_PROPERTY, "").strip()
        imported = read_grids(load_grids(package), path.name, properties)  # the package checked once
    except NotReadable as exc:
        ret.reason = f"无法读取文件：{exc}"
        ret.problems = [_problem(ERROR, "E-LOAD", ret.reason, str(path))]
        return ret, None
    except XlsgenError as exc:
        ret.problems = in_file(exc.problems, str(path))
        ret.reason = "无法读取：" + ret.problems[0].message
        return ret, None
    ret.read, ret.code, ret.name = True, imported.unit.code, imported.unit.name
    ret.problems = check_imported(imported, str(path))
    if not Context(imported.unit).filled:
        # The rules stay quiet on a blank form (xlsgen new's); a blank form sent back is not a return.
        ret.problems.insert(
            0,
            _problem(
                ERROR,
                "E-RETURN-BLANK",
                "交回的工作簿尚未填写：指标值全部为空，也没有项目；请联系单位填写后重新交回",
                str(path),
            ),
        )
    return ret, imported


def match(ret: Return, index: Index) -> None:
    """File ``ret`` under its unit (``ret.slot``, ``ret.issued``), or say why it cannot be."""
    from .read import MISSING

    if not ret.read:
        return
    shown = f"（表中单位：{ret.code} {ret.name}）"
    if ret.carried:
        candidates, how = index.by_code.get(ret.carried, []), BY_PROPERTY
        if not candidates:
            ret.reason = f"工作簿记录的单位编码 {ret.carried} 不是任何已下发单位的编码{shown}"
            return
    elif ret.code and ret.code != MISSING and ret.code.strip() in index.by_code:
        candidates, how = index.by_code[ret.code.strip()], BY_CODE
    else:
        candidates, how = index.by_name.get(_squash(ret.name), []), BY_NAME
        if not candidates:
            ret.reason = f"单位编码与单位名称都对不上任何已下发的单位{shown}"
            return
    if len(candidates) > 1:
        files = "、".join(str(index.issued[i].path) for i in candidates)
        ret.reason = f"按{how}（{ret.carried or ret.code if how != BY_NAME else ret.name}）对应到多个已下发的单位文件（{files}），无法确定是哪一个"
        return
    ret.slot, ret.matched_by = candidates[0], how
    ret.issued = index.issued[ret.slot]


def examine(path: Path, index: Index) -> Return:
    """Read, match and compare one return: what the checklist needs of it, its Unit and cells dropped.

    The comparison is made for every matched return, so that it can run where the return was read (a
    worker process); only the accepted one's is used.
    """
    from .diff import diff_units

    ret, imported = read_return(path)
    match(ret, index)
    if imported is not None and ret.issued is not None:
        returned = imported.unit.model_copy(update={"schema_": ret.issued.schema})
        ret.text = returned.to_json()
        # The issued file holding exactly this text (a return taken with --apply on an earlier run) is
        # the same unit: nothing changed, and neither it nor the cells need be made to say so.
        if ret.text.encode("utf-8") != ret.issued.raw:
            ret.changes = diff_units(_without_draft(ret.issued.unit()), returned, None, imported.cells)
    return ret


_INDEX: Index | None = None  # a worker process's, set once by _set_index


def _set_index(index: Index) -> None:
    global _INDEX
    _INDEX = index


def _examine_job(path: Path) -> Return:
    """``examine`` in a worker: what it sends back carries its issued unit as ``slot`` only."""
    assert _INDEX is not None
    try:
        ret = examine(path, _INDEX)
    except Exception as exc:  # a bug costs this return only, never the batch
        return _failed(path, f"读取时 xlsgen 内部出错（{type(exc).__name__}: {exc}）；请把该文件发给维护者")
    ret.issued = None  # its bytes need not travel back: the main process has them
    return ret


def _died(path: Path) -> Return:
    return _failed(
        path,
        "读取该文件时工作进程意外退出（可能内存不足或程序崩溃），其余交回不受影响；请单独运行 xlsgen import 查看原因",
    )


def _failed(path: Path, message: str) -> Return:
    return Return(path, problems=[_problem(ERROR, "E-BUG", message, str(path))], reason="无法读取：" + message)


def collect(
    returns_dir: Path,
    issued_dir: Path,
    apply: bool = False,
    remarks: dict[str, str] | None = None,
    checklist: Path | None = None,
    jobs: int | None = 1,
    on_done: Callable[[Return, int, int], None] | None = None,
    on_interrupt: Callable[[int], None] | None = None,
) -> Ledger:
    """Read every return, file each under its issued unit and write the imported JSON beside it.

    ``checklist`` (the ledger being written) is not taken for a return even when it lies in the folder.
    ``jobs``: worker processes reading the returns (None: one per CPU; 1: in this process); the result
    is the same whatever their number. ``on_done(ret, done, total)`` is called in this process as each
    return is read, in no particular order. Ctrl-C or SIGTERM stops the reading (see interrupts.py,
    ``on_interrupt`` is told of each of the first two signals): nothing is then written and the ledger
    says ``interrupted``.
    """
    import contextlib
    import gc
    import os

    from .bulk import _execute
    from .files import batch_synced
    from .interrupts import Interrupts

    own = Path(checklist).resolve() if checklist is not None else None
    problems: list[Problem] = []
    index = Index(load_issued(issued_dir, problems))
    entries = [Entry(i, remark=(remarks or {}).get(i.code, "")) for i in index.issued]
    paths = [p for p in find_returns(returns_dir) if own is None or p.resolve() != own]
    results: dict[Path, Return] = {}

    def done(ret: Return) -> None:
        results[ret.path] = ret
        if on_done is not None:
            on_done(ret, len(results), len(paths))

    workers = max(1, min(jobs or os.cpu_count() or 1, len(paths)))
    # The modules a return needs (read_return and examine import them lazily, as every command's
    # start does): imported once here, shared by every forked worker instead of imported by each.
    from . import diff, grid, read, rules, safety, validate  # noqa: F401

    # What exists now (modules, the index) lives as long as the run, in this process and in the forked
    # workers: kept from the cyclic collector's scans while each return allocates (as bulk.run does).
    gc.freeze()
    with Interrupts(in_process=workers <= 1, on_signal=on_interrupt) as stop:
        try:
            abandoned = _execute(paths, workers, done, stop, _examine_job, _died, (_set_index, (index,)))
        except KeyboardInterrupt:  # a second signal while a return was read in this process
            stop.count, abandoned = max(stop.count, 2), False
        finally:
            _set_index(None)  # type: ignore[arg-type]
            gc.unfreeze()
        if stop.stopping:
            return Ledger(entries, [], problems, interrupted=True, abandoned=abandoned)
    loose: list[Return] = []
    for path in paths:  # in the folder's order, however the workers finished
        ret = results[path]
        if ret.slot < 0:
            loose.append(ret)
        else:
            ret.issued = index.issued[ret.slot]
            entries[ret.slot].returns.append(ret)
    # Each file is still flushed before its rename; the folders' entries (the renames) are flushed once
    # each at the end instead of once per file (files.batch_synced: a rename lost to a power cut is
    # redone by the next run).
    with contextlib.ExitStack() as folders:
        for folder in sorted({e.issued.path.parent for e in entries}):
            folders.enter_context(batch_synced(folder))
        for entry in entries:
            _settle(entry, loose, apply, problems)
    ordered = sorted(entries, key=lambda e: (e.issued.code, str(e.issued.path)))
    return Ledger(ordered, loose, problems)


def _settle(entry: Entry, loose: list[Return], apply: bool, problems: list[Problem]) -> None:
    rets = entry.returns
    stale = entry.issued.returned_path
    if not rets:
        _remove_stale(stale, problems)
        return
    first = rets[0]
    if len(rets) > 1:
        # Each text has the same $schema (the issued file's), so they differ where the returns do.
        texts = {r.text for r in rets}
        if len(texts) > 1:
            names = "、".join(r.path.name for r in rets)
            entry.status = SEVERAL
            entry.note = (
                f"交回了 {len(rets)} 份内容不同的工作簿（{names}）：未采用任何一份。请确认以哪一份为准，"
                "把其余的移出交回目录后重新运行"
            )
            for r in rets:
                r.reason = f"与 {'、'.join(x.path.name for x in rets if x is not r)} 同为 {entry.issued.code} {entry.issued.name} 的交回，内容不同"
                loose.append(r)
            _remove_stale(stale, problems)
            return
        entry.note = f"另有 {len(rets) - 1} 份内容相同的交回（{'、'.join(r.path.name for r in rets[1:])}），按一份计"
    entry.accepted = first
    entry.status = HAS_ERRORS if first.errors else WARNINGS_ONLY if first.warnings else PASSED
    entry.changes = first.changes
    targets = [stale] + ([entry.issued.path] if apply and not first.errors else [])
    for target in targets:
        if _write_if_changed(target, first.text, problems):
            entry.written.append(target)


def _without_draft(unit: Unit) -> Unit:
    # A rollover draft's notes of what to fill are for the unit, not part of its answer.
    return unit.model_copy(update={"draft": None}) if getattr(unit, "draft", None) is not None else unit


def _write_if_changed(target: Path, text: str, problems: list[Problem]) -> bool:
    from .files import write_atomic

    data = text.encode("utf-8")
    try:
        if target.is_file() and target.read_bytes() == data:
            return True
        write_atomic(target, data)
    except XlsgenError as exc:
        problems.extend(exc.problems)
        return False
    return True


def _remove_stale(path: Path, problems: list[Problem]) -> None:
    """A ``.returned.json`` whose return is no longer in the returns folder (or is now ambiguous)."""
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        problems.append(_problem(WARNING, "E-OUTPUT", f"无法删除过时的 {path}：{exc.strerror or exc}", str(path)))


def read_remarks(checklist: Path) -> dict[str, str]:
    """The 备注 the clerk typed into a previous checklist, by 单位编码; nothing if there is none yet.

    Raises OutputError when ``checklist`` exists but cannot be read as one: the new checklist would be
    written over it, losing the remarks typed there (or, for a mistyped ``-o``, some other workbook)."""
    import io

    import openpyxl

    from . import safety
    from .errors import OutputError
    from .osfiles import NotReadable, read_regular

    if not checklist.exists():
        return {}
    keep = "为免丢失其中手写的“备注”，没有覆盖它；请关闭打开它的程序后重试，或用 -o 指定另一个文件"
    try:
        package = safety.open_package(read_regular(checklist, safety.MAX_FILE), checklist.name)
        wb = openpyxl.load_workbook(io.BytesIO(package.data), read_only=True, data_only=True)
    except NotReadable as exc:
        raise OutputError(f"无法读取已有的收集台账：{exc}；{keep}", Location(str(checklist))) from None
    except Exception:  # safety's refusals (their advice is for a unit's return) and openpyxl's own
        raise OutputError(
            f"无法读取已有的收集台账（不是完好的 xlsx 工作簿）；{keep}", Location(str(checklist))
        ) from None
    try:
        rows = wb[LEDGER_SHEET].iter_rows(values_only=True) if LEDGER_SHEET in wb.sheetnames else iter(())
        header = [str(v or "") for v in next(rows, ())]
        if "单位编码" not in header or "备注" not in header:
            raise OutputError(
                f"此文件已存在，但不是收集台账（没有带“单位编码”“备注”列的“{LEDGER_SHEET}”工作表），没有覆盖它；"
                "请用 -o 指定收集台账的文件名",
                Location(str(checklist)),
            )
        code_col, remark_col = header.index("单位编码"), header.index("备注")
        out = {}
        for row in rows:
            if len(row) > remark_col and row[code_col] and row[remark_col]:
                out[str(row[code_col])] = str(row[remark_col])
        return out
    finally:
        wb.close()
