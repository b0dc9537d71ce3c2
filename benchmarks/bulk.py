"""Benchmark of ``xlsgen bulk`` against raw xlsxwriter writing the same workbooks.

    python benchmarks/bulk.py                       # 300 generated units, 5 paired repeats
    python benchmarks/bulk.py --units 100 --stages  # quicker; plus where one unit's time goes
    python benchmarks/bulk.py --jobs 2 --memory-check

The baseline replays, with raw xlsxwriter calls only, the cells, merges, formats, validations and
print setup of xlsgen's own output (``_replay``); everything that is not an xlsxwriter call (the model,
the template, the Grid, A1 formulas, typed values) is precomputed outside the timed region. xlsgen's
side includes all of its work: load, validate, layout, fit, write, the file written atomically.

The machine is shared, so every comparison is paired and interleaved, and medians are reported:

``paired``  one process; for every unit the baseline replay and xlsgen's ``run_job`` are timed back to
            back (which goes first alternates), ``--repeat`` times; the per-unit medians are summed.
            Load on the machine hits both sides of each pair alike.
``process`` ``--repeat`` rounds, each a fresh baseline process and a fresh ``bulk.run(--jobs 1)``
            process (which goes first alternates); the median wall of each and of the per-round ratio.
            With ``--jobs 2`` also two baseline processes (half the units each) against ``--jobs 2``.
``--stages`` one in-process run with each pipeline stage wrapped in a timer (not cProfile, which slows
            the run several times over and distorts the shares): exclusive CPU time per stage (the
            process's own CPU clock, which other load on the machine barely moves), validation in its
            own stage, beside the baseline's CPU time for the same units in the same process.

It prints numbers and ratios; it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def peak_rss_kb() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


def cpu_seconds() -> float:
    """CPU time of this process and of its reaped children (the pool's workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def mb(kb: float) -> str:
    return f"{kb / 1024:.0f} MB"


# ---------------------------------------------------------------- children (each in its own process)


def child_bulk(data: str, out: str, jobs: int) -> dict[str, Any]:
    from xlsgen import bulk, summary  # noqa: F401  (imported outside the clock)

    # Import and compile outside the clock, as the baseline does: the benchmark compares throughput.
    bulk._warm_up()
    cpu = cpu_seconds()
    start = time.perf_counter()
    report = bulk.run(data, out, jobs=jobs, force=True)
    wall = time.perf_counter() - start
    cpu = cpu_seconds() - cpu
    workers = {pid: kb for pid, kb in report.worker_peak_rss_kb().items() if pid != os.getpid()}
    return {
        "wall": wall,
        "cpu": cpu,
        "main_rss_kb": peak_rss_kb(),
        "workers_rss_kb": sorted(workers.values()),
        "ok": report.count(bulk.OK),
        "failed": report.count(bulk.FAILED),
        "errors": sum(o.errors for o in report.outcomes),
        "warnings": sum(o.warnings for o in report.outcomes),
    }


def _replay_plan(path: Path) -> dict[str, Any]:
    """Everything xlsxwriter needs for one unit's workbook, with no xlsgen code left to run."""
    from xlsgen import forms, layout, render, styles
    from xlsgen.model import load_unit

    unit = load_unit(path)
    sheets = layout.build(unit)
    plan: dict[str, Any] = {
        "file": render.file_name(unit),
        "title": f"{unit.name} {forms.DEPT_SHEET}",
        "subject": f"{unit.year}年度绩效目标",
        "custom": [
            ("xlsgen_templates", ",".join(s.template for s in sheets)),
            ("xlsgen_template_version", layout.TEMPLATE_VERSION),
            *((prop, str(getattr(unit, name))) for name, prop in forms.IDENTITY_PROPERTIES.items()),
        ],
        "sheets": [],
    }
    for sheet in sheets:
        fields = sheet.by_field()
        ops: list[tuple[Any, ...]] = []
        for cell in sheet.cells:
            kind = styles.VALUE_TYPES.get(cell.style, "text")
            if cell.merged:
                ops.append(("merge", cell.row, cell.col, cell.last_row, cell.last_col, cell.style))
            if cell.formula:
                cached = render._value(cell.value, kind) if cell.value else 0
                ops.append(("formula", cell.row, cell.col, sheet.formula_a1(cell, fields), cell.style, cached))
            elif cell.value == "":
                ops.append(("blank", cell.row, cell.col, cell.style))
            elif kind == "text":
                ops.append(("string", cell.row, cell.col, cell.value, cell.style))
            else:
                ops.append(("number", cell.row, cell.col, render._value(cell.value, kind), cell.style))
        # The validations as render writes them (computed here, outside the timed replay).
        ops.extend(("validation", *v) for v in render.list_validations(sheet))
        plan["sheets"].append(
            {
                "name": sheet.name,
                "widths": list(sheet.widths),
                "heights": list(sheet.heights),
                "ops": ops,
                "repeat": sheet.repeat_rows,
                "breaks": list(sheet.breaks),
            }
        )
    plan["lists"] = [
        (name, values, f"={render.LISTS_SHEET}!${layout.a1(1, col)[:-1]}$2:${layout.a1(1, col)[:-1]}${len(values) + 1}")
        for col, (name, values, _) in enumerate(render.LISTS.values())
    ]
    return plan


def _replay(
    plan: dict[str, Any],
    out: Path,
    styles_sheet: dict[str, dict[str, Any]],
    lists_sheet: str,
    margins: dict[str, float],
) -> None:
    """Raw xlsxwriter calls only (the workbook and print setup through xlsgen.xlsx, as render does)."""
    from xlsgen import xlsx

    wb = xlsx.new_workbook(str(out / plan["file"]), plan["title"], subject=plan["subject"])
    for key, value in plan["custom"]:
        wb.set_custom_property(key, value)
    formats = {name: wb.add_format(props) for name, props in styles_sheet.items()}
    for sheet in plan["sheets"]:
        ws = wb.add_worksheet(sheet["name"])
        for col, width in enumerate(sheet["widths"]):
            ws.set_column(col, col, width)
        for row, height in enumerate(sheet["heights"]):
            ws.set_row(row, height)
        for op in sheet["ops"]:
            kind = op[0]
            if kind == "merge":
                ws.merge_range(op[1], op[2], op[3], op[4], "", formats[op[5]])
            elif kind == "formula":
                ws.write_formula(op[1], op[2], op[3], formats[op[4]], op[5])
            elif kind == "blank":
                ws.write_blank(op[1], op[2], None, formats[op[3]])
            elif kind == "string":
                ws.write_string(op[1], op[2], op[3], formats[op[4]])
            elif kind == "number":
                ws.write_number(op[1], op[2], op[3], formats[op[4]])
            else:
                ws.data_validation(op[1], op[2], op[3], op[4], op[5])
        xlsx.print_setup(
            ws,
            margins=margins,
            center=True,
            repeat_rows=sheet["repeat"],
            breaks=sheet["breaks"],
            footer={"margin": 0.3},
        )
    ls = wb.add_worksheet(lists_sheet)
    for col, (name, values, ref) in enumerate(plan["lists"]):
        ls.write_string(0, col, name)
        for row, value in enumerate(values, 1):
            ls.write_string(row, col, value)
        wb.define_name(name, ref)
    ls.hide()
    ls.protect()
    wb.worksheets()[0].activate()
    wb.close()


def _baseline_setup() -> tuple[dict[str, dict[str, Any]], str, dict[str, float]]:
    from xlsgen import render, styles

    return {k: dict(v) for k, v in styles.STYLES.items()}, render.LISTS_SHEET, dict(render.MARGINS_IN)


def child_baseline(data: str, out: str, part: int, parts: int) -> dict[str, Any]:
    """Precompute every plan (untimed), say "ready", wait for "go" on stdin, then time the replay."""
    from xlsgen import bulk

    files = bulk.find_units(Path(data))[part::parts]
    plans = [_replay_plan(f) for f in files]
    setup = _baseline_setup()
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    # The precomputed plans are many long-lived objects; without this the cyclic GC would scan them
    # again and again while xlsxwriter allocates, charging the baseline for our bookkeeping.
    gc.collect()
    gc.freeze()
    print("ready", flush=True)
    sys.stdin.readline()
    cpu = cpu_seconds()
    start = time.perf_counter()
    for plan in plans:
        _replay(plan, target, *setup)
    wall = time.perf_counter() - start
    return {"wall": wall, "cpu": cpu_seconds() - cpu, "rss_kb": peak_rss_kb(), "units": len(plans)}


def child_paired(data: str, out: str, repeat: int) -> dict[str, Any]:
    """Per unit, the baseline replay and xlsgen's whole job back to back, ``repeat`` times."""
    from xlsgen import bulk

    out_x, out_b = Path(out) / "xlsgen", Path(out) / "baseline"
    out_b.mkdir(parents=True, exist_ok=True)
    jobs = bulk.plan(Path(data), out_x, force=True)
    out_x.mkdir(parents=True, exist_ok=True)
    plans = [_replay_plan(Path(job.path)) for job in jobs]
    setup = _baseline_setup()
    bulk._warm_up()
    for job, plan in zip(jobs[:3], plans[:3], strict=True):  # first calls (caches, lazy imports) outside the clock
        bulk.run_job(job)
        _replay(plan, out_b, *setup)
    gc.collect()
    gc.freeze()
    base: list[list[float]] = [[] for _ in jobs]
    mine: list[list[float]] = [[] for _ in jobs]
    base_cpu: list[list[float]] = [[] for _ in jobs]
    mine_cpu: list[list[float]] = [[] for _ in jobs]
    failed = 0
    for r in range(repeat):
        for i, (job, plan) in enumerate(zip(jobs, plans, strict=True)):
            for side in (0, 1) if (i + r) % 2 == 0 else (1, 0):
                cpu = time.process_time()
                start = time.perf_counter()
                if side == 0:
                    _replay(plan, out_b, *setup)
                    base[i].append(time.perf_counter() - start)
                    base_cpu[i].append(time.process_time() - cpu)
                else:
                    outcome = bulk.run_job(job)
                    mine[i].append(time.perf_counter() - start)
                    mine_cpu[i].append(time.process_time() - cpu)
                    failed += r == 0 and outcome.status == bulk.FAILED
    b = [statistics.median(t) for t in base]
    x = [statistics.median(t) for t in mine]
    names = [plan["file"] for plan in plans]
    same = sum(1 for n in names if (out_x / n).is_file() and (out_x / n).read_bytes() == (out_b / n).read_bytes())
    return {
        "units": len(jobs),
        "base": sum(b),
        "mine": sum(x),
        "ratio_median": statistics.median(xi / bi for xi, bi in zip(x, b, strict=True)),
        "base_cpu": sum(statistics.median(t) for t in base_cpu),
        "mine_cpu": sum(statistics.median(t) for t in mine_cpu),
        "same": same,
        "failed": failed,
    }


# Exclusive time per stage: (module, attribute, label). Wrapped wherever the function is referenced
# (``from .validate import check`` binds it into the importing module too), so a stage is counted
# whichever module calls it. Missing names are skipped: the list names the pipeline's stages, not its
# layout at one commit.
STAGES = (
    ("xlsgen.model", "unit_from_json", "load (JSON + pydantic)"),
    ("xlsgen.validate", "check", "validate"),
    ("xlsgen.layout", "markup", "template (Jinja)"),
    ("xlsgen.layout", "parse", "markup → Grid"),
    ("xlsgen.layout", "fit_heights", "fit_heights"),
    ("xlsgen.layout", "plan_pages", "plan_pages"),
    # The writer: package.py builds the .xlsx itself; xlsxwriter only where package declines a unit.
    ("xlsgen.package", "_place", "writer: cells → sheet XML"),
    ("xlsgen.xlsx", "deflated", "writer: deflate (zlib)"),
    ("xlsgen.package", "form_workbook", "writer: other parts, zip container"),
    ("xlsgen.render", "write_sheet", "xlsxwriter: cells, merges, sheet setup"),
    ("xlsxwriter.workbook", "Workbook.close", "xlsxwriter: close (XML + zip)"),
    ("xlsgen.render", "workbook_bytes", "writer: workbook setup (render)"),
    ("xlsgen.files", "write_atomic", "write file (atomic)"),
    ("xlsgen.bulk", "run_job", "per-unit rest (run_job)"),
)


def _install_timers(totals: dict[str, float]) -> None:
    import importlib

    stack = [0.0]

    def timer(fn: Callable[..., Any], label: str) -> Callable[..., Any]:
        def wrapper(*a: Any, **kw: Any) -> Any:
            stack.append(0.0)
            start = time.process_time()
            try:
                return fn(*a, **kw)
            finally:
                elapsed = time.process_time() - start
                totals[label] = totals.get(label, 0.0) + elapsed - stack.pop()
                stack[-1] += elapsed

        return wrapper

    for module_name, attr, label in STAGES:
        try:
            owner: Any = importlib.import_module(module_name)
        except ImportError:
            continue
        *path, name = attr.split(".")
        for part in path:
            owner = getattr(owner, part)
        fn = getattr(owner, name, None)
        if fn is None:
            continue
        wrapped = timer(fn, label)
        setattr(owner, name, wrapped)
        if not path:
            for module in list(sys.modules.values()):
                if getattr(module, "__name__", "").startswith("xlsgen"):
                    for key, value in list(vars(module).items()):
                        if value is fn:
                            setattr(module, key, wrapped)


def child_stages(data: str, out: str, cprofile: bool) -> dict[str, Any]:
    """The baseline for the units, then one in-process ``bulk.run(--jobs 1)`` with its stages timed."""
    from xlsgen import bulk, summary  # noqa: F401  (every module loaded before the timers go in)

    totals: dict[str, float] = {}
    files = bulk.find_units(Path(data))
    plans = [_replay_plan(f) for f in files]
    setup = _baseline_setup()
    base_dir = Path(out) / "baseline"
    base_dir.mkdir(parents=True, exist_ok=True)
    start = time.process_time()  # before the timers go in: they wrap xlsxwriter's close too
    for plan in plans:
        _replay(plan, base_dir, *setup)
    base = time.process_time() - start
    _install_timers(totals)
    bulk._warm_up()
    profiler = None
    if cprofile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    start = time.process_time()
    report = bulk.run(data, out, jobs=1, force=True, summary=False)
    wall = time.process_time() - start
    top = ""
    if profiler is not None:
        import io
        import pstats

        profiler.disable()
        buf = io.StringIO()
        pstats.Stats(profiler, stream=buf).sort_stats("tottime").print_stats(25)
        top = buf.getvalue()
    return {"wall": wall, "base": base, "units": len(report.outcomes), "stages": totals, "cprofile": top}


# ---------------------------------------------------------------- the parent


def spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, __file__, "--child", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def result_of(proc: subprocess.Popen[str]) -> dict[str, Any]:
    out, _ = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"child failed ({proc.returncode}): {out}")
    return json.loads(out.strip().splitlines()[-1])


