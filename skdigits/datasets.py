"""The MNIST data set, read from (and downloaded into) a local data home.

The loader follows scikit-learn's ``fetch_*`` conventions: files live in a *data
home* folder (``SKDIGITS_DATA`` or ``~/skdigits_data``), every file is checked
against its published checksum before use, and missing files are downloaded on
demand. The arrays are returned the way :func:`keras.datasets.mnist.load_data`
returns them, so code written against Keras works unchanged.
"""

import hashlib
import os
import warnings

import numpy as np

from skdigits._atomic import remove_stale
from skdigits._download import download
from skdigits._idx import MAX_FILE_BYTES, read_bytes, read_idx

__all__ = [
    "DataNotFoundError",
    "MNIST_FILES",
    "MNIST_MIRRORS",
    "get_data_home",
    "load_mnist",
]


#: Environment variable naming the default data home.
DATA_HOME_ENV = "SKDIGITS_DATA"

#: The four original MNIST files (LeCun et al.) and their published MD5 checksums.
#: MD5 is what the MNIST mirrors publish, so it is what a user can cross-check; it
#: guards against truncated or corrupted downloads, not against an adversary.
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}

#: Public mirrors holding the files above, tried in this order. The original home,
#: yann.lecun.com/exdb/mnist, is left out: it often refuses downloads (HTTP 403).
MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

#: Seconds a mirror may stay silent (connecting or between two reads) before it is
#: abandoned for the next one. This is not a limit on the whole download; see
#: ``DOWNLOAD_DEADLINE``.
DOWNLOAD_TIMEOUT = 30

#: Default for ``load_mnist(download_deadline=...)``: seconds one file may take to
#: download from one mirror, in all, before that mirror is abandoned (a mirror that
#: trickles a byte now and then never trips ``DOWNLOAD_TIMEOUT``). The largest file
#: is 9.9 MB: 600 s allows for a link of about 17 kB/s.
DOWNLOAD_DEADLINE = 600

# Shape every file must have once parsed; checked even though the MD5 already
# pins the content, so that an edited checksum table cannot smuggle in odd data.
_EXPECTED_SHAPES = {
    "train-images-idx3-ubyte.gz": (60000, 28, 28),
    "train-labels-idx1-ubyte.gz": (60000,),
    "t10k-images-idx3-ubyte.gz": (10000, 28, 28),
    "t10k-labels-idx1-ubyte.gz": (10000,),
}


class DataNotFoundError(OSError):
    """No usable copy of a data set could be found or downloaded.

    Raised when files are missing (or fail their checksum) and downloading is
    disabled or failed on every mirror. The message says which files, where they
    were looked for and how to provide them. Being an :class:`OSError`, it is
    caught by code written for scikit-learn's ``fetch_*`` functions.

    Parameters
    ----------
    message : str
        The full explanation shown to the user.
    data_home : str, default=None
        The folder that was looked in.
    missing : iterable of str, default=()
        Names of the files that are absent or corrupt in `data_home`.
    attempts : iterable of tuple of (str, str), default=()
        ``(url, error message)`` for each failed download attempt, in order.

    Attributes
    ----------
    data_home : str
        The folder that was looked in.
    missing : list of str
        Names of the files that are absent or corrupt in `data_home`.
    attempts : list of tuple of (str, str)
        ``(url, error message)`` for each failed download attempt, in order.

    See Also
    --------
    load_mnist : Raises this error.

    Examples
    --------
    >>> from skdigits.datasets import DataNotFoundError, load_mnist
    >>> try:
    ...     load_mnist(data_home="/nonexistent", download_if_missing=False)
    ... except DataNotFoundError as exc:
    ...     print(exc.missing[0])
    train-images-idx3-ubyte.gz
    """

    def __init__(self, message, *, data_home=None, missing=(), attempts=()):
        super().__init__(message)
        self.data_home = data_home
        self.missing = list(missing)
        self.attempts = list(attempts)


def _resolve_data_home(data_home=None):
    """Return the data home path as a string, without touching the file system."""
    if data_home is None:
        # An empty variable is treated as unset rather than as the current folder.
        data_home = os.environ.get(DATA_HOME_ENV) or os.path.join("~", "skdigits_data")
    return os.path.expanduser(os.fspath(data_home))


