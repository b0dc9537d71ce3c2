"""Benchmark of an unchanged re-run: ``xlsgen bulk`` over a county whose every workbook is up to date.

    python benchmarks/rerun.py                # 1000 generated units
    python benchmarks/rerun.py --units 300 --repeat 7

A county is generated and run once in full (``--jobs 2``, not timed); a second run, also untimed,
settles the summary. Then ``--repeat`` rounds, each timing as processes, in alternating order:

``baseline``  a Python process that reads every unit file and stats every workbook: the least any
              re-run must do to know that nothing changed
``rerun``     ``xlsgen bulk DATA -o OUT`` (the console script), which must find every unit unchanged

It prints the median wall and CPU time of each and the ratio; the goal is ``rerun`` ≤ 1.5 s for 1000
units. It then damages one workbook (truncated to 0 bytes) and checks the next run writes it again.
It asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_S = 1.5
BASELINE = """
import os, sys
from pathlib import Path
data, out = Path(sys.argv[1]), Path(sys.argv[2])
n = sum(len(p.read_bytes()) > 0 for p in data.rglob("*.json"))
m = sum(1 for p in out.glob("*.xlsx") if p.stat().st_size)
print(n, m)
"""


def run(cmd: list[str]) -> tuple[float, float, str]:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = kids.ru_utime + kids.ru_stime
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stdout}{done.stderr}")
    return wall, kids.ru_utime + kids.ru_stime - cpu, done.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--units", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=5, help="rounds (medians are reported; at least 5)")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    args = ap.parse_args()

    from xlsgen.demo import write_county

    script = Path(sys.executable).with_name("xlsgen")
    xlsgen = [str(script)] if script.is_file() else [sys.executable, "-m", "xlsgen"]
    with tempfile.TemporaryDirectory(prefix="xlsgen-rerun-") as tmp:
        work = args.keep or Path(tmp)
        data, out = work / f"data{args.units}", work / f"out{args.units}"
        if not data.exists():
            write_county(args.units, data, seed=args.seed)
        bulk = [*xlsgen, "bulk", str(data), "-o", str(out), "--silent"]
        wall, _, _ = run([*bulk, "--jobs", "2"])
        print(f"first run (--jobs 2, {args.units} units, not timed below): {wall:.1f} s")
        run(bulk)  # the first re-run writes the summary that lists the units as up to date
        kinds = {"baseline": [sys.executable, "-c", BASELINE, str(data), str(out)], "rerun": bulk}
        walls: dict[str, list[float]] = {k: [] for k in kinds}
        cpus: dict[str, list[float]] = {k: [] for k in kinds}
        for r in range(max(1, args.repeat)):
            for name in list(kinds) if r % 2 == 0 else list(reversed(kinds)):
                wall, cpu, stdout = run(kinds[name])
                if name == "rerun" and f"跳过 {args.units}（未变化）" not in stdout:
                    raise SystemExit(f"the re-run did something: {stdout}")
                walls[name].append(wall)
                cpus[name].append(cpu)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
        print(f"unchanged re-run of {args.units} units, median of {args.repeat} alternated rounds; load {load:.1f}")
        base_wall, base_cpu = statistics.median(walls["baseline"]), statistics.median(cpus["baseline"])
        for name in kinds:
            w, c = statistics.median(walls[name]), statistics.median(cpus[name])
            print(f"  {name:9} wall {w:6.2f} s ({w / base_wall:5.2f}×)   CPU {c:6.2f} s ({c / base_cpu:5.2f}×)")
        rerun = statistics.median(walls["rerun"])
        verdict = "met" if rerun <= GOAL_S else f"NOT met, by {rerun - GOAL_S:.2f} s"
        print(f"goal (re-run ≤ {GOAL_S} s for 1000 units; this is {args.units}): {verdict}")

        victim = next(p for p in sorted(out.glob("*.xlsx")) if p.name != "汇总表.xlsx")
        victim.write_bytes(b"")
        _, _, stdout = run(bulk)
        again = victim.stat().st_size > 0 and "成功 1" in stdout
        print(f"a workbook truncated to 0 bytes is written again by the next run: {'yes' if again else 'NO'}")


if __name__ == "__main__":
    main()
