"""Private helpers: what ``X`` is, and the names of its items in error messages.

Everything here is an implementation detail of
:class:`skdigits.preprocessing.DigitImagePreprocessor`. The public behaviour is
documented there; this module only sorts inputs:

* :func:`split_input` decides whether ``X`` is one numeric *batch* (an ndarray
  of several images) or a *sequence* of single images (paths, PIL images,
  arrays) and checks its dimensionality;
* :func:`load_item` decodes one single image of the sequence
  (:func:`skdigits._decoding.decode`), named after its place in ``X``.

Errors always name the offending input: ``input 3 ('seven.png')``.
"""

from __future__ import annotations

import os

import numpy as np
from PIL import Image
from scipy import sparse

from skdigits._decoding import check_numeric_array, check_pixels, decode

__all__ = [
    "BATCH_ITEM",
    "describe",
    "load_item",
    "split_input",
]

# Stands for "one image of a numeric batch" where an item is expected.
BATCH_ITEM = object()


# --------------------------------------------------------------------------- #
# Describing inputs in error messages
# --------------------------------------------------------------------------- #
def describe(index, item):
    """Return ``"input 3 ('path/seven.png')"``-like text naming one input.

    ``item=BATCH_ITEM`` names an image of a numeric batch: ``"input 3"``.
    """
    if item is BATCH_ITEM:
        return f"input {index}"
    if isinstance(item, (str, os.PathLike)):
        return f"input {index} ({os.fspath(item)!r})"
    if isinstance(item, Image.Image):
        name = getattr(item, "filename", "") or ""
        extra = f" from {name!r}" if name else ""
        return f"input {index} (PIL image mode={item.mode} size={item.size}{extra})"
    if isinstance(item, np.ndarray):
        return f"input {index} (array shape={item.shape} dtype={item.dtype})"
    return f"input {index} ({type(item).__name__})"


# --------------------------------------------------------------------------- #
# Splitting X into a numeric batch or a sequence of single images
# --------------------------------------------------------------------------- #
def split_input(X, output_size, max_pixels=None):
    """Classify ``X`` as a numeric batch or a sequence of single images.

    A numeric batch whose images are larger than ``max_pixels`` (height x
    width) is refused here, from its shape alone: before any copy, float
    conversion or finiteness check.

    Returns
    -------
    kind : {"batch", "sequence"}
    payload : ndarray of shape (n, H, W) or (n, H, W, C) for a batch, or a
        list of single items for a sequence.
    """
    if isinstance(X, (str, os.PathLike, Image.Image)):
        raise TypeError(
            "X must be a list (or array) of images, got a single "
            f"{type(X).__name__}; wrap it in a list: [X]."
        )
    if sparse.issparse(X):
        raise TypeError(
            "Sparse data is not supported: pass images as a dense array or a list."
        )
    if hasattr(X, "iloc") and hasattr(X, "to_numpy"):  # pandas Series/DataFrame
        X = X.to_numpy()
    if isinstance(X, np.ndarray):
        if X.dtype == object or X.dtype.kind in "US":
            if X.ndim != 1:
                raise ValueError(
                    f"X has dtype {X.dtype} and shape {X.shape}: expected a numeric "
                    "array of images, or a 1-D array of file paths / image objects."
                )
            items = list(X)
        else:
            return _classify_numeric(X, output_size, max_pixels)
    elif isinstance(X, (list, tuple)):
        items = list(X)
        if items and not any(
            isinstance(it, (str, os.PathLike, Image.Image, np.ndarray, bytes, bytearray)) for it in items
        ):
            # Nested lists of numbers, e.g. [[0, 0, ...], ...]: read as an array.
            try:
                arr = np.asarray(X)
            except (ValueError, TypeError) as exc:
                raise TypeError(
                    "X must contain file paths, PIL images or numeric arrays; "
                    f"could not read the nested sequence as an array ({exc})."
                ) from None
            if arr.dtype == object:
                bad = next(i for i, it in enumerate(items) if not isinstance(it, list))
                raise TypeError(
                    f"{describe(bad, items[bad])}: unsupported type "
                    f"{type(items[bad]).__name__}; expected a file path, a PIL "
                    "image or a numeric array."
                )
            return _classify_numeric(arr, output_size, max_pixels)
    elif hasattr(X, "__array__"):  # array-likes (memmaps are ndarrays already)
        return split_input(np.asarray(X), output_size, max_pixels)
    else:
        raise TypeError(
            "X must be a list of images (file paths, PIL images, numeric arrays) "
            f"or a numeric array of images, got {type(X).__name__}."
        )
    if len(items) == 0:
        raise ValueError("X is empty: expected at least one image.")
    return "sequence", items


def _classify_numeric(X, output_size, max_pixels=None):
    """Rules for one numeric ndarray given as the whole of ``X``.

    * ``(n, output_size**2)``: a batch of flattened square images (MNIST's
      ``(n, 784)``); any other 2-D shape is ambiguous and rejected.
    * ``(H, W, C)`` with ``C`` in 1, 3, 4: one image with channels (a batch of
      images 1, 3 or 4 pixels wide would make no sense).
    * any other 3-D shape ``(n, H, W)``: a batch of gray images.
    * ``(n, H, W, C)`` with ``C`` in 1, 3, 4: a batch of images with channels.
    """
    what = f"X (array of shape {X.shape})"
    if X.ndim in (0, 1) or X.ndim > 4:
        raise ValueError(
            f"{what}: expected a batch of images (n, H, W), (n, H, W, C) or "
            f"(n, {output_size * output_size}), or a single image (H, W, C); got "
            f"a {X.ndim}-D array. Put single 2-D images in a list: [image]."
        )
    if X.ndim == 3 and X.shape[-1] in (1, 3, 4):
        check_pixels(X.shape[0], X.shape[1], what, max_pixels)
    elif X.ndim >= 3:
        check_pixels(X.shape[1], X.shape[2], what, max_pixels)
    check_numeric_array(X, what)
    if X.ndim == 2:
        if X.shape[1] != output_size * output_size:
            raise ValueError(
                f"{what}: a 2-D array is read as a batch of flattened "
                f"{output_size}x{output_size} images, shape (n_samples, "
                f"{output_size * output_size}). To pass a single 2-D image, put it "
                "in a list ([image]) or add a batch axis (image[None])."
            )
        return "batch", X.reshape(len(X), output_size, output_size)
    if X.ndim == 3:
        if X.shape[-1] in (1, 3, 4):
            return "batch", X[None]
        return "batch", X
    if X.shape[-1] not in (1, 3, 4):
        raise ValueError(
            f"{what}: a 4-D array must be a batch of images with 1, 3 or 4 "
            "channels last, (n, H, W, C)."
        )
    return "batch", X


def load_item(item, index, *, work_size, max_pixels):
    """Decode one single image (path, PIL image or array) into a
    :class:`~skdigits._decoding.Decoded`; errors name it as input ``index``."""
    return decode(item, describe(index, item), work_size=work_size, max_pixels=max_pixels)
