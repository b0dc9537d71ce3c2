"""Benchmark of ``xlsgen import`` (issue 4 §7) against a bare ``openpyxl.load_workbook`` of the same file.

    python benchmarks/import_bench.py                  # data/ examples and 10 generated units
    python benchmarks/import_bench.py --generated 300  # a county's worth, plus the total time

For every workbook, all measured in the same run on the same bytes in memory (median of ``--repeat``):

``openpyxl``   ``openpyxl.load_workbook`` (the default mode, which binds merged cells: what a reader
               that needs merges must do); the baseline of the ratio
``calamine``   python-calamine reading every sheet's values and merged ranges, nothing else
``import``     ``xlsgen.read.read_bytes``: the safety checks, the Grid (calamine), the anchors, the Unit
``checks``, ``grid``, ``anchors``  the three stages of ``import``
``import/op``  ``import`` with ``engine="openpyxl"`` (with ``--openpyxl-engine``)

It prints numbers and ratios; it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
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
from xlsgen.safety import open_package  # noqa: E402


def median_ms(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bare_calamine(data: bytes) -> None:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        sheet.to_python(skip_empty_area=False)
        sheet.merged_cell_ranges  # noqa: B018


def stages(data: bytes, repeat: int) -> tuple[float, float, float]:
    checks = median_ms(lambda: open_package(data, "x.xlsx"), repeat)
    package = open_package(data, "x.xlsx")
    grid = median_ms(lambda: load_grids(package), repeat)
    grids = load_grids(package)
    anchors = median_ms(lambda: read_grids(grids, "x.xlsx", package.properties), repeat)
    return checks, grid, anchors


def workbooks(generated: int) -> Iterator[tuple[str, Unit]]:
    for path in sorted((ROOT / "data").glob("*.json")):
        yield path.stem, load_unit(path)
    if generated:
        from xlsgen.demo import county_units

        for rel, unit in county_units(generated, seed=1):
            yield f"demo/{Path(rel).stem}", unit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=int, default=10, help="generated units (xlsgen.demo) besides data/")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per workbook (the median is shown)")
    parser.add_argument("--openpyxl-engine", action="store_true", help="also time the reader on openpyxl")
    parser.add_argument("--quiet", action="store_true", help="only the totals")
    args = parser.parse_args()
    have_calamine = "calamine" in engines()
    read_bytes(workbook_bytes(load_unit(next((ROOT / "data").glob("*.json")))), "warm.xlsx")  # learn the templates once

    head = f"{'workbook':34} {'proj':>4} {'KB':>5} {'openpyxl':>9} {'calamine':>9} {'import':>8} {'ratio':>6}   {'checks':>6} {'grid':>6} {'anchors':>7}"
    if args.openpyxl_engine:
        head += f" {'import/op':>9}"
    if not args.quiet:
        print("ms per workbook (median of", args.repeat, "runs); ratio = import / openpyxl.load_workbook")
        print(head)
    totals = {"openpyxl": 0.0, "calamine": 0.0, "import": 0.0}
    count = 0
    for name, unit in workbooks(args.generated):
        data = workbook_bytes(unit)
        op = median_ms(lambda d=data: openpyxl.load_workbook(io.BytesIO(d)), max(1, args.repeat // 2))
        ca = median_ms(lambda d=data: bare_calamine(d), args.repeat) if have_calamine else float("nan")
        im = median_ms(lambda d=data: read_bytes(d, "x.xlsx"), args.repeat)
        checks, grid, anchors = stages(data, args.repeat)
        totals["openpyxl"] += op
        totals["calamine"] += ca
        totals["import"] += im
        count += 1
        if not args.quiet:
            line = (
                f"{name[:34]:34} {len(unit.projects):>4} {len(data) // 1024:>5} {op:>9.1f} {ca:>9.2f} {im:>8.2f} "
                f"{im / op:>6.3f}   {checks:>6.2f} {grid:>6.2f} {anchors:>7.2f}"
            )
            if args.openpyxl_engine:
                line += f" {median_ms(lambda d=data: read_bytes(d, 'x.xlsx', engine='openpyxl'), 1):>9.1f}"
            print(line)
    print(
        f"{count} workbooks: openpyxl.load_workbook {totals['openpyxl'] / 1000:.2f} s, "
        f"bare calamine {totals['calamine'] / 1000:.2f} s, xlsgen import {totals['import'] / 1000:.2f} s "
        f"(import / openpyxl = {totals['import'] / totals['openpyxl']:.3f}; "
        f"{totals['import'] / count:.1f} ms per workbook)"
    )


if __name__ == "__main__":
    main()
