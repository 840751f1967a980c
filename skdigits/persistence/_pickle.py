"""joblib (pickle) files: everything saved, for trusted files only."""

from __future__ import annotations

import pickle
import struct
import zlib
from pathlib import Path

import joblib

from skdigits._atomic import atomic_write


def dump(estimator, path, *, compress=3):
    """Save a fitted estimator or pipeline to ``path`` with joblib, atomically.

    Everything is saved (custom architectures, callbacks, optimizer state), and the
    loaded estimator can be trained further. Files written this way must only be
    loaded from trusted sources; to share a model use :func:`save_safe`.

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

    See Also
    --------
    load : Load the file back.
    save_safe : A format that loads without running code from the file.
    """
    path = Path(path)
    with atomic_write(path) as tmp:
        joblib.dump(estimator, tmp, compress=compress)
    return path


_CORRUPT_PICKLE_ERRORS = (
    pickle.UnpicklingError, EOFError, ValueError, KeyError, IndexError, MemoryError,
    OverflowError, struct.error, zlib.error, OSError,
)


def load(path):
    """Load an estimator saved with :func:`dump` (or :func:`joblib.dump`).

    .. warning:: **Loading runs code from the file** (it is a pickle): a file from
       someone else can do anything your user account can. Only load files you wrote
       yourself or otherwise trust completely, as with NumPy's ``allow_pickle=True``
       or Keras' ``safe_mode=False``. For files from elsewhere, use
       :func:`save_safe` / :func:`load_safe`.

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

    See Also
    --------
    load_safe : Load a model without running code from the file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No saved model at {path}.")
    try:
        return joblib.load(path)
    # What unpickling garbage or a cut-off file raises: random bytes were seen to raise
    # each of these (MemoryError when a corrupt length field asks for gigabytes).
    except _CORRUPT_PICKLE_ERRORS as exc:
        raise ValueError(
            f"Could not load a model from {path}: the file is truncated or not a "
            f"joblib/pickle file ({type(exc).__name__}: {exc})."
        ) from exc
