"""Per-image work spread over joblib workers in contiguous shares.

Used by :class:`~skdigits.DigitImagePreprocessor` (``n_jobs``) and by the command
line's ``predict``/``evaluate`` (``--n-jobs``). Images are independent, so the list is
cut into one contiguous share per job; each share knows where it starts, so that
error messages still name the input by its index in the whole list, and the outputs
come back in input order.
"""

from __future__ import annotations

import numpy as np
from joblib import effective_n_jobs
from sklearn.utils.parallel import Parallel, delayed

# Each job gets at least this many images: below that, sending the work to another
# process costs more than it saves (with joblib's warm, reused worker processes).
MIN_ITEMS_PER_JOB = 8


def in_shares(func, *sequences, n_jobs=None):
    """``[func(*sequences, start=0)]``, or ``func`` over contiguous shares, one per job.

    ``func(*parts, start=k)`` processes items ``k, k + 1, ...`` of the sequences. A
    None sequence is passed on as None. Returns the list of ``func``'s results, in
    input order (one element when the work was not split).
    """
    n = len(sequences[0])
    n_parts = min(effective_n_jobs(n_jobs), n // MIN_ITEMS_PER_JOB)
    if n_parts <= 1:
        return [func(*sequences, start=0)]
    bounds = np.linspace(0, n, n_parts + 1).astype(int)
    return Parallel(n_jobs=n_parts)(
        delayed(func)(*(None if seq is None else seq[a:b] for seq in sequences), start=a)
        for a, b in zip(bounds[:-1], bounds[1:])
    )
