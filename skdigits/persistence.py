"""Saving and loading fitted estimators and pipelines.

:func:`dump` and :func:`load` wrap :func:`joblib.dump` / :func:`joblib.load`. The
difference from calling joblib directly: :func:`dump` writes to a temporary file in the
same directory and renames it into place, so a crash or Ctrl-C while saving never leaves
a truncated model where a good one was.

.. warning::
   joblib and pickle files run code when they are loaded. Never load a file you do not
   trust.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import joblib

__all__ = ["dump", "load", "atomic_write"]


class atomic_write:
    """Context manager yielding a temporary path that replaces ``path`` on success.

    The temporary file lives in the destination directory, so the final ``os.replace``
    is atomic on POSIX and Windows. On any exception (including KeyboardInterrupt) the
    temporary file is removed and ``path`` is left as it was.

    Parameters
    ----------
    path : str or os.PathLike
        Final destination.

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
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)
        os.close(fd)
        self._tmp = Path(tmp)
        return self._tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            os.replace(self._tmp, self.path)
        else:
            self._tmp.unlink(missing_ok=True)
        return False


def dump(estimator, path, *, compress=3):
    """Save a fitted estimator or pipeline to ``path`` with joblib, atomically.

    Parameters
    ----------
    estimator : object
        Any picklable object, typically a fitted pipeline.
    path : str or os.PathLike
        Destination file (conventionally ``*.joblib``). Parent folders are created.
    compress : int, default=3
        joblib compression level (0-9).

    Returns
    -------
    path : pathlib.Path
        The written file.
    """
    path = Path(path)
    with atomic_write(path) as tmp:
        joblib.dump(estimator, tmp, compress=compress)
    return path


def load(path):
    """Load an estimator saved with :func:`dump` (or :func:`joblib.dump`).

    .. warning:: Loading runs code from the file: only load files you trust.

    Parameters
    ----------
    path : str or os.PathLike
        The file to read.

    Returns
    -------
    estimator : object
        The saved object.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a joblib/pickle file or is truncated.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No saved model at {path}.")
    try:
        return joblib.load(path)
    except (EOFError, ValueError, KeyError, IndexError, OSError) as exc:
        raise ValueError(
            f"Could not load a model from {path}: the file is truncated or not a "
            f"joblib/pickle file ({type(exc).__name__}: {exc})."
        ) from exc
