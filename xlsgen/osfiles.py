"""What the file system can do to a file xlsgen reads or writes (issue 13 §5, §7, §9).

* :func:`read_regular` reads a file only once it is known to be a regular file of a bounded size: a
  symlink to ``/dev/zero`` was read whole (``MemoryError``) and a FIFO blocked for ever. The file is
  opened without blocking (a FIFO with no writer opens at once), checked with ``fstat`` on the open
  descriptor (so what is checked is what is read), and read no further than the limit.
* :func:`fit_name` keeps a file name within the 255 *bytes* most file systems allow (a CJK character is
  three bytes in UTF-8: 81 of them already make 243), cutting at a character boundary.
* :func:`advice` says in Chinese what an ``OSError`` means and what to do, by its errno: a name too long,
  a full disk, a read-only disk and a missing permission each need different advice.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

NAME_BYTES = 255  # NAME_MAX of ext4, XFS, btrfs, APFS; NTFS allows 255 UTF-16 units, never fewer
MAX_UNIT_FILE = 20 * 2**20  # a unit file is tens of kilobytes; anything this big is not one

_KINDS = (
    (stat.S_ISDIR, "文件夹"),
    (stat.S_ISFIFO, "命名管道（FIFO）"),
    (stat.S_ISCHR, "字符设备（如 /dev/zero）"),
    (stat.S_ISBLK, "块设备"),
    (stat.S_ISSOCK, "套接字"),
)


class NotReadable(Exception):
    """The file cannot be read; ``str()`` is the Chinese reason (without the file's name)."""


def read_regular(path: str | Path, limit: int) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes; else NotReadable."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise NotReadable(advice(exc, reading=True)) from None
    try:
        info = os.fstat(fd)
        for test, kind in _KINDS:
            if test(info.st_mode):
                raise NotReadable(f"不是普通文件，而是{kind}；请指定单位的 JSON 文件或工作簿")
        if info.st_size > limit:
            raise NotReadable(f"文件过大（{_size(info.st_size)}），超过上限 {_size(limit)}，不像是单位的文件")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # it grew while being read
                raise NotReadable(f"文件过大（超过上限 {_size(limit)}），不像是单位的文件")
        return b"".join(chunks)
    except OSError as exc:
        raise NotReadable(advice(exc, reading=True)) from None
    finally:
        os.close(fd)


def _size(n: int) -> str:
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n} 字节"


def fit_name(stem: str, suffix: str, limit: int = NAME_BYTES) -> str:
    """``stem + suffix``, the stem cut (at a character boundary) so the whole is at most ``limit`` bytes."""
    room = limit - len(suffix.encode("utf-8"))
    raw = stem.encode("utf-8")
    if len(raw) > room:
        stem = raw[:room].decode("utf-8", "ignore").rstrip(". ")
    return stem + suffix


NO_SPACE = "E-NO-SPACE"  # the problem code of a write that failed for want of disk space


def disk_full(exc: OSError) -> bool:
    return exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))


def advice(exc: OSError, reading: bool = False) -> str:
    """What ``exc`` means for the user, and what to do about it."""
    code = exc.errno
    if code == errno.ENAMETOOLONG:
        return "文件名或路径过长（文件名最多 255 字节，约 85 个汉字），请缩短单位名称或换一个层级较浅的输出目录"
    if disk_full(exc):
        return "磁盘空间不足，请清理磁盘或换一个输出目录后重新运行"
    if code == errno.EROFS:
        return "所在磁盘是只读的，请换一个可写的目录"
    if code in (errno.EACCES, errno.EPERM):
        if reading:
            return "没有读取权限，请检查文件的权限"
        return "没有写入权限（或文件正被 Excel 等程序打开），请检查目录权限，或关闭该文件后重试"
    if code == errno.ENOENT:
        return "文件或目录不存在，请检查路径" if reading else "目录不存在或已被删除，请检查输出目录"
    if code == errno.EISDIR:
        return "是文件夹，不是文件"
    if code == errno.ENOTDIR:
        return "路径中的某一级不是文件夹，请检查路径"
    if code == errno.ENXIO:
        return "不是普通文件（可能是套接字或设备），请指定单位的 JSON 文件或工作簿"
    if code == errno.ELOOP:
        return "符号链接循环指向自己，请检查该链接"
    if code == errno.EIO:
        return "读写磁盘时出错（设备故障或已拔出），请检查磁盘"
    if code == errno.EMFILE or code == errno.ENFILE:
        return "同时打开的文件过多，请稍后重试或减少 --jobs"
    return f"操作系统报告错误（{exc.strerror or exc}）"
