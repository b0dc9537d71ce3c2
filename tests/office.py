"""LibreOffice headless as a real spreadsheet client for the tests.

Each call gets its own user profile (so runs never share state or a lock), a timeout, and its own
process group, which is killed afterwards so no soffice process outlives a test.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(
    SOFFICE is None and not os.environ.get("CI"),
    reason="LibreOffice (soffice) 未安装：apt-get install libreoffice-calc-nogui fonts-noto-cjk poppler-utils",
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
    """``soffice --convert-to`` with a timeout; returns the converted file."""
    if SOFFICE is None:
        raise RuntimeError("CI must install LibreOffice: soffice not found")
    out_dir.mkdir(parents=True, exist_ok=True)
    cmd = [
        SOFFICE,
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
    result = out_dir / (src.stem + "." + to.split(":")[0])
    assert proc.returncode == 0 and result.exists(), f"soffice failed on {src.name}: {err.decode(errors='replace')}"
    return result


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


def pdf_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
