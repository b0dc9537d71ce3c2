"""Bulk generation: every unit JSON under a folder → its workbook, in a process pool, plus 汇总表.xlsx.

Each unit is an independent pure job (path in, workbook bytes written through a temporary name that is
renamed when complete), so a bad file, a failed validation or even a crashed worker process costs one
unit and never the batch, and an interrupted run never leaves a half-written ``.xlsx``.

A manifest in the output folder records, per unit file, the hash of its bytes together with the
generator (templates, rendering code, xlsgen version), the size and time of its workbook and what the
summary shows of it. A unit whose hash is unchanged and whose workbook is as written is not even
loaded (``freshness``): the summary lists it from the manifest.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import __version__, freshness
from .errors import ERROR, Location, OutputError, Problem
from .files import batch_synced, clean_stale, sync_folder, write_atomic
from .indicators import shared
from .interrupts import Interrupts, ignore_in_worker
from .osfiles import MAX_UNIT_FILE, NotReadable, read_regular
from .outcomes import FAILED, OK, SKIPPED, Outcome, Report  # noqa: F401  (FAILED: for the CLI)
from .pipeline import Options, clashes, identity, quick_identity
from .pipeline import process as process_unit
from .summary import SUMMARY_NAME, write_summary

MANIFEST_NAME = ".xlsgen-manifest.json"
MANIFEST_FORMAT = 2
RETURNED_SUFFIX = ".returned.json"  # xlsgen collect's imported returns, beside the issued unit files


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class Job:
    """Everything a worker needs, and nothing it could share: paths and flags only."""

    path: str  # the unit file, as the user named it (relative to the working folder or absolute)
    source: str  # the unit file relative to DATA_DIR, the manifest key
    out_dir: str
    generator: str  # generator_digest() of the main process, so a monkeypatched digest reaches workers
    digest: str  # unit_digest() when the job was planned
    render: bool  # False: the manifest says the workbook is up to date
    force: bool
    blocked: str = ""  # why this unit must not be written (another unit would write the same file)
    code: str = ""  # as planned (read from the raw JSON), for a unit that fails to load or whose worker dies
    name: str = ""
    lock: bool = False  # protect the sheets (cli --lock)
    without: tuple[str, ...] = ()  # sections not printed (cli --without)
    verify_identity: bool = False  # code and name from the file's first keys only (pipeline.quick_identity)


# ---------------------------------------------------------------- fingerprints and manifest


@lru_cache(maxsize=1)
def generator_digest() -> str:
    """Hash of everything besides the unit's JSON that decides its workbook's bytes: xlsgen's version,
    the templates and the package's code."""
    from .layout import TEMPLATES_DIR

    h = hashlib.sha256(f"xlsgen {__version__}\n".encode())
    for path in sorted(TEMPLATES_DIR.glob("*.j2")):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    # The package's own code too: a working copy changes the renderer without bumping __version__,
    # and a stale workbook is worse than one rendered again for nothing.
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        with contextlib.suppress(OSError):
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def unit_digest(raw: bytes, generator: str) -> str:
    return hashlib.sha256(generator.encode() + b"\0" + raw).hexdigest()


def load_manifest(out_dir: Path) -> dict[str, dict[str, str]]:
    """The manifest's per-unit entries; an unreadable manifest only means everything is rendered again."""
    try:
        data = json.loads((out_dir / MANIFEST_NAME).read_text("utf-8"))
        units = data["units"] if data.get("format") == MANIFEST_FORMAT else {}
        return {k: v for k, v in units.items() if isinstance(v, dict) and "digest" in v and "output" in v}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def load_summary_record(out_dir: Path) -> dict[str, object] | None:
    """What the manifest says of the 汇总表.xlsx last written (freshness.summary_key and its file's stat)."""
    try:
        data = json.loads((out_dir / MANIFEST_NAME).read_text("utf-8"))
        record = data.get("summary") if data.get("format") == MANIFEST_FORMAT else None
        return record if isinstance(record, dict) else None
    except (OSError, ValueError, AttributeError):
        return None