def run_child(*args: str) -> dict[str, Any]:
    return result_of(spawn(*args))


def baseline(data: Path, out: Path, parts: int) -> dict[str, Any]:
    procs = [spawn("baseline", str(data), str(out), str(i), str(parts)) for i in range(parts)]
    for p in procs:  # every child has its plans in memory before any starts the clock
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    results = [result_of(p) for p in procs]
    return {
        "wall": max(r["wall"] for r in results),
        "cpu": sum(r["cpu"] for r in results),
        "rss_kb": [r["rss_kb"] for r in results],
    }


def identical(a: Path, b: Path) -> tuple[int, int]:
    names = sorted(p.name for p in a.glob("*.xlsx") if p.name != "汇总表.xlsx")
    same = sum(1 for n in names if (b / n).is_file() and (a / n).read_bytes() == (b / n).read_bytes())
    return same, len(names)


def describe(data: Path) -> str:
    from xlsgen.bulk import find_units

    files = find_units(data)
    projects = [len(json.loads(f.read_text("utf-8"))["projects"]) for f in files]
    size = sum(f.stat().st_size for f in files)
    return (
        f"{len(files)} units, projects per unit {min(projects)}–{max(projects)} (mean {sum(projects) / len(projects):.1f}), "
        f"{size / len(files) / 1024:.0f} KB JSON per unit"
    )


