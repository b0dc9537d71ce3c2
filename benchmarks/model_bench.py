"""Benchmark of the model stage: ``Unit.model_validate`` (the fast validator) against the model's own
validator, on what the reader builds and on what a unit file holds.

    python benchmarks/model_bench.py              # data/'s five units and 20 demo units, 7 repeats
    python benchmarks/model_bench.py --units 100 --repeat 9

For each unit, in the same run, alternating which goes first, on a fresh copy of the input each time
(new string objects, as a real read makes; the copy is made outside the clock):

``reader``  the dict xlsgen.assemble hands to ``Unit.model_validate`` for the unit's workbook (data/ only)
``file``    the unit file's parsed JSON (``jsontext.loads``)
``load``    ``unit_from_json`` on the file's bytes: strict JSON parse and validation, as bulk loads a unit

The baseline of ``reader`` and ``file`` is the model's own validator (``Unit.__pydantic_validator__``,
what pydantic's ``BaseModel.model_validate`` runs, with each text a call into ``_text``); that of ``load``
is the same parse followed by it. CPU time (``time.process_time``), medians. It prints numbers and
ratios; it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import copy
import pickle
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from xlsgen import assemble, jsontext  # noqa: E402
from xlsgen.model import Unit, load_unit, unit_from_json  # noqa: E402


def own(data: Any) -> Unit:
    return Unit.__pydantic_validator__.validate_python(data)


def own_load(raw: bytes, source: str) -> Unit:
    return own(jsontext.loads(raw, source))


def reader_input(path: Path) -> dict[str, Any]:
    """What the reader passes to Unit.model_validate for the workbook of the unit at ``path``."""
    from xlsgen.read import read_bytes
    from xlsgen.render import workbook_bytes

    seen: list[dict[str, Any]] = []

    class Spy:
        @staticmethod
        def model_validate(data: dict[str, Any]) -> Unit:
            seen.append(copy.deepcopy(data))
            return Unit.model_validate(data)

    real = assemble.Unit
    assemble.Unit = Spy  # type: ignore[misc]
    try:
        read_bytes(workbook_bytes(load_unit(path)), "x.xlsx")
    finally:
        assemble.Unit = real  # type: ignore[misc]
    return seen[0]


def paired(
    a: Callable[[Any], Any], b: Callable[[Any], Any], fresh: Callable[[], Any], repeat: int
) -> tuple[float, float]:
    """Median CPU ms of ``a`` and ``b``, each on its own ``fresh()`` input, in alternation."""
    times: tuple[list[float], list[float]] = ([], [])
    for r in range(repeat):
        for side in (0, 1) if r % 2 == 0 else (1, 0):
            arg = fresh()
            fn = (a, b)[side]
            start = time.process_time()
            fn(arg)
            times[side].append((time.process_time() - start) * 1000)
    return statistics.median(times[0]), statistics.median(times[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--units", type=int, default=20, help="demo units besides data/'s")
    ap.add_argument("--repeat", type=int, default=7, help="timed pairs per unit and input (medians; at least 5)")
    args = ap.parse_args()
    files = sorted((ROOT / "data").glob("*.json"))
    with tempfile.TemporaryDirectory(prefix="xlsgen-mbench-") as tmp:
        if args.units:
            from xlsgen import demo

            files += demo.write_county(args.units, Path(tmp), seed=1)
        cases = [(f.stem if f.parent.name == "data" else f"demo/{f.stem}", f.read_bytes(), f) for f in files]
        readers = {f: pickle.dumps(reader_input(f)) for f in files[:5]}
    Unit.model_validate(jsontext.loads(cases[0][1], "x"))  # the fast validators built outside the clock
    unit_from_json(cases[0][1], "x")

    print(f"CPU ms per unit (median of {args.repeat} alternated pairs); ratio = Unit.model_validate / own validator")
    print(f"{'unit':28} {'reader':>15} {'ratio':>6} {'file':>15} {'ratio':>6} {'load':>15} {'ratio':>6}")
    totals = {k: [0.0, 0.0] for k in ("reader", "file", "load")}
    for name, raw, f in cases:
        row = {}
        if f in readers:
            blob = readers[f]
            row["reader"] = paired(own, Unit.model_validate, lambda b=blob: pickle.loads(b), args.repeat)
        blob = pickle.dumps(jsontext.loads(raw, "x"))
        row["file"] = paired(own, Unit.model_validate, lambda b=blob: pickle.loads(b), args.repeat)
        row["load"] = paired(
            lambda r: own_load(r, "x"), lambda r: unit_from_json(r, "x"), lambda r=raw: bytes(r), args.repeat
        )
        cells = []
        for kind in ("reader", "file", "load"):
            if kind in row:
                before, after = row[kind]
                totals[kind][0] += before
                totals[kind][1] += after
                cells.append(f"{before:>6.3f} → {after:>6.3f} {after / before:>6.2f}")
            else:
                cells.append(f"{'':>15} {'':>6}")
        print(f"{name[:28]:28} " + " ".join(cells))
    for kind, (before, after) in totals.items():
        if before:
            print(f"{kind:7} total {before:8.2f} → {after:8.2f} ms: ratio {after / before:.2f}×")


if __name__ == "__main__":
    main()
