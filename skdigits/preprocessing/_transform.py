"""Running the pipeline over ``X``: single images, numeric batches, workers.

Plain functions over a :class:`~._pipeline.Settings`; the estimator calls
:func:`transform_all` and reshapes the result. A numeric batch of the output
size takes the light path's rule vectorised, in chunks; every other image --
and each image that rule does not take -- goes through the single-image
pipeline, one by one, exactly as it would on its own. ``on_blank`` decides
what a blank image gives: a :class:`~skdigits.exceptions.BlankImageError`
naming it, or a frame of NaN.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from skdigits import _decoding, _images, _parallel, _pixels
from skdigits.exceptions import BlankImageError
from skdigits.preprocessing._strokes import Blank
from skdigits.preprocessing._light_path import light_path
from skdigits.preprocessing._pipeline import WORK_SIZE, light_path_applies, preprocess_image

# Images per call of the vectorised light path on a batch.
_CHUNK = 2048


def transform_all(X, settings, *, on_blank, max_pixels, n_jobs):
    """Every image of ``X`` -> an ``(n, output_size, output_size)`` float32 array."""
    kind, payload = _images.split_input(X, settings.output_size, max_pixels)
    if kind == "batch":
        return _batch(payload, settings, on_blank, n_jobs)
    return _in_parallel(partial(_items, settings=settings, on_blank=on_blank,
                                max_pixels=max_pixels), n_jobs, payload)


def _in_parallel(func, n_jobs, *sequences):
    """``func`` over the sequences, in contiguous shares over ``n_jobs`` workers."""
    return np.concatenate(_parallel.in_shares(func, *sequences, n_jobs=n_jobs))


def _one(dec, settings, on_blank, index, item, declined=False):
    """The pipeline on one decoded image; ``on_blank`` decides what "blank" gives
    (``declined``: see :func:`~._pipeline.preprocess_image`)."""
    try:
        return preprocess_image(dec, settings, declined=declined)
    except Blank as exc:
        if on_blank == "nan":
            return np.full((settings.output_size,) * 2, np.nan, dtype=np.float32)
        raise BlankImageError(
            f"{_images.describe(index, item)} is blank: {exc}. No digit to "
            "recognise; pass on_blank='nan' to get a row of NaN instead.",
            index=index,
        ) from None


def _items(items, start, *, settings, on_blank, max_pixels):
    """Decode and normalise single images; ``items[i]`` is input ``start + i``."""
    s = settings.output_size
    out = np.empty((len(items), s, s), dtype=np.float32)
    for i, item in enumerate(items):
        dec = _images.load_item(item, start + i, work_size=WORK_SIZE, max_pixels=max_pixels)
        out[i] = _one(dec, settings, on_blank, start + i, item)
    return out


def _arrays(gray, alpha, index, start=0, *, settings, on_blank, declined=False):
    """The single-image pipeline on images of a batch; ``gray[i]`` is input ``index[i]``.

    ``alpha`` may be None. ``declined``: the images are those of an output-size
    batch without alpha that the light path's rule, vectorised, did not take; they
    are not offered to it again. Other images are offered to it one by one, as
    they would be on their own.
    """
    n, h, w = gray.shape
    s = settings.output_size
    out = np.empty((n, s, s), dtype=np.float32)
    for i in range(n):
        image, is_ink = _pixels.resolve_alpha(gray[i], None if alpha is None else alpha[i])
        dec = _decoding.decoded_array(image, is_ink, WORK_SIZE, (h, w))
        out[i] = _one(dec, settings, on_blank, int(index[i]), _images.BATCH_ITEM,
                      declined=declined)
    return out


def _batch(batch, settings, on_blank, n_jobs):
    """One numeric batch -> its digits (the light path's rule vectorised when it applies)."""
    gray, alpha = _pixels.batch_to_float(batch)
    _, h, w = gray.shape
    s = settings.output_size
    arrays = partial(_arrays, settings=settings, on_blank=on_blank)
    if not (light_path_applies(settings) and (h, w) == (s, s) and alpha is None):
        return _in_parallel(arrays, n_jobs, gray, alpha, np.arange(len(gray)))
    # The light path's rule, vectorised; what it does not take goes through the
    # full pipeline, as each image would on its own. In chunks: its temporary
    # arrays then stay in the processor's cache (a third faster than the whole
    # batch at once on MNIST's 60,000 digits). It normalises the images it takes
    # in place, in ``gray``.
    taken = np.zeros(len(gray), dtype=bool)
    for start in range(0, len(gray), _CHUNK):
        part = slice(start, start + _CHUNK)
        _, taken[part] = light_path(gray[part], settings.invert, settings.center,
                                    settings.min_contrast, settings.digit_box)
    rest = np.flatnonzero(~taken)
    if rest.size:
        gray[rest] = _in_parallel(partial(arrays, declined=True), n_jobs, gray[rest], None,
                                  rest)
    return np.ascontiguousarray(gray, dtype=np.float32)
