"""Reading what a job left in its directory, without trusting it.

Everything under a job directory was made (or could have been replaced) by the job. The
runner opens those files only through :func:`read_job_file`: relative to the job directory
(itself opened without following symlinks), the final name with ``O_NOFOLLOW | O_NONBLOCK``
so a symlink, FIFO or device is refused instead of followed or waited on, then ``fstat``
must show a regular file within a size cap. Logs are read as a bounded tail
(:func:`read_log_tail`), the full log staying on disk.
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

#: what the runner reads of a job's result.json
RESULT_MAX_BYTES = 1 << 20
#: what the runner keeps of a log in the record (and results.csv): the tail
LOG_TAIL_BYTES = 64 << 10
LOG_TAIL_LINES = 20
LOG_TAIL_CHARS = 4000


class JobFileError(OSError):
    """A job file is missing, not a regular file inside the job directory, or too large."""

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.errno = code


def _open_in(directory: Path, name: str) -> int:
    """A read-only descriptor of ``directory/name``, refusing symlinks (anywhere in ``name``) and non-files."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as e:
        raise JobFileError(f"job directory {directory} unusable: {e.strerror}", e.errno) from None
    try:
        parts = Path(name).parts
        if not parts or any(p in ("..", "/") for p in parts):
            raise JobFileError(f"{name} is not a name inside the job directory")
        for part in parts[:-1]:  # walk sub-folders without following symlinks
            try:
                sub = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
            except OSError as e:
                raise JobFileError(f"{name}: {e.strerror}", e.errno) from None
            os.close(dir_fd)
            dir_fd = sub
        try:
            fd = os.open(parts[-1], flags, dir_fd=dir_fd)
        except OSError as e:
            if e.errno == errno.ELOOP:  # O_NOFOLLOW met a symlink
                raise JobFileError(f"{name} is a symbolic link", e.errno) from None
            raise JobFileError(f"{name}: {e.strerror}", e.errno) from None
    finally:
        os.close(dir_fd)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise JobFileError(f"{name} is not a regular file")
    return fd


def file_size(directory: Path, name: str) -> int:
    """The size of a regular job file (raises :class:`JobFileError` as :func:`read_job_file` does)."""
    fd = _open_in(directory, name)
    try:
        return os.fstat(fd).st_size
    finally:
        os.close(fd)


def read_job_file(directory: Path, name: str, max_bytes: int) -> bytes:
    """The content of ``directory/name`` if it is a regular file of at most ``max_bytes``."""
    fd = _open_in(directory, name)
    try:
        size = os.fstat(fd).st_size
        if size > max_bytes:
            raise JobFileError(f"{name} is {size} bytes, over the limit of {max_bytes}")
        chunks, total = [], 0
        while total <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > max_bytes:  # grew while we read it
            raise JobFileError(f"{name} is over the limit of {max_bytes} bytes")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_log_tail(path: Path, lines: int = LOG_TAIL_LINES, max_chars: int = LOG_TAIL_CHARS) -> str:
    """The last ``lines`` lines (at most ``max_chars`` characters) of a job-written log; "" when unreadable."""
    try:
        fd = _open_in(path.parent, path.name)
    except OSError:
        return ""
    try:
        size = os.fstat(fd).st_size
        os.lseek(fd, max(0, size - LOG_TAIL_BYTES), os.SEEK_SET)
        data = os.read(fd, LOG_TAIL_BYTES)
    except OSError:
        return ""
    finally:
        os.close(fd)
    text = "\n".join(data.decode(errors="replace").rstrip().splitlines()[-lines:])
    return text[-max_chars:]


def append_line(path: Path, line: str) -> None:
    """Append a line to a job's log without following a symlink or blocking on a FIFO the job put there."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC,
                     0o644)
    except OSError:
        return
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.write(fd, (line + "\n").encode())
    except OSError:
        pass
    finally:
        os.close(fd)


def open_log_for_append(path: Path) -> BinaryIO | None:
    """A job log opened for appending, or None when what is at ``path`` is a link, a FIFO or anything but a file."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC,
                     0o644)
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return os.fdopen(fd, "ab")
