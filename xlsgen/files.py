"""Files: reading a unit file (model.load_unit parses it), writing any output atomically, and the workbook's file name.

Every output (workbook, 汇总表, manifest, JSON) goes through :func:`write_atomic`: a temporary file in
the same folder, flushed to disk, renamed over the target, and the folder flushed too (in a bulk run,
once per batch: :func:`batch_synced`), so a crash or a power cut leaves either the old file or the new
one, never half of one.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import ERROR, DataError, Location, OutputError, Problem
from .osfiles import MAX_UNIT_FILE, NO_SPACE, NotReadable, advice, disk_full, fit_name, read_regular

TMP_PREFIX, TMP_SUFFIX = ".~", ".tmp"
TMP_PATTERN = f"{TMP_PREFIX}*{TMP_SUFFIX}"  # what an interrupted write can leave behind
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM\d|LPT\d)(\..*)?$", re.IGNORECASE)


def read_unit_bytes(path: str | Path) -> bytes:
    """The bytes of a unit file; a file that cannot be read is a DataError naming it."""
    try:
        return read_regular(path, MAX_UNIT_FILE)  # never a FIFO, a device or a file of gigabytes (issue 13 §7)
    except NotReadable as exc:
        raise DataError(f"无法读取文件：{exc}", Location(str(path))) from None


def workbook_name(code: str, name: str) -> str:
    """``<单位编码>-<单位名称>.xlsx``, safe on Windows and free of path separators."""
    stem = _UNSAFE.sub("_", f"{code}-{name}").strip().rstrip(". ")
    stem = stem.lstrip(".") or "unit"
    if _RESERVED.match(stem):
        stem = "_" + stem
    # At most 120 characters (Excel on Windows opens no path over 218) and 255 bytes (the file system's
    # limit: 85 CJK characters already make 255 bytes in UTF-8).
    return fit_name(stem[:120], ".xlsx")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Folders whose entries the caller flushes itself, once per batch of files (bulk: at each save of its
# manifest) instead of once per file; see batch_synced.
_BATCHED: set[str] = set()


@contextlib.contextmanager
def batch_synced(folder: Path) -> Iterator[None]:
    """Within: files written into ``folder`` skip flushing the folder's entry each; the caller calls
    :func:`sync_folder` after each batch (and it is called once more on the way out).

    The durability trade-off: every file's content is still flushed before its rename, so no file ever
    appears half-written under its name, even after a power cut. What a power cut can lose is the rename
    of a file written since the folder was last flushed: the old file (or none) is then there instead,
    complete. Bulk flushes the folder right after writing its manifest, which makes that manifest and
    every workbook written before it durable together; a workbook written after it is not in that
    manifest, so the next run writes it again whichever version the crash left.
    """
    key = os.path.abspath(folder)
    _BATCHED.add(key)
    try:
        yield
    finally:
        _BATCHED.discard(key)
        sync_folder(folder)


def sync_folder(folder: Path) -> None:
    """Flush ``folder``'s entries (the renames into it) to disk."""
    _sync_dir(Path(folder))


def _sync_dir(folder: Path) -> None:
    # The rename is durable only once the folder's entry is on disk. Windows cannot open a folder.
    if not hasattr(os, "O_DIRECTORY"):
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, renamed when complete."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=TMP_SUFFIX, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        code = NO_SPACE if disk_full(exc) else OutputError.code
        raise OutputError(Problem(ERROR, code, f"无法写入：{advice(exc)}", Location(str(path)))) from None
    if not _BATCHED or os.path.abspath(path.parent) not in _BATCHED:
        _sync_dir(path.parent)


def clean_stale(out_dir: Path) -> int:
    """Remove temporary files an interrupted run left behind (renamed only when complete, so never
    a finished file); returns how many were removed."""
    removed = 0
    for tmp in Path(out_dir).glob(TMP_PATTERN):
        with contextlib.suppress(OSError):
            tmp.unlink()
            removed += 1
    return removed
