"""Benchmark of ``xlsgen bulk`` against raw xlsxwriter writing the same workbooks.

    python benchmarks/bulk.py                   # 300 generated units
    python benchmarks/bulk.py --units 100 --memory-check --stages --cprofile

For N units from ``xlsgen.demo`` it measures, each in a fresh process (so that memory numbers are not
polluted by the benchmark itself):

* wall time of ``bulk.run`` with ``--jobs 1`` and ``--jobs 2`` (load, validate, layout, render, write);
* the baseline: the same workbooks written cell by cell with raw xlsxwriter calls, replaying the cells,
  merges, formats, validations and print setup of xlsgen's own output. Everything that is not an
  xlsxwriter call (the model, the template, the Grid, A1 formulas, typed values) is precomputed outside
  the timed region; one process, and two processes each writing half the units;
* peak RSS (``ru_maxrss``) of every process;
* with ``--memory-check``: peak RSS of a bulk run over 100 and over 1000 units (flat is the goal);
* with ``--stages``: where the time of one unit goes (load, validate, template render, HTML parse,
  fit_heights, xlsxwriter cells, xlsxwriter close/zip, file write); ``--cprofile`` adds the top functions.

It prints numbers and ratios; it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


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
    from xlsgen import __version__, forms, layout, render, styles
    from xlsgen.model import load_unit

    unit = load_unit(path)
    sheets = layout.build(unit)
    plan: dict[str, Any] = {
        "file": render.file_name(unit),
        "props": {
            "title": f"{unit.name} {forms.DEPT_SHEET}",
            "subject": f"{unit.year}年度绩效目标",
            "author": "xlsgen",
            "created": render.FIXED_DATE,
            "comments": f"xlsgen {__version__}",
        },
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
    """Raw xlsxwriter calls only."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(out / plan["file"]), OPTIONS)
    wb.set_properties(plan["props"])
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
        ws.set_paper(9)
        ws.set_portrait()
        ws.fit_to_pages(1, 0)
        ws.set_margins(**margins)
        ws.center_horizontally()
        ws.set_footer("&C第 &P 页 共 &N 页", {"margin": 0.3})
        if sheet["repeat"]:
            ws.repeat_rows(*sheet["repeat"])
        if sheet["breaks"]:
            ws.set_h_pagebreaks(sheet["breaks"])
        ws.protect("", {"insert_rows": True, "delete_rows": True, "format_rows": True, "format_columns": True})
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


def child_baseline(data: str, out: str, part: int, parts: int) -> dict[str, Any]:
    """Precompute every plan (untimed), say "ready", wait for "go" on stdin, then time the replay."""
    from xlsgen import bulk, render, styles

    files = bulk.find_units(Path(data))[part::parts]
    plans = [_replay_plan(f) for f in files]
    styles_sheet = {k: dict(v) for k, v in styles.STYLES.items()}
    margins = dict(render.MARGINS_IN)
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    # The precomputed plans are many long-lived objects; without this the cyclic GC would scan them
    # again and again while xlsxwriter allocates, charging the baseline for our bookkeeping.
    import gc

    gc.collect()
    gc.freeze()
    print("ready", flush=True)
    sys.stdin.readline()
    cpu = cpu_seconds()
    start = time.perf_counter()
    for plan in plans:
        _replay(plan, target, styles_sheet, render.LISTS_SHEET, margins)
    wall = time.perf_counter() - start
    return {"wall": wall, "cpu": cpu_seconds() - cpu, "rss_kb": peak_rss_kb(), "units": len(plans)}


