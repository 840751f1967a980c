"""Private helpers: decode one single image into a float gray array.

Everything here is an implementation detail of
:class:`skdigits.preprocessing.DigitImagePreprocessor` (what ``X`` is, and the
names of its items in error messages: :mod:`skdigits._images`):

* :func:`decode` reads a path, a PIL image or an array into a :class:`Decoded`:
  a ``float32`` gray array in ``[0, 1]``, reduced so that its long side is at
  most ``work_size`` pixels (see :func:`reduction_factor`), with its alpha
  channel resolved -- and, when it was reduced, a way to decode a part of it
  again at full resolution (``Decoded.region``);
* :func:`check_pixels` and :func:`check_numeric_array` -- the size and dtype
  checks that batches share;
* pixel values become ``float32`` in ``[0, 1]`` by the one rule of
  :mod:`skdigits._pixels`, which the classifier's input checks share.
"""

from __future__ import annotations

import math
import os
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from skdigits._pixels import gray_weights, resolve_alpha, rgb_to_gray, to_unit_float

__all__ = [
    "Decoded",
    "check_numeric_array",
    "check_pixels",
    "decode",
    "decoded_array",
    "reduction_factor",
]


@dataclass
class Decoded:
    """One decoded single image.

    Attributes
    ----------
    image : ndarray of shape (height, width), float32 in [0, 1]
        Gray levels, or -- when ``is_ink`` -- the ink map (1 = ink).
    is_ink : bool
        True when the polarity is known: the image came with an alpha channel
        whose transparent background marks everything that is not the digit,
        so ``image`` already is light ink (alpha) on a dark background.
    original_shape : tuple of int
        ``(height, width)`` before any reduction, for error messages and the
        "is it only a speck" test.
    region : callable or None
        For an image reduced while decoding: ``region(top, bottom, left,
        right, size=work_size)`` decodes the part of the image between those
        fractions of its height and width again, at the finest resolution
        there is (reduced only as far as a long side of ``size`` needs), as
        another :class:`Decoded`. None for an image decoded at full resolution.
    """

    image: np.ndarray
    is_ink: bool
    original_shape: tuple
    region: object = None


def _pixel_span(lo, hi, n):
    """Pixels ``[a, b)`` of ``n`` covering the fractions ``lo`` to ``hi`` of them."""
    a = min(n - 1, max(0, math.floor(lo * n)))
    return a, max(a + 1, min(n, math.ceil(hi * n)))


def decoded_array(image, is_ink, work_size, shape=None):
    """A :class:`Decoded` of a 2-D float array, reduced by :func:`reduce_array`.

    When the array is reduced, its ``region`` reads a part of it again at full
    resolution (reduced only as far as that part needs).
    """
    reduced = reduce_array(image, work_size)

    def region(top, bottom, left, right, size=work_size):
        (r0, r1), (c0, c1) = (_pixel_span(top, bottom, image.shape[0]),
                              _pixel_span(left, right, image.shape[1]))
        return decoded_array(image[r0:r1, c0:c1], is_ink, size)

    return Decoded(reduced, is_ink, tuple(shape or image.shape),
                   None if reduced is image else region)


# --------------------------------------------------------------------------- #
# Checks shared with batches
# --------------------------------------------------------------------------- #
def is_numeric_dtype(dtype):
    return dtype.kind in "biuf"


def check_numeric_array(arr, what):
    """Dtype and finiteness checks shared by batches and single arrays."""
    if arr.dtype.kind == "c":
        raise ValueError(f"{what}: Complex data not supported.")
    if not is_numeric_dtype(arr.dtype):
        raise ValueError(
            f"{what}: expected a numeric array (bool, integer or float), got "
            f"dtype {arr.dtype}."
        )
    if arr.size == 0:
        if arr.shape[0] == 0:
            detail = f"0 sample(s) (shape={arr.shape}) while a minimum of 1 is required"
        else:
            detail = f"0 feature(s) (shape={arr.shape}) while a minimum of 1 is required"
        raise ValueError(f"{what}: the array is empty. Found array with {detail}.")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise ValueError(f"{what}: the array contains NaN or infinity.")


