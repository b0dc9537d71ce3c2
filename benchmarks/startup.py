"""Benchmark of one unit as a process: ``xlsgen generate`` of a 9-project unit, start to exit.

    python benchmarks/startup.py              # 7 interleaved rounds
    python benchmarks/startup.py --importtime # plus the slowest imports (python -X importtime)
    python benchmarks/startup.py --instructions  # plus each kind's instruction count (valgrind)

Each round runs, in turn (the order rotates, so load on the machine hits every kind alike):

``python``     ``python -c pass``: the interpreter alone
``libraries``  ``python -c "import pydantic.main, jinja2, xlsxwriter, click"``: the libraries xlsgen
               writes a form with, imported and nothing else (the baseline of the ratio; ``generate``
               skips xlsxwriter once skeletons.py has the form's skeleton on disk, as after the
               first run here)
``--help``     ``xlsgen --help``
``generate``   ``xlsgen generate UNIT.json -o OUT`` (load, validate, lay out, write), a fresh output
               folder each time

It prints the median wall time of each (and the ratio to the libraries' import); the goal is
``generate`` ≤ 0.35 s. It asserts nothing about time. Wall time on a shared or virtual machine moves
by ±10 % between runs of the same code; ``--instructions`` also counts each kind's instructions once
under valgrind's callgrind with the hash seed fixed, which gives the same number to within a few
thousand on every run, for telling a change of a few milliseconds from noise.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_S = 0.35


def xlsgen_command() -> list[str]:
    """The console script installed beside this interpreter, as a user runs it; else ``python -m``."""
    script = Path(sys.executable).with_name("xlsgen")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "xlsgen"]


def nine_project_unit(folder: Path) -> Path:
    from xlsgen.demo import county_units

    for rel, unit in county_units(300, seed=1):
        if len(unit.projects) == 9:
            path = folder / Path(rel).name
            path.write_text(unit.to_json(), "utf-8")
            return path
    raise SystemExit("no 9-project unit among the demo county's first 300")


def children_cpu() -> float:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


def wall(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``cmd``."""
    cpu = children_cpu()
    start = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.decode(errors='replace')}")
    return elapsed, children_cpu() - cpu


def importtime(cmd: list[str], env: dict[str, str], top: int) -> list[tuple[int, str]]:
    """The modules with the largest cumulative import time (µs) in one run of ``cmd``."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *cmd], capture_output=True, env=env, check=False, text=True
    )
    rows = []
    for line in done.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if m and len(m.group(3)) <= 3:  # top-level imports and their direct children
            rows.append((int(m.group(2)), m.group(3)[1:] + m.group(4)))
    return sorted(rows, reverse=True)[:top]


def instructions(cmd: list[str], env: dict[str, str]) -> int | None:
    """Instructions one run of ``cmd`` executes (valgrind's callgrind), or None without valgrind."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    done = subprocess.run(
        [valgrind, "--tool=callgrind", f"--callgrind-out-file={os.devnull}", *cmd],
        env={**env, "PYTHONHASHSEED": "0"},  # the same dict and set orders, so the same code paths
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    return int(found.group(1)) if found and done.returncode == 0 else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=7, help="rounds (medians are reported; at least 5)")
    ap.add_argument("--importtime", action="store_true", help="also show the slowest imports of generate")
    ap.add_argument("--instructions", action="store_true", help="also count instructions (needs valgrind)")
    args = ap.parse_args()

    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="xlsgen-startup-") as tmp:
        work = Path(tmp)
        unit = nine_project_unit(work)
        xlsgen = xlsgen_command()
        kinds = {
            "python": [sys.executable, "-c", "pass"],
            "libraries": [sys.executable, "-c", "import pydantic.main, jinja2, xlsxwriter, click"],
            "--help": [*xlsgen, "--help"],
            "generate": [*xlsgen, "generate", str(unit), "-o", str(work / "out")],
        }
        wall(kinds["generate"], env)  # a first run outside the clock (byte-compiles, fills the OS cache)
        times: dict[str, list[float]] = {k: [] for k in kinds}
        cpus: dict[str, list[float]] = {k: [] for k in kinds}
        names = list(kinds)
        for r in range(max(1, args.repeat)):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                if name == "generate":
                    shutil.rmtree(work / "out", ignore_errors=True)
                elapsed, cpu = wall(kinds[name], env)
                times[name].append(elapsed)
                cpus[name].append(cpu)
        projects = len(json.loads(unit.read_text("utf-8"))["projects"])
        print(
            f"one unit as a process ({projects} projects), median of {args.repeat} interleaved rounds; {os.cpu_count()} CPUs"
        )
        if args.repeat < 5:
            print(f"note: --repeat {args.repeat} is below 5: medians of so few runs are noisy")
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
        if load > 0.5:
            print(f"note: load average {load:.1f}: other work on this machine inflates every row alike")
        base = statistics.median(times["libraries"])
        base_cpu = statistics.median(cpus["libraries"])
        print(f"  {'':10} {'wall s':>7}   {'range':>13}   {'ratio':>6}   {'CPU s':>6}   {'ratio':>6}")
        for name in names:
            med, cpu = statistics.median(times[name]), statistics.median(cpus[name])
            spread = f"{min(times[name]):.3f}–{max(times[name]):.3f}"
            print(f"  {name:10} {med:7.3f}   {spread:>13}   {med / base:5.2f}×   {cpu:6.3f}   {cpu / base_cpu:5.2f}×")
        print("  (ratios against the libraries' bare import, measured in the same rounds)")
        gen = statistics.median(times["generate"])
        print(f"goal (generate ≤ {GOAL_S} s): {'met' if gen <= GOAL_S else f'NOT met, by {gen - GOAL_S:.3f} s'}")
        if args.instructions:
            counts = {}
            for name in names:
                shutil.rmtree(work / "out", ignore_errors=True)
                counts[name] = instructions(kinds[name], env)
            print()
            if counts["libraries"] is None or None in counts.values():
                print("instructions: valgrind is not installed (or a run failed under it)")
            else:
                print("instructions of one run each (valgrind callgrind, PYTHONHASHSEED=0)")
                for name, n in counts.items():
                    print(f"  {name:10} {n / 1e6:9.1f} M   {n / counts['libraries']:5.2f}×")
        if args.importtime:
            print()
            print("slowest imports of generate (cumulative ms, one run, python -X importtime):")
            for us, name in importtime(["-m", "xlsgen", "generate", str(unit), "-o", str(work / "out2")], env, 25):
                print(f"  {us / 1000:7.1f}  {name}")


if __name__ == "__main__":
    main()