def get_data_home(data_home=None):
    """Return the path of the skdigits data folder, creating it if needed.

    The folder holds data sets such as MNIST so they are downloaded once. By
    default it is ``~/skdigits_data``; the ``SKDIGITS_DATA`` environment variable
    or an explicit `data_home` overrides that. A leading ``~`` is expanded to the
    user's home folder.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The data folder. If None, use ``$SKDIGITS_DATA`` if set (and not empty),
        else ``~/skdigits_data``.

    Returns
    -------
    str
        The path of the data folder, with ``~`` expanded.

    Raises
    ------
    OSError
        If the folder does not exist and cannot be created.

    See Also
    --------
    load_mnist : Load MNIST from this folder, downloading it there if needed.

    Examples
    --------
    >>> import os
    >>> from skdigits.datasets import get_data_home
    >>> os.path.isdir(get_data_home())
    True
    """
    data_home = _resolve_data_home(data_home)
    os.makedirs(data_home, exist_ok=True)
    return data_home


def _md5(data):
    """MD5 hex digest of ``data`` (bytes)."""
    # usedforsecurity=False keeps this working on FIPS-mode Pythons, where MD5 is
    # otherwise refused; it is only an integrity check here.
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def _not_found_message(folder, files, missing, corrupt, download_if_missing,
                       mirrors, failed, attempts):
    """Build the DataNotFoundError message: what is wrong and how to fix it."""
    where = "" if os.path.isdir(folder) else " (the folder does not exist)"
    lines = [f"MNIST data is not available in {folder!r}{where}."]
    if missing:
        lines.append("Missing files: " + ", ".join(missing) + ".")
    for name, actual in corrupt.items():
        lines.append(f"Corrupt file: {name} has MD5 {actual}, expected {files[name]}.")
    if not download_if_missing:
        lines.append(
            "Nothing was downloaded because download_if_missing=False. Pass "
            "download_if_missing=True to fetch them from: " + ", ".join(mirrors)
        )
    elif not mirrors:
        lines.append("No download mirrors are configured (MNIST_MIRRORS is empty).")
    else:
        others = len(missing) + len(corrupt) - 1
        lines.append(
            f"Downloading {failed} failed on every mirror"
            + (f" (the other {others} file(s) were not tried)" if others else "")
            + ":"
        )
        lines.extend(f"  - {url}: {error}" for url, error in attempts)
    lines.append(
        "To fix this, put the original MNIST files ("
        + ", ".join(files)
        + f") in {folder!r}, or point the {DATA_HOME_ENV} environment variable "
        "or the data_home argument at a folder that holds them. Their MD5 "
        "checksums are in skdigits.datasets.MNIST_FILES."
    )
    if download_if_missing and mirrors:
        lines.append("Or simply retry once one of the mirrors above is reachable.")
    return "\n".join(lines)