def check_pixels(height, width, what, max_pixels):
    """Refuse an image of more than ``max_pixels`` pixels (None: no limit)."""
    if max_pixels is not None and width * height > max_pixels:
        raise ValueError(
            f"{what}: the image is {width}x{height} = {width * height} pixels, more "
            f"than max_pixels={max_pixels}; refusing to read it (a decompression "
            "bomb, or a mistake?). Raise max_pixels if the image is trusted."
        )


# --------------------------------------------------------------------------- #
# Size reduction
# --------------------------------------------------------------------------- #
# Block-averaging a pen line n pixels wide over f x f pixels leaves n / f of its
# contrast, and ink fainter than min_contrast (0.1 by default) is no ink. So
# images are reduced by at most this factor -- a 1 px line keeps a fifth -- unless
# that would leave them longer than _MAX_FACTOR * work_size pixels.
_MAX_FACTOR = 5


def reduction_factor(long_side, work_size):
    """Side of the pixel blocks to average for an image ``long_side`` px long.

    Enough to bring the long side down to ``work_size``, within the limit set
    by ``_MAX_FACTOR``.
    """
    cap = max(_MAX_FACTOR, math.ceil(long_side / (_MAX_FACTOR * work_size)))
    return min(math.ceil(long_side / work_size), cap)


