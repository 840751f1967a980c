"""Hostile input: every input either predicts or raises a clear error, fast.

The contract, checked on the preprocessor and on a fitted pipeline (preprocessor + CNN)
for arbitrary arrays, lists, PIL images and files (property-based, with hypothesis):

- the result is well formed -- ``(n, 784)`` float32 in [0, 1] from the preprocessor,
  ``(n, 10)`` probabilities from the pipeline -- or
- a ``ValueError``, ``TypeError`` or ``FileNotFoundError`` is raised whose message
  names the offending input (``input 3 ('x.png')``) or the batch (``X ...``), and that
  does not come out of TensorFlow/Keras; never another exception, a crash or a hang;
- an image without a digit (one flat colour, in any mode, size or format) is never
  answered: it raises a ValueError saying it is blank.

Decompression bombs (tiny files declaring 100000 x 100000 pixels) are refused before
decoding. Bugs these properties found in other modules are fixed and kept as
regression tests at the end of the file.
"""

import io
import os
import re
import signal
import stat
import struct
import time
import traceback
import zlib
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from hypothesis.extra import numpy as hnp
from PIL import Image
from sklearn.pipeline import make_pipeline

from skdigits import DigitCNNClassifier, DigitImagePreprocessor

# Pillow warns about the broken EXIF of truncated TIFF files before the ValueError.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:PIL.TiffImagePlugin")

CLEAR_ERRORS = (ValueError, TypeError, FileNotFoundError)
# Seconds any single call may take on these small inputs (they take milliseconds).
CALL_LIMIT = 20

# SKDIGITS_HOSTILE_EXAMPLES=2000 explores further, with fresh random examples each run.
_EXAMPLES = os.environ.get("SKDIGITS_HOSTILE_EXAMPLES")
HOSTILE = settings(
    max_examples=int(_EXAMPLES or 80),
    deadline=None,
    derandomize=not _EXAMPLES,  # by default the same examples on every run: no flaky CI
    database=None,  # no .hypothesis folder in the working tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture],
)


# --------------------------------------------------------------------------- #
# Fixtures and helpers
# --------------------------------------------------------------------------- #
@pytest.fixture(scope="module")
def pipe(mnist_small):
    """Preprocessor + simple CNN, 1 epoch on 1,000 MNIST digits."""
    (X, y), _ = mnist_small
    return make_pipeline(
        DigitImagePreprocessor(), DigitCNNClassifier("simple", epochs=1, random_state=0)
    ).fit(X[:1000], y[:1000])


@pytest.fixture(scope="module")
def digits(mnist_small):
    _, (X_test, y_test) = mnist_small
    return X_test[:20], y_test[:20]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("hostile")


class _Hang(BaseException):
    """Raised by the watchdog; a BaseException so that no ``except Exception`` hides it."""


@contextmanager
def watchdog(seconds=CALL_LIMIT):
    """Fail (instead of hanging) if the block takes longer than ``seconds``."""

    def expire(signum, frame):
        raise _Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _outcome(call):
    """``("ok", result)`` or ``("error", exception)`` for a clear error; else the test fails."""
    try:
        with watchdog():
            return "ok", call()
    except CLEAR_ERRORS as exc:
        message = str(exc)
        assert message and len(message) < 3000, repr(message)
        assert re.search(r"\binput \d+|\bX\b", message), f"names no input: {message}"
        files = [frame.filename for frame in traceback.extract_tb(exc.__traceback__)]
        assert not any(
            f"{os.sep}tensorflow{os.sep}" in f or f"{os.sep}keras{os.sep}" in f for f in files
        ), f"error from inside TensorFlow/Keras: {message}"
        return "error", exc