def process_rounds(data: Path, work: Path, jobs: int, repeat: int) -> dict[str, Any]:
    """``repeat`` rounds of a baseline process (``jobs`` of them) and a bulk process, order alternating."""
    base: list[dict[str, Any]] = []
    mine: list[dict[str, Any]] = []
    for r in range(repeat):
        for side in (0, 1) if r % 2 == 0 else (1, 0):
            if side == 0:
                base.append(baseline(data, work / f"base{jobs}", jobs))
            else:
                mine.append(run_child("bulk", str(data), str(work / f"out{jobs}"), str(jobs)))
    return {
        "base": statistics.median(b["wall"] for b in base),
        "mine": statistics.median(m["wall"] for m in mine),
        "base_cpu": statistics.median(b["cpu"] for b in base),
        "mine_cpu": statistics.median(m["cpu"] for m in mine),
        "ratios": sorted(m["wall"] / b["wall"] for m, b in zip(mine, base, strict=True)),
        "base_rss": base[-1]["rss_kb"],
        "last": mine[-1],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--units", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=5, help="paired repeats (medians are reported; at least 5)")
    ap.add_argument("--mode", choices=("both", "paired", "process", "none"), default="both")
    ap.add_argument("--jobs", type=int, default=1, help="2: also compare --jobs 2 with two baseline processes")
    ap.add_argument("--memory-check", action="store_true", help="peak RSS of bulk over 100 vs 1000 units")
    ap.add_argument("--stages", action="store_true", help="time the pipeline's stages (in-process, timers)")
    ap.add_argument("--cprofile", action="store_true", help="with --stages: also the top functions by own time")
    ap.add_argument("--data", type=Path, help="use this folder of units instead of generating a county")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child:
        kind, *rest = args.child
        if kind == "bulk":
            result = child_bulk(rest[0], rest[1], int(rest[2]))
        elif kind == "baseline":
            result = child_baseline(rest[0], rest[1], int(rest[2]), int(rest[3]))
        elif kind == "paired":
            result = child_paired(rest[0], rest[1], int(rest[2]))
        else:
            result = child_stages(rest[0], rest[1], rest[2] == "1")
        print(json.dumps(result, ensure_ascii=False))
        return

    from xlsgen.demo import write_county

    if args.repeat < 5:
        print(f"note: --repeat {args.repeat} is below 5: medians of so few runs are noisy")
    with tempfile.TemporaryDirectory(prefix="xlsgen-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        data = args.data or work / f"data{args.units}"
        if not data.exists():
            write_county(args.units, data, seed=args.seed)
        print(f"xlsgen bulk benchmark: {describe(data)}; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
        if load > 0.5:
            print(f"note: load average {load:.1f} before starting; the paired medians are meant to absorb it")

        if args.mode in ("both", "paired"):
            p = run_child("paired", str(data), str(work / "paired"), str(args.repeat))
            n = p["units"]
            print()
            print(f"paired, per unit (median of {args.repeat} back-to-back pairs per unit, summed over {n} units):")
            print(f"  baseline raw xlsxwriter  {p['base']:7.2f} s  {p['base'] / n * 1000:6.1f} ms/unit")
            print(f"  xlsgen (whole job)       {p['mine']:7.2f} s  {p['mine'] / n * 1000:6.1f} ms/unit")
            print(
                f"  ratio xlsgen / baseline  {p['mine'] / p['base']:7.2f}×  (median of per-unit ratios {p['ratio_median']:.2f}×)"
            )
            print(
                f"  CPU time (process_time): baseline {p['base_cpu'] / n * 1000:.1f} ms/unit, xlsgen "
                f"{p['mine_cpu'] / n * 1000:.1f} ms/unit, ratio {p['mine_cpu'] / p['base_cpu']:.2f}×"
            )
            print(f"  workbooks byte-identical to the baseline's: {p['same']}/{n}; failed units: {p['failed']}")

        if args.mode in ("both", "process"):
            for jobs in sorted({1, args.jobs}):
                r = process_rounds(data, work, jobs, args.repeat)
                last = r["last"]
                n = last["ok"] + last["failed"]
                ratios = ", ".join(f"{x:.2f}" for x in r["ratios"])
                print()
                print(
                    f"processes, --jobs {jobs} against {jobs} baseline process(es) (median of {args.repeat} alternated rounds):"
                )
                print(
                    f"  baseline raw xlsxwriter  {r['base']:7.2f} s  {r['base'] / n * 1000:6.1f} ms/unit  CPU {r['base_cpu']:.2f} s  peak RSS {', '.join(mb(k) for k in r['base_rss'])}"
                )
                workers = ", ".join(mb(k) for k in last["workers_rss_kb"])
                print(
                    f"  xlsgen bulk --jobs {jobs}      {r['mine']:7.2f} s  {r['mine'] / n * 1000:6.1f} ms/unit  CPU {r['mine_cpu']:.2f} s  "
                    f"peak RSS main {mb(last['main_rss_kb'])}" + (f", workers {workers}" if workers else "")
                )
                print(
                    f"  ratio xlsgen / baseline  {r['mine'] / r['base']:7.2f}×  (per round: {ratios}); "
                    f"CPU ratio {r['mine_cpu'] / r['base_cpu']:.2f}×"
                )
                same, total = identical(work / f"out{jobs}", work / f"base{jobs}")
                print(
                    f"  units: {last['ok']} generated, {last['failed']} failed; validation: {last['errors']} errors, "
                    f"{last['warnings']} warnings; byte-identical to the baseline's: {same}/{total}"
                )

        if args.stages:
            st = run_child("stages", str(data), str(work / "out-stages"), "1" if args.cprofile else "0")
            n = st["units"]
            print()
            print(
                f"where the time goes (one in-process run, --jobs 1, {n} units, {st['wall']:.2f} s CPU; exclusive CPU times):"
            )
            accounted = 0.0
            for label, secs in sorted(st["stages"].items(), key=lambda kv: -kv[1]):
                accounted += secs
                print(f"  {label:40}{secs / n * 1000:8.2f} ms/unit {secs / st['wall'] * 100:6.1f} %")
            rest = st["wall"] - accounted
            print(
                f"  {'run (plan, manifest, progress)':40}{rest / n * 1000:8.2f} ms/unit {rest / st['wall'] * 100:6.1f} %"
            )
            print(f"  {'total':40}{st['wall'] / n * 1000:8.2f} ms/unit")
            print(
                f"  {'baseline, same units, same process':40}{st['base'] / n * 1000:8.2f} ms/unit  (ratio {st['wall'] / st['base']:.2f}×, one run, timers on)"
            )
            if st["cprofile"]:
                print()
                print(st["cprofile"])

        if args.memory_check:
            print()
            big = work / "data1000"
            small = work / "data100"
            if not big.exists():
                write_county(1000, big, seed=args.seed)
            if not small.exists():
                write_county(100, small, seed=args.seed)  # the same first 100 units
            for label, folder in (("100 units", small), ("1000 units", big)):
                r = run_child("bulk", str(folder), str(work / f"mem-{folder.name}"), "2")
                workers = ", ".join(mb(k) for k in r["workers_rss_kb"])
                print(
                    f"memory, bulk --jobs 2 over {label:>10}: main {mb(r['main_rss_kb'])}, workers {workers}; {r['wall']:.1f} s"
                )


if __name__ == "__main__":
    main()
