"""Atomic file writes, and the removal of what interrupted writes leave behind.

Every file skdigits writes (models, downloaded data, figures) goes through
:class:`atomic_write`: the content is written to a temporary file in the destination
folder, flushed to disk, and renamed over the destination, so readers only ever see
the old file or the complete new one.

A process killed with ``kill -9`` (or a power cut) cannot delete its temporary file.
So every temporary file and folder skdigits creates carries a recognisable name that
holds the id of the process that owns it::

    .<name>.skdigits-tmp-<pid>-<random>        next to the destination file
    skdigits-<purpose>-<pid>-<random>/         in the system temporary folder

and later writes into the same folder remove those that are stale: owned by a process
that no longer runs, and untouched for :data:`STALE_AFTER` seconds (the age guards
against folders shared between machines, where a process id means nothing). Files of
live processes and anything not named this way are never touched.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path

__all__ = ["atomic_write", "owned_temp_dir", "remove_stale", "STALE_AFTER"]

#: Seconds after its last modification from which an orphaned temporary file or
#: folder (its owning process has ended) is removed by a later run.
STALE_AFTER = 3600

_TAG = "skdigits-tmp"
# .NAME.skdigits-tmp-PID-RANDOM; also the "part" files load_mnist wrote before it used
# this module (.NAME.PID.RANDOM.part), which are just as recognisable.
_TEMP_FILE = re.compile(
    rf"\..+\.{_TAG}-(?P<pid>[0-9]{{1,10}})-[0-9a-f]{{8}}"
    r"|\..+\.(?P<oldpid>[0-9]{1,10})\.[0-9a-f]{8}\.part"
)
_TEMP_DIR = re.compile(r"skdigits-(?:save|load)-(?P<pid>[0-9]{1,10})-[0-9a-f]{8}")


def _pid_is_dead(pid):
    """True only if no process ``pid`` exists (POSIX); unknowable elsewhere."""
    if os.name != "posix" or pid <= 0:
        return False  # on Windows os.kill(pid, 0) would terminate the process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (OSError, OverflowError):
        return False  # exists, owned by another user (or not a possible pid)
    return False


def _is_stale(path, pid, now):
    if not _pid_is_dead(pid):
        return False
    try:
        return now - path.lstat().st_mtime > STALE_AFTER
    except OSError:
        return False


def remove_stale(folder=None):
    """Remove stale skdigits temporary files in ``folder`` (or temporary folders).

    Parameters
    ----------
    folder : str or os.PathLike, default=None
        Folder whose stale ``.NAME.skdigits-tmp-PID-RANDOM`` files are removed. If
        None, the system temporary folder is cleaned of stale
        ``skdigits-save-PID-RANDOM`` / ``skdigits-load-PID-RANDOM`` folders.

    Returns
    -------
    removed : list of pathlib.Path
        What was removed. Errors (a file removed meanwhile by another process, no
        permission) are ignored: cleaning up is best effort and never fails a write.
    """
    pattern = _TEMP_DIR if folder is None else _TEMP_FILE
    folder = Path(tempfile.gettempdir() if folder is None else folder)
    now = time.time()
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None:
            continue
        pid = int(match.group("pid") or match.groupdict().get("oldpid"))
        path = Path(entry.path)
        if not _is_stale(path, pid, now):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError:
            continue
        removed.append(path)
    return removed


def _current_umask():
    """The process umask, read without changing it where the OS allows."""
    try:  # Linux: os.umask() can only be read by setting it, which races with threads
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _replaced_file_mode(path):
    """Permission bits for a new file at ``path``: the old file's, or 0666 minus umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_current_umask()


def _fsync_folder(folder):
    """Make a rename in ``folder`` durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class atomic_write:
    """Context manager yielding a temporary path that replaces ``path`` on success.

    The temporary file, ``.NAME.skdigits-tmp-PID-RANDOM``, lives in the destination
    folder, so the final ``os.replace`` is atomic on POSIX and Windows. On success it
    is flushed to disk (``fsync``), given the permissions a plain ``open()`` would
    give (or those of the file it replaces) and renamed into place. On any exception
    (including KeyboardInterrupt) it is removed and ``path`` is left as it was.
    Entering also removes stale temporary files of ended processes in that folder.

    Parameters
    ----------
    path : str or os.PathLike
        Final destination. Parent folders are created.

    Examples
    --------
    >>> import tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> with atomic_write(target) as tmp:
    ...     _ = open(tmp, "w").write("done")
    >>> open(target).read()
    'done'
    """

    def __init__(self, path):
        self.path = Path(path)

    def __enter__(self):
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True)
        remove_stale(directory)
        while True:
            tmp = directory / f".{self.path.name}.{_TAG}-{os.getpid()}-{secrets.token_hex(4)}"
            try:  # O_EXCL: never share a temporary file with another writer
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue
            os.close(fd)
            self._tmp = tmp
            return tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self._tmp.unlink(missing_ok=True)
            return False
        try:
            with open(self._tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.chmod(self._tmp, _replaced_file_mode(self.path))
            os.replace(self._tmp, self.path)
        except BaseException:
            self._tmp.unlink(missing_ok=True)
            raise
        _fsync_folder(self.path.parent)
        return False


@contextlib.contextmanager
def owned_temp_dir(purpose):
    """A private temporary folder ``skdigits-<purpose>-<pid>-<random>``, removed on exit.

    Stale folders of ended processes are removed first (see :func:`remove_stale`).

    Parameters
    ----------
    purpose : {"save", "load"}
        What the folder is for; part of its name.

    Yields
    ------
    folder : pathlib.Path
    """
    if purpose not in ("save", "load"):
        raise ValueError(f"purpose must be 'save' or 'load', got {purpose!r}.")
    remove_stale()
    base = Path(tempfile.gettempdir())
    while True:
        folder = base / f"skdigits-{purpose}-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue
        break
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
