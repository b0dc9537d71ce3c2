"""Benchmark of ``xlsgen import`` against bare python-calamine reading the same workbooks.

    python benchmarks/import_bench.py                  # data/ examples and 10 generated units
    python benchmarks/import_bench.py --generated 100 --quiet

For every workbook, as generated and as edited (opened and saved again by openpyxl, the way a workbook
comes back from another program), all on the same bytes in memory in the same run:

``calamine``   python-calamine reading every sheet's values and merged ranges, nothing else: the
               baseline of the ratio (goal: import ≤ 2× calamine)
``import``     ``xlsgen.read.read_bytes``: the safety checks, the Grid (calamine), the anchors, the Unit
``checks``, ``grid``, ``anchors``  the three stages of ``import`` (each its own median)
``floor``      what no reader written in Python on these libraries can go below: inflating every part
               (the defences must see them all), calamine reading the checked parts, and validating the
               unit's model; everything else in ``import`` is the checks' scans and the reader's own work

Under the totals it also prints what the checks, the grid and the model's validation take together, as
they are now, before the reader finds, decodes or places a single cell, what that leaves of the 2×
goal for the reader's own work (``anchors`` without the validation), and what that work takes.

The baseline and ``import`` are timed in alternation, ``--repeat`` pairs per workbook (medians), in CPU
time of this process (``time.process_time``: other processes on a shared machine do not count), so what
load remains hits both alike. ``--openpyxl`` adds ``openpyxl.load_workbook`` for comparison.
It prints numbers and ratios; it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402

from xlsgen.grid import engines, load_grids  # noqa: E402
from xlsgen.model import Unit, load_unit  # noqa: E402
from xlsgen.read import read_bytes, read_grids  # noqa: E402
from xlsgen.render import workbook_bytes  # noqa: E402
from xlsgen.safety import Package, _read_parts, open_package  # noqa: E402


def median_ms(fn: Callable[..., Any], repeat: int, setup: Callable[[], Any] | None = None) -> float:
    """Median CPU ms of ``fn()``, or of ``fn(setup())`` with ``setup`` run outside the clock."""
    times = []
    for _ in range(repeat):
        args = () if setup is None else (setup(),)
        start = time.process_time()
        fn(*args)
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


def bare_calamine(data: bytes) -> None:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        sheet.to_python(skip_empty_area=False)
        sheet.merged_cell_ranges  # noqa: B018


def stages(data: bytes, repeat: int) -> tuple[float, float, float, float, float]:
    checks = median_ms(lambda: open_package(data, "x.xlsx"), repeat)
    package = open_package(data, "x.xlsx")
    grid = median_ms(lambda: load_grids(package), repeat)
    # Fresh grids each time: a Grid keeps what it has looked up (merges by column, column keys), so
    # reading the same grids again would time a reader that has already done part of its work.
    anchors = median_ms(
        lambda grids: read_grids(grids, "x.xlsx", package.properties), repeat, lambda: load_grids(package)
    )
    return checks, grid, anchors, *floor_ms(data, package, repeat)


def floor_ms(data: bytes, package: Package, repeat: int) -> tuple[float, float]:
    """The floor, and of it the model's validation (also part of ``anchors``)."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    infos = zf.infolist()
    inflate = median_ms(lambda: _read_parts(zf, infos, "x.xlsx", data), repeat)
    calamine = median_ms(lambda: bare_calamine(package.data), repeat)
    dump = read_bytes(data, "x.xlsx").unit.model_dump()
    model = median_ms(lambda: Unit.model_validate(dump), repeat)
    return inflate + calamine + model, model


def workbooks(generated: int) -> Iterator[tuple[str, Unit]]:
    for path in sorted((ROOT / "data").glob("*.json")):
        yield path.stem, load_unit(path)
    if generated:
        from xlsgen.demo import county_units

        for rel, unit in county_units(generated, seed=1):
            yield f"demo/{Path(rel).stem}", unit