def child_stages(data: str, out: str, cprofile: bool) -> dict[str, Any]:
    """One in-process bulk run (--jobs 1) with the pipeline's stages timed by wrapping them."""
    import xlsxwriter

    from xlsgen import bulk, layout, model, render

    totals: dict[str, float] = {}

    def timed(owner: Any, attr: str, label: str) -> None:
        fn = getattr(owner, attr)

        def wrapper(*a: Any, **kw: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                totals[label] = totals.get(label, 0.0) + time.perf_counter() - t

        setattr(owner, attr, wrapper)

    timed(model, "unit_from_json", "load JSON + pydantic")
    try:
        from xlsgen import validate

        timed(validate, "check", "validate")
    except ImportError:
        pass
    timed(layout, "markup", "template render (Jinja)")
    timed(layout, "parse", "HTML parse → Grid")
    timed(layout, "fit_heights", "fit_heights")
    timed(render, "write_sheet", "xlsxwriter: cells, formats, setup")
    timed(xlsxwriter.Workbook, "close", "xlsxwriter: close (XML + zip)")
    timed(render, "write_atomic", "write file (atomic)")
    profiler = None
    if cprofile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    start = time.perf_counter()
    report = bulk.run(data, out, jobs=1, force=True)
    wall = time.perf_counter() - start
    top = ""
    if profiler is not None:
        import io
        import pstats

        profiler.disable()
        buf = io.StringIO()
        pstats.Stats(profiler, stream=buf).sort_stats("tottime").print_stats(25)
        top = buf.getvalue()
    return {"wall": wall, "units": len(report.outcomes), "stages": totals, "cprofile": top}


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


def best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The fastest of repeated runs: other load on the machine only ever adds time."""
    out = dict(min(runs, key=lambda r: r["wall"]))
    out["cpu"] = min(r["cpu"] for r in runs)
    return out


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--units", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1, help="run each measurement this many times, keep the best")
    ap.add_argument("--memory-check", action="store_true", help="peak RSS of bulk over 100 vs 1000 units")
    ap.add_argument("--stages", action="store_true", help="time the pipeline's stages (in-process)")
    ap.add_argument("--cprofile", action="store_true", help="with --stages: the top functions by own time")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child:
        kind, *rest = args.child
        if kind == "bulk":
            result = child_bulk(rest[0], rest[1], int(rest[2]))
        elif kind == "baseline":
            result = child_baseline(rest[0], rest[1], int(rest[2]), int(rest[3]))
        else:
            result = child_stages(rest[0], rest[1], rest[2] == "1")
        print(json.dumps(result, ensure_ascii=False))
        return

    from xlsgen.demo import write_county

    with tempfile.TemporaryDirectory(prefix="xlsgen-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        data = work / f"data{args.units}"
        if not data.exists():
            write_county(args.units, data, seed=args.seed)
        print(f"xlsgen bulk benchmark: {describe(data)}; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
        if load > 0.5:
            print(f"note: load average {load:.1f} before starting: other work on this machine inflates wall times")

        runs: dict[str, list[dict[str, Any]]] = {"b1": [], "j1": [], "b2": [], "j2": []}
        for _ in range(max(1, args.repeat)):  # interleaved, so that outside load hits every kind alike
            runs["b1"].append(baseline(data, work / "base1", 1))
            runs["j1"].append(run_child("bulk", str(data), str(work / "out1"), "1"))
            runs["b2"].append(baseline(data, work / "base2", 2))
            runs["j2"].append(run_child("bulk", str(data), str(work / "out2"), "2"))
        b1, j1, b2, j2 = (best(runs[k]) for k in ("b1", "j1", "b2", "j2"))
        same, total = identical(work / "out1", work / "base1")
        n = args.units

        print()
        print(f"{'':34}{'wall s':>8}{'ms/unit':>9}{'ratio':>7}{'CPU s':>8}{'ratio':>7}   peak RSS")

        def line(label: str, r: dict[str, Any], base: dict[str, Any], rss: str) -> None:
            print(
                f"{label:34}{r['wall']:8.2f}{r['wall'] / n * 1000:9.1f}{r['wall'] / base['wall']:7.2f}"
                f"{r['cpu']:8.2f}{r['cpu'] / base['cpu']:7.2f}   {rss}"
            )

        line("baseline raw xlsxwriter, 1 proc", b1, b1, f"{mb(b1['rss_kb'][0])} (holds all plans)")
        line("xlsgen bulk --jobs 1", j1, b1, f"main {mb(j1['main_rss_kb'])}")
        line("baseline raw xlsxwriter, 2 procs", b2, b2, ", ".join(mb(k) for k in b2["rss_kb"]))
        workers = ", ".join(mb(k) for k in j2["workers_rss_kb"])
        line("xlsgen bulk --jobs 2", j2, b2, f"main {mb(j2['main_rss_kb'])}, workers {workers}")
        print(f"speed-up of --jobs 2 over --jobs 1: {j1['wall'] / j2['wall']:.2f}×")
        print(
            f"units: {j1['ok']} generated, {j1['failed']} failed; validation: {j1['errors']} errors, {j1['warnings']} warnings"
        )
        print(f"baseline workbooks byte-identical to xlsgen's: {same}/{total}")
        goal = "met" if j1["wall"] / b1["wall"] <= 1.2 else "NOT met"
        print(f"goal (xlsgen within 1.2× of the baseline, --jobs 1): {goal}")

        if args.stages:
            st = run_child("stages", str(data), str(work / "out-stages"), "1" if args.cprofile else "0")
            print()
            print(f"where the time goes (--jobs 1, in-process, {st['units']} units, {st['wall']:.2f} s):")
            accounted = 0.0
            for label, secs in sorted(st["stages"].items(), key=lambda kv: -kv[1]):
                accounted += secs
                print(
                    f"  {label:36}{secs:8.2f} s {secs / st['units'] * 1000:8.1f} ms/unit {secs / st['wall'] * 100:6.1f} %"
                )
            rest = st["wall"] - accounted
            print(
                f"  {'other (planning, summary, overhead)':36}{rest:8.2f} s {rest / st['units'] * 1000:8.1f} ms/unit {rest / st['wall'] * 100:6.1f} %"
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