def check(pipe, X, n=None):
    """Check the contract for ``X`` on the preprocessor and the pipeline; return outcome."""
    pre = pipe[0]
    kind, result = _outcome(lambda: pre.transform(X))
    if kind == "ok":
        assert result.dtype == np.float32 and result.ndim == 2 and result.shape[1] == 784
        assert np.isfinite(result).all() and result.min() >= 0 and result.max() <= 1
        if n is not None:
            assert len(result) == n
    if currently_in_test_context():  # statistics for --hypothesis-show-statistics
        event(f"{kind}: {type(result).__name__}" if kind == "error" else "predicted")
    pipe_kind, proba = _outcome(lambda: pipe.predict_proba(X))
    assert pipe_kind == kind, (kind, pipe_kind, result if kind == "error" else proba)
    if kind == "ok":
        proba = np.asarray(proba)
        assert proba.shape == (len(result), 10)
        np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-4)
    else:
        assert type(proba) is type(result) and str(proba) == str(result)
    return kind, result


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(width, height, depth=8, colour=0):
    """A valid PNG signature and IHDR declaring width x height, with a tiny IDAT."""
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
            + _png_chunk(b"IDAT", zlib.compress(b"\0" * 64)) + _png_chunk(b"IEND", b""))


def encoded(image, fmt):
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def drawing(digit, size=84):
    """An MNIST digit as a drawing: dark ink on white, ``size`` pixels square."""
    return Image.fromarray(255 - digit).resize((size, size), Image.Resampling.BILINEAR)


# --------------------------------------------------------------------------- #
# Property: arbitrary numeric arrays
# --------------------------------------------------------------------------- #
ANY_DTYPE = st.one_of(
    hnp.scalar_dtypes(), hnp.byte_string_dtypes(max_len=3), hnp.unicode_string_dtypes(max_len=3)
)
ANY_SHAPE = hnp.array_shapes(min_dims=0, max_dims=5, min_side=0, max_side=9)
IMAGE_DTYPE = st.sampled_from([np.uint8, np.uint16, np.int32, np.int64, np.float16, np.float32,
                               np.float64, np.bool_])


def _image_like_arrays():
    """Arrays with the layouts that pass the shape checks, any values (NaN, inf, huge)."""
    shapes = st.one_of(
        st.tuples(st.integers(1, 3), st.just(28), st.just(28)),
        st.tuples(st.integers(1, 3), st.just(784)),
        st.tuples(st.integers(1, 2), st.integers(1, 40), st.integers(1, 40)),
        st.tuples(st.integers(1, 40), st.integers(1, 40), st.sampled_from([1, 3, 4])),
        st.tuples(st.integers(1, 2), st.integers(1, 30), st.integers(1, 30), st.sampled_from([1, 3, 4])),
    )
    return IMAGE_DTYPE.flatmap(lambda dt: shapes.flatmap(lambda shape: hnp.arrays(dt, shape)))


@HOSTILE
@given(X=st.one_of(hnp.arrays(ANY_DTYPE, ANY_SHAPE), _image_like_arrays()))
def test_any_array_predicts_or_raises_a_clear_error(pipe, X):
    check(pipe, X)


# --------------------------------------------------------------------------- #
# Property: lists mixing anything
# --------------------------------------------------------------------------- #
def _pil_images():
    modes = st.sampled_from(["1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16", "F", "CMYK"])
    sizes = st.tuples(st.integers(0, 40), st.integers(0, 40))

    @st.composite
    def build(draw):
        mode, (w, h) = draw(modes), draw(sizes)
        seed = draw(st.integers(0, 2**16))
        rng = np.random.RandomState(seed)
        im = Image.new(mode, (w, h))
        if w and h:
            data = rng.randint(0, 256, size=(h, w, 4)).astype(np.uint8)
            im = Image.fromarray(data, "RGBA").convert(mode) if mode not in ("I;16",) else \
                Image.fromarray(data[..., 0].astype(np.uint16) * 257)
        return im

    return build()


# A plain "1" (a dark bar on white paper), so that lists also hold images that predict.
_ONE = np.full((40, 30), 255, np.uint8)
_ONE[5:35, 13:17] = 0

ITEMS = st.one_of(
    st.just(_ONE), st.just(Image.fromarray(_ONE)), st.just(_ONE / 255.0), st.just(_ONE[..., None]),
    st.none(), st.integers(), st.floats(), st.text(max_size=12), st.binary(max_size=12),
    st.lists(st.integers(0, 255), max_size=4), st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
    hnp.arrays(IMAGE_DTYPE, hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=12)),
    _pil_images(),
    st.just("no-such-file.png"),
)


