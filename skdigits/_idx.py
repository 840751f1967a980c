"""The IDX file format of the MNIST files: reading, with every deviation a ValueError.

The format (as defined on the MNIST page): two zero bytes, a type code, the
number of dimensions, then one big-endian uint32 per dimension, then the data
in C order, big-endian; the MNIST files are gzipped. Files are read whole
into memory, at most ``MAX_FILE_BYTES`` of them, and parsed from those bytes.
"""

import gzip
import io
import os
import zlib

import numpy as np

# No MNIST file is larger than this (the largest is 9.9 MB): a file is read whole
# into memory, checked, then parsed from those very bytes.
MAX_FILE_BYTES = 64 << 20

# IDX type codes (third byte of the magic number) and the big-endian dtypes they
# stand for, as defined on the MNIST page.
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_bytes(path):
    """The whole file, or at most ``MAX_FILE_BYTES + 1`` bytes of it."""
    with open(path, "rb") as f:
        return f.read(MAX_FILE_BYTES + 1)


def _read_exactly(f, buffer, path, what):
    """Fill `buffer` from `f`; a ValueError naming `path` if the file ends early."""
    view = memoryview(buffer).cast("B")
    filled = 0
    # Decompressing readers may return short reads, so loop until full or EOF.
    while filled < len(view):
        n = f.readinto(view[filled:])
        if not n:
            raise ValueError(
                f"{path}: truncated IDX file, {what} ends after {filled} of "
                f"{len(view)} bytes"
            )
        filled += n


def read_idx(path, data=None):
    """Parse a (gzipped, if the name ends in .gz) IDX file into a numpy array.

    The IDX format: two zero bytes, a type code, the number of dimensions, then
    one big-endian uint32 per dimension, then the data in C order, big-endian.
    Every deviation raises a ValueError naming the file. If ``data`` (the file's
    bytes, already checked) is given, it is parsed instead of reading ``path``
    again, so what was checked is what is parsed. ``path`` names the file in
    errors and tells by its suffix whether it is gzipped.
    """
    path = os.fspath(path)
    if data is None:
        data = read_bytes(path)
    raw = io.BytesIO(data)
    try:
        with (gzip.GzipFile(fileobj=raw, mode="rb") if path.endswith(".gz") else raw) as f:
            magic = bytearray(4)
            _read_exactly(f, magic, path, "the magic number")
            if magic[0] != 0 or magic[1] != 0 or magic[2] not in _IDX_DTYPES:
                raise ValueError(
                    f"{path}: not an IDX file, bad magic number 0x{magic.hex()} "
                    "(expected 0x0000 followed by a type code and a dimension count)"
                )
            dtype, ndim = _IDX_DTYPES[magic[2]], magic[3]
            if ndim == 0:
                raise ValueError(f"{path}: IDX header declares 0 dimensions")
            dims = np.empty(ndim, dtype=">u4")
            _read_exactly(f, dims, path, "the dimension header")
            shape = tuple(int(d) for d in dims)
            if dtype.itemsize * np.prod(shape, dtype=np.float64) > 4 * MAX_FILE_BYTES:
                raise ValueError(f"{path}: IDX header declares an oversized shape {shape}")
            array = np.empty(shape, dtype=dtype)
            # Reading straight into the final array avoids holding the 47 MB of
            # decompressed training images twice.
            _read_exactly(f, array, path, f"the data of shape {shape}")
            if f.read(1):
                raise ValueError(
                    f"{path}: trailing bytes after the data of shape {shape}"
                )
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        # A damaged archive is a format error like a bad header; other OSErrors
        # (missing file, no permission) are deliberately not caught here.
        raise ValueError(f"{path}: cannot decompress IDX file: {exc}") from exc
    # Hand callers native byte order so arithmetic is not silently slowed.
    return array.astype(dtype.newbyteorder("="), copy=False)
