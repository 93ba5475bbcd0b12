"""Files on disk as a user meets them: inputs that are regular files, and OS errors in plain Chinese."""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Callable
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


def read_regular(path: Path, limit: int | None = None) -> bytes:
    """Return the bytes of a regular file; raise InputFileError for a pipe, device, folder or missing file,
    or for a file larger than limit bytes (refused before it is read).

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
        if limit is None:
            return fh.read()
        data = fh.read(limit + 1)  # not the size fstat reports: a file may grow while it is read
    if len(data) > limit:
        raise InputFileError(f"{path}：文件过大（超过 {size_text(limit)} 的上限），不会读取")
    return data


def size_text(size: int) -> str:
    """Return a byte count for people: 5 MB, 300 KB, 12 字节."""
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} 字节"


def is_regular(path: Path) -> bool:
    """Return whether path (following links) is a regular file, without opening it."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


# The process umask, read once at import: os.umask can only be read by setting it, which is not
# safe once worker threads are creating files.
UMASK = os.umask(0o022)
os.umask(UMASK)


class Staging:
    """A project's outputs: written into a hidden folder beside their final place, then moved in together.

    `commit` moves every staged file to its final name; if one move fails, the files already
    moved are taken back out and what was there before is put back, so a project is either all
    new or all old. `close` removes the hidden folder and anything left in it.
    """

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(dir=folder, prefix=".staging-"))
        self._files: list[tuple[Path, Path]] = []

    def path(self, final: Path) -> Path:
        """Return where to write the file that will become `final` (a short name: long names fail late)."""
        staged = self.folder / f"{len(self._files)}{final.suffix}"
        self._files.append((staged, final))
        return staged

    def commit(self) -> None:
        """Move every staged file to its final name, all or none; raise OSError when that failed."""
        moved: list[Path] = []
        kept: list[tuple[Path, Path]] = []
        try:
            for n, (staged, final) in enumerate(self._files):
                os.chmod(staged, 0o666 & ~UMASK)  # a report gets the mode any new file gets
                if os.path.lexists(final):
                    os.replace(final, self.folder / f"old-{n}")
                    kept.append((self.folder / f"old-{n}", final))
                os.replace(staged, final)
                moved.append(final)
        except BaseException:
            for final in moved:
                final.unlink(missing_ok=True)
            for old, final in kept:
                os.replace(old, final)
            raise

    def close(self) -> None:
        """Remove the hidden folder with whatever was not moved in."""
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def name_problem(stem: str, folder: Path, suffixes: tuple[str, ...]) -> str:
    """Return why outputs named stem+suffix cannot be written in folder ("" when they can)."""
    longest = max((stem + s for s in suffixes), key=lambda n: len(os.fsencode(n)))
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        limit = os.pathconf(probe, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    size = len(os.fsencode(longest))
    if size > limit:
        return f"文件名过长：输出「{longest}」有 {size} 字节，超过 {limit} 字节的上限，请缩短数据文件名"
    for s in suffixes:
        if (folder / (stem + s)).is_dir():
            return f"输出位置「{folder / (stem + s)}」已有同名文件夹"
    return ""
def write_atomic(path: Path, write: Callable[[Path], object], durable: bool = False) -> None:
    """Write path through a temporary file in the same folder, renamed into place once complete, so
    a crash never leaves half a file; with durable, the bytes reach the disk before the rename. The
    folder is made when missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        # mkstemp makes the file private (0600); an output gets the mode any new file gets.
        os.chmod(tmp, 0o666 & ~UMASK)
        if durable:
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_text_atomic(path: Path, text: str, durable: bool = False) -> None:
    """Write text (UTF-8) to path atomically (see `write_atomic`)."""
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), durable)
