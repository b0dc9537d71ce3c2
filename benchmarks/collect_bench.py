"""Benchmark of ``xlsgen collect`` on a county's returns against bare ``read_bytes`` of the same files.

    python benchmarks/collect_bench.py                     # 200 demo units issued and all returned
    python benchmarks/collect_bench.py --units 1000 --repeat 5 --jobs 2

A demo county is issued (``xlsgen demo-county`` and ``xlsgen bulk``, in a temporary folder) and every
workbook is returned unchanged. Each run below is a process of its own, timed by ``os.wait4`` (its CPU
time and peak RSS, its worker processes included), on a fresh copy of the issued folder:

``bare``        ``xlsgen.read.read_bytes`` of every return, nothing kept: the baseline (the reading
                collect cannot do without)
``collect 1``   ``xlsgen collect --jobs 1``: read, check, match, compare with the issued unit, write the
                ``.returned.json`` files and the checklist, all in one process
``collect N``   the same with ``--jobs N`` (the default: the CPU count): wall time falls, CPU time is
                that of every process

Per-return milliseconds are CPU time over the number of returns, medians of ``--repeat`` runs; peak
RSS is the largest single process's (a worker's or the main one's). It prints numbers and ratios; it
asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _run(args: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one process (with its reaped children)."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):  # collect exits 1 when some return is left for the clerk
        sys.exit(f"{' '.join(args)} failed ({proc.returncode}):\n{err.decode(errors='replace')}")
    peak = usage.ru_maxrss // (2**20 if sys.platform == "darwin" else 1024)
    return wall, usage.ru_utime + usage.ru_stime, peak


def bare(returns: Path) -> None:
    """The baseline's process: every return read, nothing kept."""
    from xlsgen.read import read_bytes

    for path in sorted(returns.glob("*.xlsx")):
        read_bytes(path.read_bytes(), path.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--bare", type=Path, help=argparse.SUPPRESS)  # the baseline's own process
    args = parser.parse_args()
    if args.bare is not None:
        bare(args.bare)
        return
    py = [sys.executable, "-m", "xlsgen"]
    with tempfile.TemporaryDirectory(prefix="collect-bench-") as tmp:
        work = Path(tmp)
        subprocess.run(
            [*py, "demo-county", str(args.units), "-o", str(work / "data")], cwd=ROOT, check=True, capture_output=True
        )
        subprocess.run(
            [*py, "bulk", str(work / "data"), "-o", str(work / "returns"), "--silent"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        (work / "returns" / "汇总表.xlsx").unlink()  # the returns only: the summary is not read by bare
        n = len(list((work / "returns").glob("*.xlsx")))
        runs: dict[str, list[tuple[float, float, int]]] = {"bare": [], "collect 1": [], f"collect {args.jobs}": []}
        for _ in range(args.repeat):  # alternated, so that the machine's load hits each alike
            runs["bare"].append(_run([sys.executable, __file__, "--bare", str(work / "returns")]))
            for jobs in (1, args.jobs):
                issued = work / "issued"
                shutil.rmtree(issued, ignore_errors=True)
                shutil.copytree(work / "data", issued)
                (work / "台账.xlsx").unlink(missing_ok=True)
                cmd = [*py, "collect", str(work / "returns"), "--issued", str(issued), "-o", str(work / "台账.xlsx")]
                runs[f"collect {jobs}"].append(_run([*cmd, "--jobs", str(jobs), "--silent"]))
    base_ms = statistics.median(c for _, c, _ in runs["bare"]) / n * 1000
    print(f"{n} returns, medians of {args.repeat} runs (CPU per return, wall for the whole run, peak RSS)")
    print(f"{'':12} {'CPU ms/return':>14} {'× bare':>8} {'wall s':>8} {'peak RSS MB':>12}")
    for name, samples in runs.items():
        ms = statistics.median(c for _, c, _ in samples) / n * 1000
        wall = statistics.median(w for w, _, _ in samples)
        rss = statistics.median(r for _, _, r in samples)
        print(f"{name:12} {ms:14.2f} {ms / base_ms:7.2f}× {wall:8.2f} {rss:12.0f}")


if __name__ == "__main__":
    main()
