"""Benchmark of the validator: CPU per unit of ``validate.check``, rule by rule, against the validator
as it was before issue 15 (tests/validate_ref, the frozen copy the tests compare it with).

    python benchmarks/validate_bench.py              # 200 demo units, 5 interleaved repeats
    python benchmarks/validate_bench.py --units 50 --repeat 7

Each unit is loaded from its JSON file as bulk does, then checked by both validators (which goes first
alternates); the medians of the per-unit CPU times (``time.process_time``) are summed. A rendered
workbook between units (``--thrash``, the default) leaves the caches as a bulk run does. The rule table
times each registered rule on its own, after the shared work (normalisation, rows) is done; its first
line is that shared work. It prints numbers and ratios; it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--units", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-thrash", action="store_true", help="no workbook rendered between units")
    args = ap.parse_args()

    from tests import validate_ref
    from xlsgen import demo, render, validate
    from xlsgen.model import unit_from_json
    from xlsgen.rules import RULES, Context

    with tempfile.TemporaryDirectory(prefix="xlsgen-vbench-") as tmp:
        files = demo.write_county(args.units, Path(tmp), seed=args.seed)
        raws = [f.read_bytes() for f in files]
    for raw in raws[:3]:  # first calls (caches, lazy imports) outside the clock
        unit = unit_from_json(raw, "u.json")
        validate.check(unit, "u.json")
        validate_ref.check(unit, "u.json")
    gc.collect()
    gc.freeze()

    mine: list[list[float]] = [[] for _ in raws]
    ref: list[list[float]] = [[] for _ in raws]
    rules: dict[str, float] = {}
    shared = 0.0
    same = 0
    for r in range(args.repeat):
        for i, raw in enumerate(raws):
            unit = unit_from_json(raw, "u.json")
            for side in (0, 1) if (i + r) % 2 == 0 else (1, 0):
                start = time.process_time()
                if side == 0:
                    found = validate.check(unit, "u.json")
                    mine[i].append(time.process_time() - start)
                else:
                    expected = validate_ref.check(unit, "u.json")
                    ref[i].append(time.process_time() - start)
            same += r == 0 and found == expected
            if r == 0:  # rule by rule, once
                start = time.process_time()
                ctx = Context(unit, {})
                ctx.rows  # noqa: B018  (the rows, and the normalisation they are built from)
                shared += time.process_time() - start
                for rule in RULES:
                    start = time.process_time()
                    list(rule.run(ctx))
                    rules[rule.code] = rules.get(rule.code, 0.0) + time.process_time() - start
            if not args.no_thrash:
                render.workbook_bytes(unit)

    n = len(raws)
    new, old = sum(map(statistics.median, mine)), sum(map(statistics.median, ref))
    print(f"validate.check over {n} demo units (median of {args.repeat} interleaved runs per unit, summed):")
    print(f"  before issue 15 (tests/validate_ref)  {old / n * 1000:6.2f} ms/unit")
    print(f"  now (xlsgen.validate)                 {new / n * 1000:6.2f} ms/unit")
    print(f"  ratio now / before                    {new / old:6.2f}×")
    print(f"  the same problems: {same}/{n} units")
    print()
    total = shared + sum(rules.values())
    print(f"rule by rule (one run, {total / n * 1000:.2f} ms/unit in all):")
    print(f"  {'(normalisation and rows)':24}{shared / n * 1000:7.3f} ms/unit {shared / total * 100:5.1f} %")
    for code, secs in sorted(rules.items(), key=lambda kv: -kv[1])[:15]:
        print(f"  {code:24}{secs / n * 1000:7.3f} ms/unit {secs / total * 100:5.1f} %")


if __name__ == "__main__":
    main()
