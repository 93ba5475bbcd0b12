"""Files on disk as a user meets them: inputs that are regular files, and OS errors in plain Chinese."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

_REASONS = {
    errno.ENOENT: "文件不存在",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.ENAMETOOLONG: "文件名过长",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.ENOTDIR: "路径中有一部分是文件，不是文件夹",
    errno.EEXIST: "已存在同名的文件",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "所在位置只读，不能写入",
    errno.ELOOP: "符号链接层数过多（可能是循环链接）",
    errno.EDQUOT: "超出磁盘配额",
}


class InputFileError(ValueError):
    """An input path that is not a readable regular file; the message is in Chinese and names the path."""


def os_error_text(exc: OSError) -> str:
    """Return an OS error as a plain-Chinese reason (文件名过长, 没有权限 …), never the raw English text."""
    reason = _REASONS.get(exc.errno or 0)
    return reason or f"系统错误（{errno.errorcode.get(exc.errno or 0, type(exc).__name__)}）"


def read_regular(path: Path) -> bytes:
    """Return the bytes of a regular file; raise InputFileError for a pipe, device, folder or missing file.

    The file is opened without blocking and checked on the open descriptor, so a FIFO never hangs
    the reader and a link to /dev/zero is refused instead of read until memory runs out.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise InputFileError(f"{path}：{os_error_text(exc)}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise InputFileError(f"{path}：这是一个文件夹，不是文件")
        raise InputFileError(f"{path}：不是普通文件（管道、设备或其他特殊文件），不会读取")
    os.set_blocking(fd, True)
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


def is_regular(path: Path) -> bool:
    """Return whether path (following links) is a regular file, without opening it."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False
