"""Masks packed into bits: each row of an (n, h, w) boolean mask as 32-bit words.

The light path (:mod:`._light_path`) counts pairs, blocks and runs of solid
pixels and the solid ink's extent on whole batches. On the masks themselves
every such count is a pass over all the pixels -- side by side ones through
strided slices, several times slower than the rest; on their rows packed into
words it is one operation per 32 pixels (MNIST's 60,000 training digits: 0.03
instead of 0.12 s, the packing included). The counts are the same integers
either way.
"""

from __future__ import annotations

import numpy as np

_WORD = 32
# Set bits per byte value: popcount where NumPy has no ``bitwise_count`` (< 2.0).
_BYTE_BITS = np.array([bin(b).count("1") for b in range(256)], dtype=np.uint8)


def pack_rows(mask):
    """The rows of an (n, h, w) boolean ``mask`` as an (n, h, ceil(w / 32)) array of
    words: column ``c`` is bit ``c % 32`` of word ``c // 32``; bits beyond ``w`` are 0."""
    n, h, w = mask.shape
    words = -(-w // _WORD)
    # Rows padded to whole words, so that one packing of the flat array (its fast
    # path, several times faster than packing along the rows' own axis) gives them.
    padded = np.zeros((n, h, words * _WORD), dtype=bool)
    padded[:, :, :w] = mask
    packed = np.packbits(padded.reshape(n, -1), axis=-1, bitorder="little")
    return packed.view("<u4").reshape(n, h, words)


def shifted(rows, k):
    """Packed ``rows`` moved ``k`` (1 to 31) columns left: bit ``c`` holds column ``c + k``."""
    out = rows >> k
    out[..., :-1] |= rows[..., 1:] << (_WORD - k)
    return out


def bit_count(words):
    """Number of set bits of each image's words (an (n, ...) array), as int64."""
    if hasattr(np, "bitwise_count"):
        per = np.bitwise_count(words)
    else:
        per = _BYTE_BITS[np.ascontiguousarray(words).view(np.uint8)]
    return per.reshape(len(words), -1).sum(axis=1, dtype=np.int64)


# How runs of ``k`` set pixels in a line pair up into runs of ``2k``, per direction:
# down a column (one above the other), along a row (side by side: bit c for columns
# c to c + 2k - 1), down to the right and down to the left (bit c for (row, c + 1),
# (row + 1, c) when k is 1).
_PAIRINGS = (
    lambda run, k: run[:, :-k] & run[:, k:],
    lambda run, k: run & shifted(run, k),
    lambda run, k: run[:, :-k] & shifted(run[:, k:], k),
    lambda run, k: shifted(run[:, :-k], k) & run[:, k:],
)


def has_run(rows, length):
    """Which images of packed ``rows`` (see :func:`pack_rows`) hold ``length`` (a power
    of two, at most 32) set pixels in a line: down a column, along a row, or along
    either diagonal. Runs are doubled up from single pixels, one shift per doubling
    (see _PAIRINGS); each direction looks only at the images none before it found one
    in."""
    found = np.zeros(len(rows), dtype=bool)
    for pair in _PAIRINGS:
        todo = np.flatnonzero(~found)
        if not todo.size:
            break
        run, k = rows[todo], 1
        while k < length:
            run, k = pair(run, k), 2 * k
        found[todo] = run.reshape(len(todo), -1).any(axis=1)
    return found