def reduce_array(img, work_size):
    """Block-average a 2-D float array by :func:`reduction_factor`."""
    h, w = img.shape
    f = reduction_factor(max(h, w), work_size)
    if f <= 1:
        return img
    ph, pw = (-h) % f, (-w) % f
    if ph or pw:
        img = np.pad(img, ((0, ph), (0, pw)), mode="edge")
    H, W = img.shape
    return img.reshape(H // f, f, W // f, f).mean(axis=(1, 3), dtype=np.float32)


# --------------------------------------------------------------------------- #
# Single items
# --------------------------------------------------------------------------- #
def _array_item(arr, what, work_size, max_pixels=None):
    if arr.ndim == 3 and arr.shape[-1] not in (1, 3, 4):
        raise ValueError(
            f"{what}: a 3-D array must be one image with 1, 3 or 4 channels "
            "last (H, W, C). Pass a batch of gray images as the whole of X, "
            "not inside a list."
        )
    if arr.ndim not in (2, 3):
        raise ValueError(
            f"{what}: an image array must be 2-D (H, W) or 3-D (H, W, C), got "
            f"{arr.ndim}-D."
        )
    check_pixels(arr.shape[0], arr.shape[1], what, max_pixels)
    check_numeric_array(arr, what)
    x = to_unit_float(arr, what)
    shape = x.shape[:2]
    alpha = None
    if x.ndim == 3:
        c = x.shape[-1]
        if c == 4:
            alpha = x[..., 3]
        x = x[..., 0] if c == 1 else rgb_to_gray(x)
    image, is_ink = resolve_alpha(x, alpha)
    return decoded_array(image, is_ink, work_size, shape)


def _pil_item(im, what, work_size, max_pixels, own=False, path=None):
    w, h = im.size
    if w == 0 or h == 0:
        raise ValueError(f"{what}: the image is empty (size {im.size}).")
    check_pixels(h, w, what, max_pixels)
    shape = (h, w)
    f = reduction_factor(max(w, h), work_size)
    # Let JPEG decoders scale by 1/2..1/8 (to at least 1/f) while decoding
    # very large photos (only on images we opened ourselves: draft() changes
    # the object).
    if own and f > 2 and im.format == "JPEG":
        im.draft(im.mode, (max(1, w // f), max(1, h // f)))
    try:
        im.load()
    except Exception as exc:  # truncated / corrupt data, any decoder error
        raise ValueError(f"{what}: the image data is corrupt or truncated ({exc}).") from exc

    opened = im
    mode = im.mode
    try:
        im, scale = _upright_and_plain(im)
        # Whatever the JPEG decoder's scaling left of the reduction, to the nearest
        # whole factor (rounded up, a draft to 137 px of a 549 px photo meant to be
        # read at 110 px was read at 69).
        f = max(1, round(max(im.size) * f / max(w, h)))
        drafted = max(im.size) < max(w, h)
        full, anew = None, False
        # (32-bit images' range is read off the whole image: no parts of them)
        if (f > 1 or drafted) and (im.mode not in ("I", "F") or scale is not None):
            # (a file we opened is closed once decoded: its parts are decoded anew
            # from it, when asked for -- rarely --, rather than its pixels copied)
            full = im
            anew = own and im is opened
        if f > 1:
            im = im.reduce(f)
    except (ValueError, OSError) as exc:
        raise ValueError(f"{what}: cannot read PIL mode {mode!r} ({exc}).") from exc
    dec, weights = _pil_pixels(im, scale, what, shape)
    if full is not None and (anew or drafted) and path is not None:
        # Closed, or decoded at a reduced scale (JPEG draft): parts are decoded anew.
        dec.region = _path_region(path, what, work_size, weights)
    elif full is not None:
        dec.region = _pil_region(full, scale, what, work_size, weights)
    return dec


def _upright_and_plain(im):
    """``(im, scale)``: a loaded PIL image turned upright (EXIF orientation) and in a
    mode :func:`_pil_pixels` reads; ``scale`` is 65535 for 16-bit images, else None."""
    orientation = im.getexif().get(0x0112, 1) if hasattr(im, "getexif") else 1
    if orientation not in (None, 1):
        im = ImageOps.exif_transpose(im)
    mode = im.mode
    scale = None
    if mode == "P" or mode == "PA":
        has_alpha = mode == "PA" or "transparency" in im.info
        im = im.convert("RGBA" if has_alpha else "RGB")
    elif mode == "1":
        im = im.convert("L")
    elif mode.startswith("I;16"):
        im = im.convert("I")
        scale = 65535.0
    elif mode in ("CMYK", "YCbCr", "LAB", "HSV"):
        im = im.convert("RGB")
    elif mode in ("RGBa", "La"):
        im = im.convert("RGBA" if mode == "RGBa" else "LA")
    elif mode not in ("L", "LA", "RGB", "RGBA", "I", "F"):
        im = im.convert("RGBA")
    return im, scale


def _path_region(path, what, work_size, weights):
    """``region`` of a :class:`Decoded` decoded at a reduced scale from the file ``path``
    (``weights``: the overview's colour to gray, see :func:`_pil_pixels`)."""

    def region(top, bottom, left, right, size=work_size):
        try:
            with Image.open(path) as im:
                im.load()
                full, scale = _upright_and_plain(im)
                return _pil_region(full, scale, what, size, weights)(top, bottom, left, right)
        except Exception as exc:  # the file changed meanwhile, a decoder error, ...
            raise ValueError(f"{what}: cannot decode it again ({exc}).") from exc

    return region


def _pil_region(full, scale, what, work_size, weights):
    """``region`` of a :class:`Decoded` reduced from the PIL image ``full``; a colour
    part turns gray by ``weights`` (the whole image's, see :func:`_pil_pixels`)."""

    def region(top, bottom, left, right, size=work_size):
        (r0, r1), (c0, c1) = (_pixel_span(top, bottom, full.height),
                              _pixel_span(left, right, full.width))
        part = full.crop((c0, r0, c1, r1))
        f = reduction_factor(max(part.size), size)
        return _pil_pixels(part.reduce(f) if f > 1 else part, scale, what,
                           (r1 - r0, c1 - c0), weights)[0]

    return region


def _pil_pixels(im, scale, what, shape, weights=None):
    """``(decoded, weights)``: a :class:`Decoded` of a loaded PIL image in mode L, LA,
    RGB, RGBA, I or F, and the ``(weights, offset)`` that turned its colours gray
    (:func:`~skdigits._pixels.gray_weights`; ``weights`` if given, None for gray modes)."""
    arr = np.asarray(im)
    mode = im.mode
    if mode in ("I", "F"):
        a = arr.astype(np.float32)
        if not np.isfinite(a).all():
            raise ValueError(f"{what}: the image contains NaN or infinity.")
        lo, hi = float(a.min()), float(a.max())
        if scale is None:
            # 32-bit integer / float images have no fixed range: 0..1 if the
            # values fit, else 0..255, else 0..65535.
            if lo < 0:
                raise ValueError(f"{what}: negative pixel values ({lo:g}).")
            scale = 1.0 if hi <= 1.0 else 255.0 if hi <= 255.0 else 65535.0
            if hi > 65535.0:
                raise ValueError(
                    f"{what}: pixel values up to {hi:g} exceed the 16-bit range."
                )
        return Decoded(np.clip(a / scale, 0, 1).astype(np.float32), False, shape), None
    a = arr.astype(np.float32) * np.float32(1 / 255)
    alpha = None
    if mode == "L":
        gray = a
    elif mode == "LA":
        gray, alpha = a[..., 0], a[..., 1]
    else:  # RGB, RGBA
        weights = gray_weights(a) if weights is None else weights
        gray = rgb_to_gray(a, weights)
        alpha = a[..., 3] if mode == "RGBA" else None
    image, is_ink = resolve_alpha(gray.astype(np.float32, copy=False), alpha)
    return Decoded(image, is_ink, shape), weights


def _open_path(path, what, work_size, max_pixels):
    if not os.fspath(path):  # Path("") would be the current folder
        raise ValueError(f"{what}: empty file name.")
    p = Path(path)
    try:
        mode = p.stat().st_mode
    except FileNotFoundError:
        raise FileNotFoundError(f"{what}: no such file.") from None
    except OSError as exc:  # name too long, permission denied on a folder, ...
        raise ValueError(f"{what}: cannot access the file ({exc.strerror or exc}).") from None
    if stat.S_ISDIR(mode):
        raise ValueError(f"{what}: is a directory, not an image file.")
    if not stat.S_ISREG(mode):
        # Opening a named pipe or a device would block or read forever.
        raise ValueError(f"{what}: not a regular file (a pipe, socket or device).")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            im = Image.open(p)
        except UnidentifiedImageError:
            raise ValueError(
                f"{what}: not an image file (Pillow cannot identify it)."
            ) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ValueError(
                f"{what}: the image is too large to decode safely ({exc})."
            ) from None
        except Exception as exc:  # permission errors, corrupt headers, ...
            raise ValueError(f"{what}: cannot open the image ({exc}).") from exc
        with im:
            try:
                return _pil_item(im, what, work_size, max_pixels, own=True, path=p)
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
                raise ValueError(
                    f"{what}: the image is too large to decode safely ({exc})."
                ) from None


def decode(item, what, *, work_size, max_pixels):
    """Decode one single image (path, PIL image or array) into a :class:`Decoded`.

    ``what`` names the item in error messages (``input 3 ('seven.png')``).
    """
    if isinstance(item, (str, os.PathLike)):
        return _open_path(item, what, work_size, max_pixels)
    if isinstance(item, Image.Image):
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                return _pil_item(item, what, work_size, max_pixels)
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
                raise ValueError(
                    f"{what}: the image is too large to decode safely ({exc})."
                ) from None
    if isinstance(item, np.ndarray):
        return _array_item(item, what, work_size, max_pixels)
    if isinstance(item, (bytes, bytearray, memoryview)):
        raise TypeError(
            f"{what}: unsupported type {type(item).__name__}: raw bytes are not an "
            "image; pass a file path, or decode them with PIL.Image.open(io.BytesIO(data))."
        )
    if isinstance(item, (list, tuple)):
        try:
            arr = np.asarray(item)
        except (ValueError, TypeError):
            arr = None
        if arr is not None and arr.dtype != object:
            return _array_item(arr, what, work_size, max_pixels)
    raise TypeError(
        f"{what}: unsupported type {type(item).__name__}; expected a file path "
        "(str or pathlib.Path), a PIL image or a numeric array."
    )

