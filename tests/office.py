"""LibreOffice headless as a real spreadsheet client for the tests.

Each call gets its own user profile (so runs never share state or a lock), a timeout, and its own
process group, which is killed afterwards so no soffice process outlives a test.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(
    SOFFICE is None and not os.environ.get("CI"),
    reason="LibreOffice (soffice) 未安装：apt-get install libreoffice-calc-nogui fonts-noto-cjk poppler-utils",
)

# Debian's python3-uno binds the system interpreter, not the test virtualenv: the UNO driver runs there.
SYSTEM_PYTHON = "/usr/bin/python3"
UNO_DRIVER = Path(__file__).with_name("uno_edit.py")


def _has_uno() -> bool:
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return False
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True, timeout=60)
    return probe.returncode == 0


HAS_UNO = SOFFICE is not None and _has_uno()
needs_uno = pytest.mark.skipif(
    not HAS_UNO and not os.environ.get("CI"),
    reason="LibreOffice 或 python3-uno 未安装：apt-get install libreoffice-calc-nogui python3-uno",
)

RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def profile(root: Path, recalc: bool = False) -> Path:
    """A fresh LibreOffice user profile; with ``recalc`` it recalculates every formula on load."""
    user = root / "user"
    user.mkdir(parents=True, exist_ok=True)
    if recalc:
        (user / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")
    return root


def convert(src: Path, to: str, out_dir: Path, profile_dir: Path, timeout: int = 180) -> Path:
    """``soffice --convert-to`` with a timeout; returns the converted file. A conversion that fails is
    tried once more (the office crashing on a loaded machine is not what the tests check); a second
    failure fails with both runs' exit codes and messages."""
    if SOFFICE is None:
        raise RuntimeError("CI must install LibreOffice: soffice not found")
    out_dir.mkdir(parents=True, exist_ok=True)
    result = out_dir / (src.stem + "." + to.split(":")[0])
    failures = []
    for attempt in range(2):
        result.unlink(missing_ok=True)
        code, err = _convert_once(src, to, out_dir, profile_dir, timeout)
        if code == 0 and result.exists():
            return result
        failures.append(f"try {attempt + 1}: exit code {code}, {result.name} written={result.exists()}: {err}")
    raise AssertionError(f"soffice failed on {src.name}:\n" + "\n".join(failures))


def _convert_once(src: Path, to: str, out_dir: Path, profile_dir: Path, timeout: int) -> tuple[int, str]:
    cmd = [
        str(SOFFICE),
        f"-env:UserInstallation={profile_dir.resolve().as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        to,
        "--outdir",
        str(out_dir),
        str(src),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssertionError(f"soffice timed out after {timeout}s on {src.name}") from None
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return proc.returncode, err.decode(errors="replace")[-2000:]


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """End soffice and everything it started (its own process group), politely first."""
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 15)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def uno_edit(src: Path, target: Path, ops: list[list[Any]], profile_dir: Path, timeout: int = 240) -> Path:
    """Open ``src`` in a headless LibreOffice of its own, apply ``ops`` (see tests/uno_edit.py) through
    UNO, and save the result as ``target`` with Calc's Excel 2007–365 filter.

    A LibreOffice that crashes (the driver killed by a signal, or its bridge to the office disposed) is
    started once more on a fresh profile: the client falling over on a loaded machine is not what the
    tests check. Any other failure, or a second crash, fails with the driver's exit code and output and
    the office's log."""
    if not HAS_UNO:
        raise RuntimeError("CI must install LibreOffice and python3-uno: soffice or the uno module not found")
    failures = []
    for attempt in range(2):
        run_dir = profile_dir / f"try{attempt}"
        driver, office_log = _uno_run(src, target, ops, run_dir, timeout)
        if driver.returncode == 0 and target.exists():
            return target
        failures.append(
            f"try {attempt + 1}: exit code {driver.returncode}, saved={target.exists()}\n"
            f"stdout: {driver.stdout[-500:]}\nstderr: {driver.stderr[-2000:]}\nsoffice log: {office_log[-1000:]}"
        )
        if not _crashed(driver):
            break
    raise AssertionError("UNO edit failed:\n" + "\n".join(failures))


def _crashed(driver: subprocess.CompletedProcess[str]) -> bool:
    return driver.returncode < 0 or any(
        sign in driver.stderr for sign in ("DisposedException", "Binary URP bridge", "NoConnectException")
    )


def _uno_run(
    src: Path, target: Path, ops: list[list[Any]], run_dir: Path, timeout: int
) -> tuple[subprocess.CompletedProcess[str], str]:
    run_dir.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    pipe = f"xlsgen-{os.getpid()}-{secrets.token_hex(6)}"  # a named pipe: no port to collide on
    script = run_dir / "edit.json"
    script.write_text(json.dumps({"source": str(src), "target": str(target), "ops": ops}, ensure_ascii=False))
    log_path = run_dir / "soffice.log"
    with log_path.open("wb") as log:
        office = subprocess.Popen(
            [
                str(SOFFICE),
                f"-env:UserInstallation={run_dir.resolve().as_uri()}",
                "--headless",
                "--invisible",
                "--nologo",
                "--norestore",
                "--nodefault",
                f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
            ],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        try:
            driver = subprocess.run(
                [SYSTEM_PYTHON, str(UNO_DRIVER), pipe, str(script)], capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the UNO edit of {src.name} took more than {timeout}s") from None
        finally:
            _stop(office)
    return driver, log_path.read_text(errors="replace")


def pdf_pages(pdf: Path) -> list[tuple[float, float]]:
    """(width, height) in points of every page, from pdfinfo."""
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "9999", str(pdf)], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    sizes = []
    for line in info.splitlines():
        if line.startswith("Page") and "size:" in line:
            parts = line.split("size:")[1].split()
            sizes.append((float(parts[0]), float(parts[2])))
    return sizes


def pdf_text(pdf: Path, raw: bool = False) -> str:
    """The PDF's text, pages separated by form feeds: laid out as printed, or (``raw``) in drawing order,
    where LibreOffice keeps a wrapped cell's lines together."""
    return subprocess.run(
        ["pdftotext", "-raw" if raw else "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