def load_mnist(
    data_home=None, download_if_missing=True, *, download_deadline=DOWNLOAD_DEADLINE
):
    """Load the MNIST handwritten digits, downloading them if needed.

    Reads the four original IDX files from `data_home`, after checking each one
    against its published MD5 checksum. Each file is read once: the bytes that
    pass the checksum are the bytes parsed, so a file replaced meanwhile cannot
    slip through. Missing files, and local files that fail the checksum, are
    downloaded from the mirrors in ``MNIST_MIRRORS`` (tried in turn) when
    `download_if_missing` is True. Downloads are verified and moved into place
    atomically, so an interrupted or corrupt download never leaves a file behind
    (and temporary files left by a killed process are removed by a later call).

    ===============   ==================================
    Classes           10
    Samples (train)   60000
    Samples (test)    10000
    Image size        28x28
    Pixel values      uint8, 0 (background) to 255 (ink)
    ===============   ==================================

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding (or to receive) the MNIST files. If None, use the
        ``SKDIGITS_DATA`` environment variable if set, else ``~/skdigits_data``;
        see :func:`get_data_home`.
    download_if_missing : bool, default=True
        If False, raise :class:`DataNotFoundError` instead of downloading files
        that are missing or corrupt locally.
    download_deadline : float, default=600
        Seconds a file's download from one mirror may take in all; past it the
        mirror is abandoned for the next one. Besides, a mirror silent for
        ``DOWNLOAD_TIMEOUT`` (30) seconds is abandoned at once.

    Returns
    -------
    (X_train, y_train) : tuple of ndarray
        Training images, uint8 of shape (60000, 28, 28), and their labels, uint8
        of shape (60000,) with values 0 to 9.
    (X_test, y_test) : tuple of ndarray
        Test images, uint8 of shape (10000, 28, 28), and their labels, uint8 of
        shape (10000,).

    Raises
    ------
    DataNotFoundError
        If some files are missing or corrupt and `download_if_missing` is False,
        or every mirror failed to deliver a verified copy. The message lists the
        files, the folder, the URLs tried and their errors. It is an OSError.
    ValueError
        If a file passes its checksum but is not a well-formed IDX file of the
        expected shape (only possible if ``MNIST_FILES`` was altered).
    OSError
        If `data_home` cannot be created or written to while downloading.

    Warns
    -----
    UserWarning
        When a local file fails its checksum and is downloaded again.

    See Also
    --------
    get_data_home : The default data folder.
    keras.datasets.mnist.load_data : The Keras loader this one mirrors.

    Notes
    -----
    Each call parses the files afresh (well under a second) and returns new,
    writable arrays, so callers may modify them freely.

    Examples
    --------
    >>> from skdigits.datasets import load_mnist
    >>> (X_train, y_train), (X_test, y_test) = load_mnist()  # doctest: +SKIP
    >>> X_train.shape, X_train.dtype, y_train[:5]  # doctest: +SKIP
    ((60000, 28, 28), dtype('uint8'), array([5, 0, 4, 1, 9], dtype=uint8))
    """
    folder = _resolve_data_home(data_home)
    # Read the module globals at call time so tests (or users) can patch them.
    files, mirrors = dict(MNIST_FILES), tuple(MNIST_MIRRORS)
    if not (isinstance(download_deadline, (int, float)) and download_deadline > 0):
        raise ValueError(
            f"download_deadline must be a positive number of seconds, got {download_deadline!r}."
        )

    # Partial downloads of killed runs (their process ended an hour ago or more).
    remove_stale(folder)
    missing, corrupt, contents = [], {}, {}
    for name, expected in files.items():
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            missing.append(name)
            continue
        data = read_bytes(path)
        actual = _md5(data)
        if actual != expected:
            corrupt[name] = actual
        else:
            contents[name] = data

    attempts, failed = [], None
    if download_if_missing:
        for name, actual in corrupt.items():
            warnings.warn(
                f"{os.path.join(folder, name)} is corrupt (MD5 {actual}, expected "
                f"{files[name]}); downloading it again.",
                UserWarning,
                stacklevel=2,
            )
        if missing or corrupt:
            os.makedirs(folder, exist_ok=True)
        for name in [*missing, *corrupt]:
            data = download(
                name, folder, files[name], mirrors, attempts, timeout=DOWNLOAD_TIMEOUT,
                deadline=download_deadline, max_bytes=MAX_FILE_BYTES,
            )
            if data is None:
                # The rest is not attempted: a mirror that failed for one file
                # would most likely fail (or time out again) for the others.
                failed = name
                break
            contents[name] = data
            if name in corrupt:
                del corrupt[name]
            else:
                missing.remove(name)

    if missing or corrupt:
        raise DataNotFoundError(
            _not_found_message(
                folder, files, missing, corrupt, download_if_missing, mirrors,
                failed, attempts,
            ),
            data_home=folder,
            missing=[*missing, *corrupt],
            attempts=attempts,
        )

    arrays = {}
    for name in files:
        path = os.path.join(folder, name)
        array = read_idx(path, contents[name])
        expected_shape = _EXPECTED_SHAPES[name]
        if array.shape != expected_shape or array.dtype != np.uint8:
            raise ValueError(
                f"{path}: expected uint8 data of shape {expected_shape}, found "
                f"{array.dtype} data of shape {array.shape}"
            )
        arrays[name] = array

    return (
        (arrays["train-images-idx3-ubyte.gz"], arrays["train-labels-idx1-ubyte.gz"]),
        (arrays["t10k-images-idx3-ubyte.gz"], arrays["t10k-labels-idx1-ubyte.gz"]),
    )