def save_manifest(out_dir: Path, units: dict[str, dict[str, str]], summary: dict[str, object] | None = None) -> None:
    data: dict[str, object] = {"format": MANIFEST_FORMAT, "xlsgen": __version__, "units": dict(sorted(units.items()))}
    if summary:
        data["summary"] = summary
    # One line, no indentation: json's C encoder then writes it (indented, it is Python's, several times
    # slower), and a run saves it every few seconds.
    write_atomic(
        out_dir / MANIFEST_NAME, (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    )
    # The manifest and every workbook renamed into the folder before it, durable together (batch_synced).
    sync_folder(out_dir)


def _remove_replaced(
    out_dir: Path, old: dict[str, object], output: str, entries: dict[str, dict[str, object]], removed: list[str]
) -> None:
    """A unit renamed (new code or name, so a new file name) leaves its old workbook behind: remove it,
    if it is still exactly the file xlsgen wrote (same size and time) and no other unit claims it."""
    name = old.get("output")
    if not isinstance(name, str) or not name or name == output or Path(name).name != name:
        return
    if any(e.get("output") == name for e in entries.values()):
        return
    path = out_dir / name
    if old.get("output_stat") is None or freshness.file_stat(path) != old.get("output_stat"):
        return  # changed since (edited by hand?) or already gone: leave it
    with contextlib.suppress(OSError):
        path.unlink()
        removed.append(name)


# ---------------------------------------------------------------- planning


def find_units(data_dir: Path, out_dir: Path | None = None) -> list[Path]:
    """Every unit file under ``data_dir``, recursively, in a stable order.

    Hidden files and folders (the manifest, editor backups), JSON Schema files, the imported returns
    ``xlsgen collect`` writes beside the issued files (``*.returned.json``) and anything inside the
    output folder are not units.
    """
    root = data_dir.resolve()
    out = out_dir.resolve() if out_dir is not None else None
    if out == root:  # workbooks written beside their JSON files: nothing to exclude
        out = None
    found = []
    inside_out: dict[Path, bool] = {}  # per folder: resolving every file costs more than the rest together
    for path in data_dir.rglob("*.json"):
        rel = path.relative_to(data_dir)
        if any(part.startswith(".") for part in rel.parts) or path.name.endswith((".schema.json", RETURNED_SUFFIX)):
            continue
        if out is not None:
            folder = path.parent
            if folder not in inside_out:
                real = folder.resolve()
                inside_out[folder] = real == out or out in real.parents
            if inside_out[folder]:
                continue
        if not path.is_dir():  # a FIFO or a link to a device named *.json is reported, not skipped silently
            found.append((rel.as_posix(), path))
    return [path for _, path in sorted(found, key=lambda t: t[0])]


def plan(
    data_dir: Path, out_dir: Path, force: bool = False, lock: bool = False, without: tuple[str, ...] = ()
) -> list[Job]:
    """One job per unit file: whether to render it, and whether another unit claims its file name."""
    options = Options(tuple(without), force, lock)
    # A locked workbook, or one without some section, is another output of the same data: switching
    # --lock or --without redoes every unit.
    generator = generator_digest() + options.key()
    manifest = {} if force else load_manifest(out_dir)
    planned: list[tuple[Path, str, str, tuple[str, str] | None, bool]] = []
    quick: set[str] = set()  # units whose code and name were read from the file's first keys only
    for path in find_units(data_dir, out_dir):
        rel = path.relative_to(data_dir).as_posix()
        try:
            raw = read_regular(path, MAX_UNIT_FILE)
        except NotReadable:
            planned.append((path, rel, "", None, False))  # the worker reports the read error in full
            continue
        digest = unit_digest(raw, generator)
        entry = manifest.get(rel)
        fresh = freshness.fresh(entry, digest, str(path), out_dir)
        # An up-to-date unit's code and name are in the manifest: no need to parse its JSON. Nor, for
        # the clash check, is a file that names them first, as xlsgen writes it (see _settle_claims).
        ident = freshness.identity(entry) if fresh and entry else None
        if ident is None and (ident := quick_identity(raw)) is not None:
            quick.add(rel)
        planned.append((path, rel, digest, ident or identity(raw), fresh))
    planned, refused = _settle_claims(planned, quick)
    return [
        Job(
            str(path),
            rel,
            str(out_dir),
            generator,
            digest,
            render=not fresh,
            force=force,
            blocked=refused.get(rel, ""),
            code=ident[0] if ident else "",
            name=ident[1] if ident else "",
            lock=lock,
            without=options.without,
            verify_identity=rel in quick,
        )
        for path, rel, digest, ident, fresh in planned
    ]


def _settle_claims(
    planned: list[tuple[Path, str, str, tuple[str, str] | None, bool]], quick: set[str]
) -> tuple[list[tuple[Path, str, str, tuple[str, str] | None, bool]], dict[str, str]]:
    """The clash check as if every file had been parsed in full, parsing only files in a clash.

    A quick claim (pipeline.quick_identity) is what a full parse reads whenever the file loads; a
    broken file's claim is void (identity gives None). So a quick claim that clashes with nothing
    changes nothing, and one that clashes is parsed in full (and dropped, when void) until the clashes
    left are between full claims only: then the refusals are those of full claims throughout.
    """
    while True:
        refused = clashes((rel, ident) for _, rel, _, ident, _ in planned if ident)
        doubtful = quick & refused.keys()
        if not doubtful:
            return planned, refused
        settled = []
        for path, rel, digest, ident, fresh in planned:
            if rel in doubtful:
                quick.discard(rel)
                try:
                    ident = identity(read_regular(path, MAX_UNIT_FILE))
                except NotReadable:
                    ident = None  # the worker reports the read error in full
            settled.append((path, rel, digest, ident, fresh))
        planned = settled


# ---------------------------------------------------------------- the worker


def _peak_rss_kb() -> int:
    try:
        import resource
    except ImportError:  # Windows: not measured (the benchmark runs on Linux)
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # macOS reports bytes, Linux kilobytes


def run_job(job: Job) -> Outcome:
    """Load, check and (unless up to date) render one unit (pipeline.process). Never raises for a
    unit's own fault."""
    out = process_unit(
        job.path,
        job.out_dir,
        Options(job.without, job.force, job.lock),
        source=job.source,
        # The code and name read when planning: a file that then fails to load still shows who it is.
        code=job.code,
        name=job.name,
        blocked=job.blocked,
        verify_identity=job.verify_identity,
        digest=lambda raw: unit_digest(raw, job.generator),
        fresh=lambda digest: not job.render and digest == job.digest,
    )
    if not out.digest:
        out.digest = job.digest
    out.peak_rss_kb = _peak_rss_kb()
    return out


def _init_worker(setup: tuple[Callable[..., None], tuple[object, ...]] | None = None) -> None:
    # Ctrl-C reaches the whole process group: the workers let the main process decide (it lets running
    # jobs finish, so their files are complete), instead of dying with a traceback each.
    ignore_in_worker()
    if sys.platform.startswith("linux"):
        # If the main process is killed outright (kill -9), the workers would otherwise wait forever
        # on their queue; ask the kernel to end them with it.
        with contextlib.suppress(Exception):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            pr_set_pdeathsig = 1
            libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if setup is not None:  # what another pool's jobs share (collect's index of issued units)
        setup[0](*setup[1])


def _warm_up() -> None:
    # Compile the templates before the run: forked workers inherit them instead of each compiling them.
    # The modules a unit needs too (pipeline.process imports them lazily, so that an unchanged re-run
    # never pays for them): imported once here, shared by every forked worker.
    from . import indicators, layout, model, render, validate  # noqa: F401

    env = layout.environment()
    for name in layout.TEMPLATES:
        env.get_template(f"{name}.html.j2")


def _died(job: Job) -> Outcome:
    code, name = job.code, job.name
    if job.verify_identity:  # as a full parse of the file says (pipeline.process does the same)
        try:
            code, name = identity(read_regular(job.path, MAX_UNIT_FILE)) or ("", "")
        except NotReadable:
            pass
    return Outcome(
        source=job.source,
        path=job.path,
        code=code,
        name=name,
        digest=job.digest,
        issues=[
            Problem(
                ERROR,
                "E-BUG",
                "处理该文件时工作进程意外退出（可能内存不足或程序崩溃），其余单位不受影响；请单独运行 xlsgen generate 查看原因",
                Location(job.path),
            )
        ],
    )


def _run_isolated(
    job: Any, work: Callable[[Any], Any] = run_job, died: Callable[[Any], Any] = _died, setup: Any = None
) -> Any:
    """Run one job in a pool of its own, so that if its worker dies we know whose fault it was."""
    try:
        with ProcessPoolExecutor(max_workers=1, initializer=_init_worker, initargs=(setup,)) as pool:
            return pool.submit(work, job).result()
    except BrokenProcessPool:
        return died(job)


def _execute(
    jobs: list[Any],
    workers: int,
    on_done: Callable[[Any], None],
    stop: Interrupts,
    work: Callable[[Any], Any] = run_job,
    died: Callable[[Any], Any] = _died,
    setup: tuple[Callable[..., None], tuple[object, ...]] | None = None,
) -> bool:
    """Run every job, calling ``on_done`` in the main process as each finishes, until ``stop`` says so.

    ``work(job)`` runs in a worker (a unit's by default: run_job) and never raises for a job's own
    fault; ``died(job)`` is the result of a job whose worker died; ``setup`` is ``(function, args)``
    called once in each worker before its first job (and in this process when there are no workers).

    At most ``2 × workers`` jobs are in flight: memory stays flat however many units there are, and
    when a worker process dies only those few are suspects (each is then retried alone). After a first
    interrupt no job starts and the running ones finish and are reported; after a second the workers
    are ended and this returns at once.

    Returns True when a pool had to be abandoned: a worker killed while sending its result (SIGTERM to
    the whole process group, the OOM killer) leaves concurrent.futures' manager thread blocked for ever
    on half a message, which it never notices; the process must then end without joining that thread.
    """
    if workers <= 1:
        if setup is not None:
            setup[0](*setup[1])
        for job in jobs:
            stop.announce()
            if stop.stopping:
                return False
            on_done(work(job))
        return False
    abandoned = False
    pending = deque(jobs)
    while pending and not stop.stopping:
        suspects: list[Any] = []
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(setup,))
        inflight: dict[Future[Any], Any] = {}
        dead_since: float | None = None
        stuck = False
        try:
            while inflight or (pending and not stop.stopping):
                while pending and not stop.stopping and len(inflight) < 2 * workers:
                    job = pending.popleft()
                    inflight[pool.submit(work, job)] = job
                # Short waits: the loop, not a KeyboardInterrupt, is what notices a signal.
                done, _ = wait(inflight, timeout=0.1, return_when=FIRST_COMPLETED)
                stop.announce()
                if stop.now:
                    _end_workers(pool)
                    abandoned = stuck = True
                    return abandoned
                if stop.stopping:  # jobs not started yet never will be
                    for fut in [f for f in inflight if f.cancel()]:
                        del inflight[fut]
                for fut in done:
                    job = inflight.pop(fut, None)
                    if job is None or fut.cancelled():
                        continue
                    try:
                        outcome = fut.result()
                    except BrokenProcessPool:
                        suspects.append(job)
                        continue
                    on_done(outcome)
                if suspects:
                    break
                if not done and _a_worker_died(pool):
                    dead_since = dead_since or time.monotonic()
                    if time.monotonic() - dead_since > STUCK_AFTER:  # and the pool has not noticed
                        _end_workers(pool)
                        abandoned = stuck = True
                        if stop.stopping:
                            return abandoned
                        break
        finally:
            pool.shutdown(wait=not stuck, cancel_futures=True)
        if suspects or stuck:
            # The pool is broken: the jobs still in flight either finished before it broke or failed
            # with it. Retry each of the latter alone, so only the culprit fails.
            for fut, job in inflight.items():
                if fut.done() and not fut.cancelled() and fut.exception() is None:
                    on_done(fut.result())
                else:
                    suspects.append(job)
            for job in suspects:
                stop.announce()
                if stop.stopping:
                    return abandoned
                on_done(_run_isolated(job, work, died, setup))
    return abandoned


