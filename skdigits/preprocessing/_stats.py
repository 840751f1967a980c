"""Robust statistics of pixel values: Otsu's threshold, medians and percentiles.

The pipeline takes many medians of small arrays; ``np.median``'s own overhead
(and its NaN check) was most of their cost, so these take them by partition.
"""

from __future__ import annotations

import numpy as np


def otsu(values, bins=256):
    """Otsu's threshold of a 1-D float array (between its min and max)."""
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < 1e-12:
        return lo
    idx = ((values - np.float32(lo)) * np.float32(bins / (hi - lo))).astype(np.intp)
    np.clip(idx, 0, bins - 1, out=idx)
    hist = np.bincount(idx, minlength=bins).astype(np.float64)
    edges = lo + (hi - lo) * np.arange(bins + 1) / bins
    centres = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(hist)
    w1 = w0[-1] - w0
    m0 = np.cumsum(hist * centres)
    mu0 = m0 / np.maximum(w0, 1e-12)
    mu1 = (m0[-1] - m0) / np.maximum(w1, 1e-12)
    between = w0 * w1 * (mu0 - mu1) ** 2
    return float(edges[int(np.argmax(between[:-1])) + 1])


def median(x, axis=None):
    """Median of a non-empty array, as ``np.median`` computes it.

    Of all values (``axis=None``) or along the last axis (``axis=-1``, the only
    other value used).
    """
    if axis is None:
        x = x.ravel()
    k = x.shape[-1] // 2
    if x.shape[-1] % 2:
        return np.partition(x, k, axis=-1)[..., k]
    part = np.partition(x, (k - 1, k), axis=-1)
    return (part[..., k - 1] + part[..., k]) / 2


def masked_median(x, mask):
    """Median of each row of ``x`` (n, m) over its values where ``mask`` is True (one
    at least in each row), as :func:`median` takes it of those values alone.

    The values left out are replaced by -inf and +inf in numbers that put the kept
    values' median at the row's middle, (m - 1) // 2, where one partition finds it
    for every row at once.
    """
    n, m = x.shape
    kept = np.count_nonzero(mask, axis=1)
    middle = (m - 1) // 2
    below = middle - (kept - 1) // 2  # (so many -inf: the kept median's first place)
    rank = np.cumsum(~mask, axis=1)  # (1-based, among the values left out)
    padded = np.where(mask, x, np.where(rank <= below[:, None], -np.inf, np.inf)).astype(x.dtype)
    part = np.partition(padded, (middle, min(middle + 1, m - 1)), axis=1)
    second = middle + (kept % 2 == 0)  # (an even count: the mean of two)
    return (part[:, middle] + part[np.arange(n), second]) / 2


def percentile(x, q):
    """``np.percentile(x, q)`` (linear interpolation) of a non-empty array, by partition."""
    x = x.ravel()
    pos = q / 100 * (x.size - 1)
    lo = int(pos)
    hi = min(lo + 1, x.size - 1)
    part = np.partition(x, (lo, hi))
    a, b, t = float(part[lo]), float(part[hi]), pos - lo
    # numpy's two-sided linear interpolation, exact at both ends
    return a + (b - a) * t if t < 0.5 else b - (b - a) * (1 - t)


def regular_sample(x, n=40000):
    """Every k-th value of ``x`` (flattened), k leaving about ``n`` of them: the robust
    statistics of a large image need no more."""
    x = x.ravel()
    return x[:: max(1, x.size // n)]


def noise_level(values, centre):
    """Robust standard deviation of ``values`` around ``centre`` (scaled MAD)."""
    return 1.4826 * float(median(np.abs(values - centre)))