@HOSTILE
@given(X=st.one_of(st.lists(ITEMS, max_size=4), st.tuples(ITEMS), st.builds(tuple, st.lists(ITEMS, max_size=3))))
def test_any_list_predicts_or_raises_a_clear_error(pipe, X):
    kind, result = check(pipe, X)
    if kind == "error" and isinstance(X, list) and len(X) > 1 and "input" in str(result):
        index = int(re.search(r"input (\d+)", str(result)).group(1))
        assert 0 <= index < len(X)


# --------------------------------------------------------------------------- #
# Property: hostile files
# --------------------------------------------------------------------------- #
MAGIC = [b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*",
         b"RIFF\x00\x00\x00\x00WEBP", b"P5\n", b"%PDF-1.4"]
SUFFIXES = [".png", ".jpg", ".gif", ".bmp", ".tif", ".webp", ".txt", ""]


@HOSTILE
@given(magic=st.sampled_from(MAGIC), body=st.binary(max_size=600), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes_files(pipe, folder, magic, body, suffix):
    path = folder / f"random{suffix}"
    path.write_bytes(magic + body)
    kind, result = check(pipe, [str(path)], n=1)
    if kind == "error":
        assert str(path) in str(result)


@HOSTILE
@given(fmt=st.sampled_from(["PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP"]),
       cut=st.one_of(st.floats(0, 1), st.floats(0.95, 1), st.just(1.0)),
       flip=st.one_of(st.none(), st.floats(0, 1)))
def test_truncated_and_corrupted_image_files(pipe, digits, folder, fmt, cut, flip):
    data = bytearray(encoded(drawing(digits[0][3]), fmt))
    data = data[: int(len(data) * cut)]
    if flip is not None and data:
        data[min(int(len(data) * flip), len(data) - 1)] ^= 0x5A
    path = folder / f"damaged.{fmt.lower()}"
    path.write_bytes(bytes(data))
    kind, result = check(pipe, [str(path)], n=1)
    if kind == "error":
        assert str(path) in str(result)


def test_empty_text_and_missing_files(pipe, folder):
    empty = folder / "empty.png"
    empty.write_bytes(b"")
    text = folder / "notes.png"
    text.write_text("this is not an image\n")
    for path, error in [(empty, ValueError), (text, ValueError), (folder / "missing.png", FileNotFoundError)]:
        kind, exc = check(pipe, [str(path)])
        assert kind == "error" and type(exc) is error and str(path) in str(exc)
    kind, exc = check(pipe, [])
    assert kind == "error" and "empty" in str(exc)
    kind, exc = check(pipe, [str(folder)])
    assert kind == "error" and "directory" in str(exc)


# --------------------------------------------------------------------------- #
# Decompression bombs
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("width, height, depth, colour", [
    (100_000, 100_000, 8, 0),  # 10 gigapixels, gray
    (100_000, 100_000, 16, 6),  # 16-bit RGBA
    (1, 2**31 - 1, 8, 0),  # one very long column
    (9_000, 9_000, 8, 2),  # 81 Mpx: under Pillow's limit, over max_pixels
])
@pytest.mark.parametrize("max_pixels", [50_000_000, None])
def test_decompression_bombs_are_refused_quickly(pipe, folder, width, height, depth, colour, max_pixels):
    path = folder / f"bomb_{width}x{height}.png"
    path.write_bytes(png_header_only(width, height, depth, colour))
    assert path.stat().st_size < 200
    pipe = pipe.set_params(digitimagepreprocessor__max_pixels=max_pixels)
    try:
        start = time.perf_counter()
        kind, exc = check(pipe, [str(path)])
        assert kind == "error" and isinstance(exc, ValueError) and str(path) in str(exc)
        assert re.search(r"too large|max_pixels|decompression bomb|corrupt or truncated", str(exc))
        assert time.perf_counter() - start < 10
    finally:
        pipe.set_params(digitimagepreprocessor__max_pixels=50_000_000)


def test_bomb_as_pil_image_and_gif(pipe, folder):
    # Pillow itself refuses to open 100000 x 100000; 9000 x 9000 opens lazily (not decoded).
    with Image.open(io.BytesIO(png_header_only(9_000, 9_000))) as im:
        kind, exc = check(pipe, [im])
        assert kind == "error" and "input 0 (PIL image" in str(exc) and "max_pixels" in str(exc)
    gif = bytearray(encoded(Image.new("L", (8, 8), 255), "GIF"))
    gif[6:10] = struct.pack("<HH", 65535, 65535)  # logical screen 65535 x 65535
    path = folder / "bomb.gif"
    path.write_bytes(bytes(gif))
    kind, exc = check(pipe, [str(path)])
    assert kind == "error" and str(path) in str(exc)


@pytest.mark.parametrize("layout", ["in a list", "as X", "as a batch", "float in a list"])
def test_huge_arrays_are_refused_by_shape_before_any_copy(layout):
    """max_pixels holds for arrays as for files: the check reads .shape, not the data.

    The arrays are views of one value (np.broadcast_to), so the test allocates nothing;
    a copy or a float conversion of one of them would take 1.2 to 3.2 GB.
    """
    import tracemalloc

    rgb = np.broadcast_to(np.uint8(255), (20_000, 20_000, 3))
    X = {
        "in a list": [np.zeros((28, 28), np.uint8), rgb],
        "as X": rgb,
        "as a batch": np.broadcast_to(np.uint8(0), (2, 20_000, 20_000)),
        "float in a list": [np.broadcast_to(np.float64(0.5), (20_000, 20_000))],
    }[layout]
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"max_pixels=50000000") as info:
            DigitImagePreprocessor(on_blank="nan").transform(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert ("input 1" if layout == "in a list" else "20000x20000") in str(info.value)
    assert peak < 10_000_000


# --------------------------------------------------------------------------- #
# Blank images are never answered
# --------------------------------------------------------------------------- #
@st.composite
def flat_images(draw):
    """One flat colour (plus noise far below min_contrast) in any form, size and mode."""
    w, h = draw(st.integers(1, 64)), draw(st.integers(1, 64))
    level = draw(st.floats(0, 1))
    noise = draw(st.floats(0, 0.02))
    rng = np.random.RandomState(draw(st.integers(0, 1000)))
    gray = np.clip(level + noise * rng.standard_normal((h, w)), 0, 1)
    form = draw(st.sampled_from(["uint8", "float", "uint16", "L", "RGB", "RGBA", "P", "I;16",
                                 "1", "transparent", "png", "jpeg", "batch28"]))
    u8 = np.round(gray * 255).astype(np.uint8)
    if form == "uint8":
        return [u8]
    if form == "float":
        return [gray]
    if form == "uint16":
        return [np.round(gray * 65535).astype(np.uint16)]
    if form == "batch28":
        return np.round(np.clip(level + noise * rng.standard_normal((2, 28, 28)), 0, 1) * 255).astype(np.uint8)
    if form == "transparent":  # any colour, fully transparent
        rgba = np.dstack([u8, u8, u8, np.zeros_like(u8)])
        return [Image.fromarray(rgba, "RGBA")]
    if form == "I;16":
        return [Image.fromarray(np.round(gray * 65535).astype(np.uint16))]
    if form == "1":
        return [Image.new("1", (w, h), int(level > 0.5))]
    im = Image.fromarray(u8, "L")
    if form in ("png", "jpeg"):
        return [Image.open(io.BytesIO(encoded(im, form.upper())))]
    return [im.convert(form)]


@HOSTILE
@given(X=flat_images())
def test_blank_images_are_never_answered(pipe, X):
    kind, exc = check(pipe, X)
    assert kind == "error" and isinstance(exc, ValueError), "a blank image got an answer"
    assert "blank" in str(exc)


@pytest.mark.parametrize("value", [0, 255])
@pytest.mark.parametrize("size", [(1, 1), (28, 28), (300, 200)])
def test_all_black_and_all_white_files(pipe, folder, value, size):
    path = folder / f"flat_{value}_{size[0]}x{size[1]}.png"
    Image.new("L", size, value).save(path)
    kind, exc = check(pipe, [str(path)])
    assert kind == "error" and "blank" in str(exc) and str(path) in str(exc)


# --------------------------------------------------------------------------- #
# Unusual but valid images give the same answer as the plain 8-bit one
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("form", ["I;16 file", "I;16", "P", "P file", "1", "LA", "RGBA transparent",
                                  "RGB", "CMYK", "F", "I"])
def test_16_bit_palette_and_other_modes_predict_like_8_bit(pipe, digits, folder, form):
    X, _ = digits
    gray = drawing(X[1])
    expected = pipe.predict_proba([gray])
    u8 = np.asarray(gray)
    if form.startswith("I;16"):
        im = Image.fromarray(u8.astype(np.uint16) * 257)
    elif form == "RGBA transparent":  # the digit is the opaque part
        im = Image.fromarray(np.dstack([np.zeros_like(u8)] * 3 + [255 - u8]), "RGBA")
    elif form == "F":
        im = Image.fromarray(u8.astype(np.float32) / 255, "F")
    elif form == "I":
        im = Image.fromarray(u8.astype(np.int32), "I")
    elif form == "1":
        im = gray.point(lambda v: 255 if v > 127 else 0).convert("1")
    else:
        im = gray.convert(form.split()[0])
    if form.endswith("file"):
        path = folder / f"mode_{form.split()[0].replace(';', '_')}.png"
        im.save(path)
        im = str(path)
        if form.startswith("I;16"):
            with Image.open(path) as reopened:
                assert reopened.mode.startswith("I")  # really a 16-bit file
    kind, proba = _outcome(lambda: pipe.predict_proba([im]))
    assert kind == "ok"
    proba = np.asarray(proba).reshape(1, -1)
    assert proba.argmax() == np.asarray(expected).reshape(1, -1).argmax()
    tolerance = 0.2 if form in ("1", "P", "P file") else 0.02  # 1-bit/palette: quantised
    np.testing.assert_allclose(proba, np.asarray(expected).reshape(1, -1), atol=tolerance)


def test_one_pixel_images(pipe):
    for image in ([np.zeros((1, 1), np.uint8)], [Image.new("RGB", (1, 1), "red")], np.zeros((1, 1, 1, 3))):
        kind, exc = check(pipe, image)
        assert kind == "error" and "blank" in str(exc)


# --------------------------------------------------------------------------- #
# Bugs found in other modules by the properties above (fixed; kept as regressions)
# --------------------------------------------------------------------------- #
def test_predict_proba_of_one_sample_is_2d(pipe, digits):
    X, _ = digits
    assert pipe.predict_proba(X[:1]).shape == (1, 10)
    assert pipe[-1].predict_proba(X[:1]).shape == (1, 10)


def test_overlong_file_name(pipe):
    kind, exc = check(pipe, ["x" * 300 + ".png"])
    assert kind == "error" and "input 0" in str(exc)


def test_empty_file_name(pipe):
    kind, exc = check(pipe, [""])
    assert kind == "error" and "empty" in str(exc)


def test_bytes_item_is_named(pipe, digits):
    X, _ = digits
    kind, exc = check(pipe, [encoded(drawing(X[0]), "PNG")])
    assert kind == "error" and isinstance(exc, TypeError) and "input 0 (bytes)" in str(exc)


def test_blank_rows_in_a_pipeline_are_named(pipe, digits):
    X, _ = digits
    pipe = pipe.set_params(digitimagepreprocessor__on_blank="nan")
    try:
        kind, exc = _outcome(lambda: pipe.predict([drawing(X[0]), np.zeros((40, 40), np.uint8)]))
    finally:
        pipe.set_params(digitimagepreprocessor__on_blank="raise")
    assert kind == "error" and re.search(r"\b1\b", str(exc)) and "blank" in str(exc)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_named_pipe_does_not_hang(pipe, tmp_path):
    fifo = tmp_path / "digit.png"
    os.mkfifo(fifo)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    with watchdog(3), pytest.raises(ValueError, match=re.escape(str(fifo))):
        pipe[0].transform([str(fifo)])


def test_an_array_in_minus_one_to_one_is_refused_with_the_mapping_to_use():
    # USPS keeps its 16x16 digits in [-1, 1]: no guess at the scale, a message that
    # says how to map it (and how to map 0..255 floats).
    from skdigits import DigitImagePreprocessor

    usps = np.linspace(-1, 1, 256, dtype=np.float32).reshape(16, 16)
    with pytest.raises(ValueError, match=r"input 0 .*\[-1, 1\].*\(x \+ 1\) / 2"):
        DigitImagePreprocessor().fit([usps]).transform([usps])