def paired_ms(a: Callable[[], Any], b: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Medians of ``a`` and ``b`` timed in alternation (which goes first alternates too)."""
    ta: list[float] = []
    tb: list[float] = []
    for r in range(repeat):
        for fn, out in ((a, ta), (b, tb)) if r % 2 == 0 else ((b, tb), (a, ta)):
            start = time.process_time()
            fn()
            out.append((time.process_time() - start) * 1000)
    return statistics.median(ta), statistics.median(tb)


def edited(data: bytes) -> bytes:
    """The workbook as another program saves it: opened and saved again by openpyxl."""
    buf = io.BytesIO()
    openpyxl.load_workbook(io.BytesIO(data)).save(buf)
    return buf.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=int, default=10, help="generated units (xlsgen.demo) besides data/")
    parser.add_argument("--repeat", type=int, default=5, help="timed pairs per workbook (medians; at least 5)")
    parser.add_argument("--openpyxl", action="store_true", help="also time openpyxl.load_workbook")
    parser.add_argument("--quiet", action="store_true", help="only the totals")
    args = parser.parse_args()
    if "calamine" not in engines():
        raise SystemExit("python-calamine is not installed: it is the baseline of this benchmark")
    read_bytes(workbook_bytes(load_unit(next((ROOT / "data").glob("*.json")))), "warm.xlsx")  # learn the templates once
    if args.repeat < 5:
        print(f"note: --repeat {args.repeat} is below 5: medians of so few runs are noisy")

    head = f"{'workbook':40} {'KB':>4} {'calamine':>9} {'import':>8} {'ratio':>6}   {'checks':>6} {'grid':>6} {'anchors':>7} {'floor':>6}"
    if args.openpyxl:
        head += f" {'openpyxl':>9}"
    if not args.quiet:
        print(f"CPU ms per workbook (median of {args.repeat} alternated pairs); ratio = import / bare calamine")
        print(head)
    totals = {
        kind: {"n": 0, **dict.fromkeys(("calamine", "import", "checks", "grid", "anchors", "floor", "model"), 0.0)}
        for kind in ("generated", "edited")
    }
    for name, unit in workbooks(args.generated):
        generated = workbook_bytes(unit)
        for kind, data in (("generated", generated), ("edited", edited(generated))):
            ca, im = paired_ms(lambda d=data: bare_calamine(d), lambda d=data: read_bytes(d, "x.xlsx"), args.repeat)
            t = totals[kind]
            t["calamine"] += ca
            t["import"] += im
            t["n"] += 1
            if not args.quiet:
                checks, grid, anchors, floor, model = stages(data, args.repeat)
                t["model"] += model
                t["checks"] += checks
                t["grid"] += grid
                t["anchors"] += anchors
                t["floor"] += floor
                label = f"{name}{' (edited)' if kind == 'edited' else ''}"
                line = (
                    f"{label[:40]:40} {len(data) // 1024:>4} {ca:>9.2f} {im:>8.2f} {im / ca:>6.2f}   "
                    f"{checks:>6.2f} {grid:>6.2f} {anchors:>7.2f} {floor:>6.2f}"
                )
                if args.openpyxl:
                    line += f" {median_ms(lambda d=data: openpyxl.load_workbook(io.BytesIO(d)), args.repeat):>9.1f}"
                print(line)
    for kind, t in totals.items():
        print(
            f"{t['n']} {kind} workbooks: bare calamine {t['calamine'] / t['n']:.2f} ms, xlsgen import "
            f"{t['import'] / t['n']:.2f} ms per workbook; ratio import / calamine {t['import'] / t['calamine']:.2f}× "
            f"(goal ≤ 2×: {'met' if t['import'] <= 2 * t['calamine'] else 'NOT met'})"
        )
        if not args.quiet:
            split = ", ".join(f"{k} {t[k] / t['calamine']:.2f}×" for k in ("checks", "grid", "anchors"))
            print(f"    its stages as multiples of bare calamine: {split}")
            print(
                f"    floor (inflate every part + calamine on the checked parts + model validation): "
                f"{t['floor'] / t['calamine']:.2f}×"
            )
            # What the checks, the grid and the model take is there before the reader finds, decodes
            # or places a single cell: what is left of the goal is all the reader's own work may take.
            before = (t["checks"] + t["grid"] + t["model"]) / t["calamine"]
            print(
                f"    before the reader's own work (checks + grid + model validation): {before:.2f}×, leaving "
                f"{2 - before:.2f}× of the 2× goal to find, decode and place the cells; that takes "
                f"{(t['anchors'] - t['model']) / t['calamine']:.2f}× now"
            )


if __name__ == "__main__":
    main()