STUCK_AFTER = 3.0  # seconds a dead worker may go unnoticed by its pool before the pool is given up


def _a_worker_died(pool: ProcessPoolExecutor) -> bool:
    # A pool's workers never exit on their own (no max_tasks_per_child): an exit code means a death.
    processes = getattr(pool, "_processes", None) or {}
    return not getattr(pool, "_broken", False) and any(p.exitcode is not None for p in list(processes.values()))


def _end_workers(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's worker processes (a second interrupt): their units are abandoned, unwritten."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            process.kill()


# ---------------------------------------------------------------- the run


def run(
    data_dir: Path | str,
    out_dir: Path | str,
    jobs: int | None = None,
    force: bool = False,
    on_done: Callable[[Outcome, int, int], None] | None = None,
    summary: bool = True,
    lock: bool = False,
    on_interrupt: Callable[[int], None] | None = None,
    without: tuple[str, ...] = (),
) -> Report:
    """Generate every unit under ``data_dir`` into ``out_dir``; ``on_done(outcome, done, total)`` is
    called in this process as each unit finishes. Ctrl-C or SIGTERM ends the run cleanly (see
    interrupts.py), ``report.interrupted``; ``on_interrupt(1 or 2)`` is told of each of the first two.
    """
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    start = time.perf_counter()
    job_list = plan(data_dir, out_dir, force, lock, without)
    if not job_list:  # nothing to do: leave the output folder as it is
        return Report([], time.perf_counter() - start)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"无法创建输出目录（{exc.strerror or exc}）", Location(str(out_dir))) from None
    stale = clean_stale(out_dir)

    # Even under --force the old entries stay true of the files they describe until a unit is redone,
    # so an interrupted forced run does not forget the workbooks it has not reached yet.
    entries = {k: v for k, v in load_manifest(out_dir).items() if (data_dir / k).is_file()}
    saved = dict(entries)
    summary_record = load_summary_record(out_dir)
    by_source = {job.source: job for job in job_list}
    outcomes: list[Outcome] = []
    last_save = time.monotonic()

    # Up-to-date units are answered from the manifest here; only the others go to the workers.
    todo: list[Job] = []
    cached: list[Outcome] = []
    for job in job_list:
        if not job.render and not job.blocked and job.source in entries:
            try:
                cached.append(freshness.outcome_from(entries[job.source], job, SKIPPED, Outcome, Problem))
                continue
            except (KeyError, TypeError, ValueError, ArithmeticError):
                job = replace(job, render=True)  # a damaged entry: do the unit again
        todo.append(job)
    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    if todo:
        _warm_up()

    manifest_error = ""
    replaced: list[str] = []
    started = [False]

    def save() -> None:
        # A manifest that cannot be written (disk full, folder read-only) costs the next run its
        # skipping, never this run: the units go on, and the report says so (issue 13 §5).
        nonlocal manifest_error, last_save
        last_save = time.monotonic()
        try:
            save_manifest(out_dir, entries, summary_record)
            manifest_error = ""
        except OutputError as exc:
            manifest_error = str(exc)

    texts: dict[str, str] = {}

    def done(outcome: Outcome) -> None:
        old = entries.get(outcome.source)
        if outcome.indicators:
            outcome.indicators = shared(outcome.indicators, texts)
        outcomes.append(outcome)
        if outcome.status in (OK, SKIPPED):
            entries[outcome.source] = freshness.entry(outcome, by_source[outcome.source])
            if outcome.status == OK and old:
                _remove_replaced(out_dir, old, outcome.output, entries, replaced)
        else:
            entries.pop(outcome.source, None)
        # Save at the first unit written and then every 2 s, so that a run killed outright (kill -9),
        # even in its first seconds, still skips what it finished.
        if (outcome.status == OK and not started[0]) or time.monotonic() - last_save > 2.0:
            started[0] = True
            save()
        if on_done is not None:
            on_done(outcome, len(outcomes), len(job_list))

    abandoned = False
    # What exists now (modules, templates, compiled patterns) lives as long as the run: keep the cyclic
    # collector from scanning it again and again while each unit allocates (about 5 % of the time). No
    # collection first: it would scan all of that once more, for the few cycles it could free.
    gc.freeze()
    with batch_synced(out_dir), Interrupts(in_process=workers <= 1, on_signal=on_interrupt) as stop:
        try:
            for outcome in cached:
                done(outcome)
            if todo:
                abandoned = _execute(todo, workers, done, stop)
        except KeyboardInterrupt:  # a second signal while a unit ran in this process
            stop.count = max(stop.count, 2)
        finally:
            gc.unfreeze()
        interrupted = stop.stopping
        if todo:
            # No worker writes any more (each was joined or killed): what a killed one had begun to
            # write (a second Ctrl-C, SIGTERM to the whole group, the OOM killer) goes now, not next run.
            stale += clean_stale(out_dir)
        if entries != saved or manifest_error or not (out_dir / MANIFEST_NAME).is_file():
            save()
    report = Report(outcomes, time.perf_counter() - start, interrupted, stale_removed=stale)
    report.manifest_error, report.replaced, report.abandoned = manifest_error, replaced, abandoned
    if summary and not interrupted and outcomes:
        key = freshness.summary_key(outcomes)
        if freshness.summary_fresh(summary_record, key, out_dir / SUMMARY_NAME, outcomes, SKIPPED):
            report.summary = out_dir / SUMMARY_NAME  # nothing changed: the checklist as last written
        else:
            try:
                report.summary = write_summary(out_dir, outcomes)
                summary_record = {"key": key, "stat": freshness.file_stat(report.summary)}
                save()  # with the summary's record, so the next unchanged run keeps it
                report.manifest_error = report.manifest_error or manifest_error
            except OutputError as exc:  # e.g. 汇总表.xlsx open in Excel: the workbooks are still fine
                report.summary_error = str(exc)
    report.elapsed = time.perf_counter() - start
    report.main_peak_rss_kb = _peak_rss_kb()
    return report
