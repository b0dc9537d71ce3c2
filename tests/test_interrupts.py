"""Issue 13 §4: Ctrl-C (once or twice) and SIGTERM during bulk, as real signals to a real process.

Each run must end within a bounded time (never hang in multiprocessing's exit handler), exit 1 with the
Chinese "已中断" line and no traceback, and leave only complete workbooks and no temporary file; the
rerun then skips what was finished.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from xlsgen.demo import write_county

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and process groups")

LIMIT = 90  # seconds any run may take after its signals: far more than it needs, far less than a hang


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("county")
    write_county(40, data, seed=5)
    return data


def start(data: Path, out: Path) -> subprocess.Popen[str]:
    # A session of its own: a signal to the group reaches the workers too, as Ctrl-C in a terminal does.
    return subprocess.Popen(
        [sys.executable, "-m", "xlsgen", "bulk", str(data), "-o", str(out), "--jobs", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for_workbooks(out: Path, proc: subprocess.Popen[str], n: int = 3) -> None:
    deadline = time.monotonic() + LIMIT
    while time.monotonic() < deadline:
        if len(list(out.glob("[!汇]*.xlsx"))) >= n or proc.poll() is not None:
            return
        time.sleep(0.05)
    proc.kill()
    pytest.fail("bulk wrote no workbook in time")


def finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    try:
        _, err = proc.communicate(timeout=LIMIT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"bulk still running {LIMIT} s after the signal: it hangs")
    return proc.returncode, err


def assert_clean(out: Path, err: str) -> None:
    assert "Traceback" not in err and "内部错误" not in err and "handle is closed" not in err, err
    assert not list(out.glob(".~*")), "a temporary file was left behind"
    for book in out.glob("*.xlsx"):
        with zipfile.ZipFile(book) as zf:
            assert zf.testzip() is None, book  # every workbook left is complete
    json.loads((out / ".xlsgen-manifest.json").read_text("utf-8"))


@pytest.mark.parametrize(
    ("signals", "group"),
    [
        ((signal.SIGINT, signal.SIGINT), True),  # Ctrl-C twice ~100 ms apart: stop now
        ((signal.SIGINT, signal.SIGINT), True),
        ((signal.SIGINT,), True),  # once: the running units finish
        ((signal.SIGTERM,), False),  # kill <pid>
        ((signal.SIGTERM,), True),  # the whole group, workers included
    ],
)
def test_interrupted_bulk_ends_cleanly(county: Path, tmp_path: Path, signals: tuple[int, ...], group: bool) -> None:
    out = tmp_path / "out"
    proc = start(county, out)
    wait_for_workbooks(out, proc)
    for i, sig in enumerate(signals):
        if i:
            time.sleep(0.1)
        if group:
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
    code, err = finish(proc)
    assert code == 1, err
    assert "错误：已中断：完成" in err, err
    assert_clean(out, err)
    if signals == (signal.SIGINT, signal.SIGINT):
        assert "立即停止" in err


def test_rerun_after_an_interrupt_skips_the_finished_units(county: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = start(county, out)
    wait_for_workbooks(out, proc, n=5)
    os.killpg(proc.pid, signal.SIGINT)
    code, _ = finish(proc)
    assert code == 1
    done = len(list(out.glob("[!汇]*.xlsx")))
    rerun = subprocess.run(
        [sys.executable, "-m", "xlsgen", "bulk", str(county), "-o", str(out), "--jobs", "2", "--silent"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert f"跳过 {done}（未变化）" in rerun.stdout, (done, rerun.stdout)


def test_workers_do_not_inherit_the_main_process_handlers() -> None:
    from concurrent.futures import ProcessPoolExecutor

    from xlsgen.bulk import _init_worker

    previous = signal.signal(signal.SIGTERM, lambda *_: None)  # what a CLI might have installed
    try:
        with ProcessPoolExecutor(1, initializer=_init_worker) as pool:
            dispositions = pool.submit(_dispositions).result(timeout=60)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert dispositions == (signal.SIG_IGN, signal.SIG_DFL)


def _dispositions() -> tuple[object, object]:
    return signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
