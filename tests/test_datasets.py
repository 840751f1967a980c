"""Tests for skdigits.datasets: data home, IDX parsing, checks and real downloads.

Downloads are exercised for real, over HTTP, against servers on 127.0.0.1 that
serve copies of the offline MNIST files; nothing here touches the internet.
"""

import functools
import gzip
import hashlib
import http.server
import os
import shutil
import socket
import struct
import threading
from pathlib import Path

import numpy as np
import pytest

from skdigits import _idx, datasets
from skdigits.datasets import (
    MNIST_FILES,
    DataNotFoundError,
    get_data_home,
    load_mnist,
)

# The verified offline copy (set by conftest.py, or by the CI). Read once, before
# any test repoints the variable.
SOURCE = Path(os.environ["SKDIGITS_DATA"])

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"

# Published class frequencies of MNIST.
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def md5(path):
    return hashlib.md5(Path(path).read_bytes(), usedforsecurity=False).hexdigest()


def populate(folder, names):
    """Put the named real MNIST files in `folder`, as symlinks (cheap) if possible."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        try:
            os.symlink(SOURCE / name, folder / name)
        except OSError:
            shutil.copyfile(SOURCE / name, folder / name)


def write_idx(path, array, type_code=0x08, header=None, trailing=b""):
    """Write `array` as an IDX file (gzipped if `path` ends in .gz)."""
    if header is None:
        header = bytes([0, 0, type_code, array.ndim]) + struct.pack(
            f">{array.ndim}I", *array.shape
        )
    payload = header + array.tobytes() + trailing
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(payload)
    return path


def assert_same_mnist(loaded, reference):
    for got, want in zip(
        (*loaded[0], *loaded[1]), (*reference[0], *reference[1]), strict=True
    ):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    # A proxy configured on a CI machine must not intercept our 127.0.0.1 mirrors.
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")


# --------------------------------------------------------------------------------
# The data itself
# --------------------------------------------------------------------------------


def test_shapes_and_dtypes(mnist):
    (X_train, y_train), (X_test, y_test) = mnist
    assert X_train.shape == (60000, 28, 28) and X_train.dtype == np.uint8
    assert y_train.shape == (60000,) and y_train.dtype == np.uint8
    assert X_test.shape == (10000, 28, 28) and X_test.dtype == np.uint8
    assert y_test.shape == (10000,) and y_test.dtype == np.uint8


def test_known_facts(mnist):
    (X_train, y_train), (X_test, y_test) = mnist
    # The famous first digits: a 5 and a 7.
    assert list(y_train[:5]) == [5, 0, 4, 1, 9]
    assert list(y_test[:5]) == [7, 2, 1, 0, 4]
    assert list(np.bincount(y_train, minlength=10)) == TRAIN_COUNTS
    assert list(np.bincount(y_test, minlength=10)) == TEST_COUNTS
    assert y_train.max() == 9 and y_test.max() == 9
    # White ink (255) on a black (0) background; checksums of the first images.
    assert X_train.min() == 0 and X_train.max() == 255
    assert X_test.min() == 0 and X_test.max() == 255
    assert X_train[0].sum() == 27525 and X_test[0].sum() == 18454


def test_matches_keras_npz(mnist):
    npz = SOURCE / "mnist.npz"
    if not npz.is_file():
        pytest.skip(f"no Keras copy at {npz} to compare with")
    with np.load(npz) as keras:
        reference = (
            (keras["x_train"], keras["y_train"]),
            (keras["x_test"], keras["y_test"]),
        )
    assert_same_mnist(mnist, reference)


def test_explicit_data_home_wins_and_arrays_are_fresh(mnist, tmp_path, monkeypatch):
    empty = tmp_path / "env-home"
    monkeypatch.setenv("SKDIGITS_DATA", str(empty))
    loaded = load_mnist(data_home=SOURCE, download_if_missing=False)
    assert_same_mnist(loaded, mnist)
    assert not empty.exists()
    # No cache is shared between calls: writing into one result leaves others alone.
    (X_train, y_train), _ = loaded
    assert X_train.flags.writeable
    X_train[0] = 1
    y_train[0] = 3
    assert mnist[0][0][0].sum() == 27525 and mnist[0][1][0] == 5


# --------------------------------------------------------------------------------
# The data home
# --------------------------------------------------------------------------------


def test_get_data_home_from_env_var(tmp_path, monkeypatch):
    home = tmp_path / "from-env" / "nested"
    monkeypatch.setenv("SKDIGITS_DATA", str(home))
    assert get_data_home() == str(home)
    assert home.is_dir()


def test_get_data_home_default_and_tilde(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("SKDIGITS_DATA")
    assert get_data_home() == str(tmp_path / "skdigits_data")
    # An empty variable means "unset", not "the current folder".
    monkeypatch.setenv("SKDIGITS_DATA", "")
    assert get_data_home() == str(tmp_path / "skdigits_data")
    # "~" is expanded in explicit paths and in the variable; path-likes work.
    assert get_data_home("~/explicit") == str(tmp_path / "explicit")
    monkeypatch.setenv("SKDIGITS_DATA", "~/via-env")
    assert get_data_home() == str(tmp_path / "via-env")
    assert get_data_home(tmp_path / "pathlike") == str(tmp_path / "pathlike")
    assert (tmp_path / "explicit").is_dir() and (tmp_path / "pathlike").is_dir()


def test_load_mnist_looks_in_env_var_then_explicit_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("SKDIGITS_DATA", str(tmp_path / "env"))
    with pytest.raises(DataNotFoundError) as info:
        load_mnist(download_if_missing=False)
    assert info.value.data_home == str(tmp_path / "env")
    with pytest.raises(DataNotFoundError) as info:
        load_mnist(data_home=tmp_path / "explicit", download_if_missing=False)
    assert info.value.data_home == str(tmp_path / "explicit")
    assert str(tmp_path / "explicit") in str(info.value)


# --------------------------------------------------------------------------------
# Missing and corrupt local files, download disabled
# --------------------------------------------------------------------------------


def test_missing_data_without_download_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", ("https://mirror.invalid/mnist/",))
    home = tmp_path / "nowhere"
    with pytest.raises(OSError) as info:
        load_mnist(data_home=home, download_if_missing=False)
    error = info.value
    assert isinstance(error, DataNotFoundError)
    message = str(error)
    for name in MNIST_FILES:
        assert name in message
    assert repr(str(home)) in message and "does not exist" in message
    assert "SKDIGITS_DATA" in message and "data_home" in message
    assert "download_if_missing=True" in message
    assert "https://mirror.invalid/mnist/" in message
    assert sorted(error.missing) == sorted(MNIST_FILES) and error.attempts == []
    # Looking is not allowed to create anything.
    assert not home.exists()


def test_only_the_missing_files_are_reported(tmp_path):
    populate(tmp_path, [TRAIN_LABELS, TEST_LABELS])
    with pytest.raises(DataNotFoundError) as info:
        load_mnist(data_home=tmp_path, download_if_missing=False)
    assert sorted(info.value.missing) == sorted([TRAIN_IMAGES, TEST_IMAGES])
    first_line, missing_line = str(info.value).splitlines()[:2]
    assert "does not exist" not in first_line
    assert missing_line == f"Missing files: {TRAIN_IMAGES}, {TEST_IMAGES}."


def test_corrupt_local_file_is_reported(tmp_path):
    populate(tmp_path, [TRAIN_IMAGES, TEST_IMAGES, TEST_LABELS])
    data = bytearray((SOURCE / TRAIN_LABELS).read_bytes())
    data[100] ^= 0xFF
    (tmp_path / TRAIN_LABELS).write_bytes(data)
    with pytest.raises(DataNotFoundError) as info:
        load_mnist(data_home=tmp_path, download_if_missing=False)
    message = str(info.value)
    assert info.value.missing == [TRAIN_LABELS]
    assert (
        f"Corrupt file: {TRAIN_LABELS} has MD5 {md5(tmp_path / TRAIN_LABELS)}, "
        f"expected {MNIST_FILES[TRAIN_LABELS]}." in message
    )
    assert "Missing files" not in message
    # The corrupt file is left for the user to inspect; only a download replaces it.
    assert (tmp_path / TRAIN_LABELS).read_bytes() == data


# --------------------------------------------------------------------------------
# The IDX parser
# --------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".gz", ""])
@pytest.mark.parametrize(
    "array, type_code",
    [
        (np.arange(24, dtype=np.uint8).reshape(2, 3, 4), 0x08),
        (np.array([0, 9, 255], dtype=np.uint8), 0x08),
        (np.array([[-5, 70000], [1, 2]], dtype=">i4"), 0x0C),
        (np.array([0.5, -1.25], dtype=">f8"), 0x0E),
    ],
)
def test_read_idx_round_trip(tmp_path, array, type_code, suffix):
    path = write_idx(tmp_path / f"x.idx{suffix}", array, type_code)
    parsed = _idx.read_idx(path)
    assert parsed.shape == array.shape and parsed.dtype.isnative
    np.testing.assert_array_equal(parsed, array)


@pytest.mark.parametrize(
    "header, body, trailing, match",
    [
        (b"\x08\x00\x08\x01" + struct.pack(">I", 3), b"abc", b"", "bad magic number"),
        (b"\x00\x00\x42\x01" + struct.pack(">I", 3), b"abc", b"", "bad magic number"),
        (b"\x00\x00\x08\x00", b"", b"", "0 dimensions"),
        (b"\x00\x00", b"", b"", "truncated.*magic number"),
        (b"\x00\x00\x08\x03" + struct.pack(">I", 3), b"", b"", "truncated.*dimension"),
        (b"\x00\x00\x08\x01" + struct.pack(">I", 5), b"abc", b"", "truncated.*data"),
        (b"\x00\x00\x08\x01" + struct.pack(">I", 3), b"abc", b"junk", "trailing bytes"),
    ],
)
def test_read_idx_rejects_malformed_files(tmp_path, header, body, trailing, match):
    path = tmp_path / "broken-idx1-ubyte.gz"
    with gzip.open(path, "wb") as f:
        f.write(header + body + trailing)
    with pytest.raises(ValueError, match=match) as info:
        _idx.read_idx(path)
    assert str(path) in str(info.value)


def test_read_idx_rejects_damaged_gzip(tmp_path):
    path = tmp_path / "not-gzip.gz"
    path.write_bytes(b"this is not gzip data at all")
    with pytest.raises(ValueError, match="cannot decompress") as info:
        _idx.read_idx(path)
    assert str(path) in str(info.value)
    # A missing file stays an OSError, not a format error.
    with pytest.raises(FileNotFoundError):
        _idx.read_idx(tmp_path / "absent.gz")


def test_wrong_shape_names_the_file(tmp_path, monkeypatch):
    # Tiny stand-ins whose checksums we register, so only the shape check can fail.
    shapes = {
        TRAIN_IMAGES: (2, 28, 28),
        TRAIN_LABELS: (2,),
        TEST_IMAGES: (1, 28, 28),
        TEST_LABELS: (1,),
    }
    for name, shape in shapes.items():
        write_idx(tmp_path / name, np.zeros(shape, dtype=np.uint8))
    monkeypatch.setattr(
        datasets, "MNIST_FILES", {name: md5(tmp_path / name) for name in shapes}
    )
    with pytest.raises(ValueError, match=r"shape \(60000, 28, 28\)") as info:
        load_mnist(data_home=tmp_path, download_if_missing=False)
    assert str(tmp_path / TRAIN_IMAGES) in str(info.value)


# --------------------------------------------------------------------------------
# Downloads, for real, from local HTTP mirrors
# --------------------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def serve():
    """Start HTTP mirrors on 127.0.0.1: ``serve(folder) -> (base_url, requested)``.

    `folder` is served at ``/<folder name>/``; `requested` lists the file names
    asked for, in order.
    """
    running = []

    def start(folder):
        requested = []

        class Handler(_QuietHandler):
            def do_GET(self):
                requested.append(self.path.rsplit("/", 1)[-1])
                super().do_GET()

        # Serve the parent so that files sit below a path, as on real mirrors.
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(folder.parent))
        )
        # A short poll interval keeps shutdown() (and so each test) quick.
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.start()
        running.append((server, thread))
        return f"http://127.0.0.1:{server.server_address[1]}/{folder.name}/", requested

    yield start
    for server, thread in running:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="session")
def good_mirror(tmp_path_factory):
    folder = tmp_path_factory.mktemp("good") / "mnist"
    folder.mkdir()
    for name in MNIST_FILES:
        shutil.copyfile(SOURCE / name, folder / name)
    return folder


@pytest.fixture(scope="session")
def corrupt_mirror(tmp_path_factory):
    """Same names and sizes as the real files, one byte flipped in each."""
    folder = tmp_path_factory.mktemp("corrupt") / "mnist"
    folder.mkdir()
    for name in MNIST_FILES:
        data = bytearray((SOURCE / name).read_bytes())
        data[len(data) // 2] ^= 0x01
        (folder / name).write_bytes(data)
    return folder


@pytest.fixture(scope="session")
def empty_mirror(tmp_path_factory):
    """A working server without the files: every request gets a 404."""
    folder = tmp_path_factory.mktemp("empty") / "mnist"
    folder.mkdir()
    return folder


@pytest.fixture
def refused_url():
    """A URL whose port is bound but not listening: connections are refused."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/mnist/"
    sock.close()


@pytest.fixture
def silent_url():
    """A URL whose server accepts connections but never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/mnist/"
    sock.close()


def assert_clean_data_home(folder, names=MNIST_FILES):
    """Exactly the given verified files: no temporary or partial files left over."""
    assert sorted(os.listdir(folder)) == sorted(names)
    for name in names:
        assert md5(folder / name) == MNIST_FILES[name]


def test_download_into_empty_data_home(
    mnist, tmp_path, serve, good_mirror, monkeypatch
):
    url, requested = serve(good_mirror)
    # No trailing slash: the loader must still build .../mnist/<file>.
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", (url.rstrip("/"),))
    home = tmp_path / "new" / "home"
    monkeypatch.setenv("SKDIGITS_DATA", str(home))

    assert_same_mnist(load_mnist(), mnist)
    assert_clean_data_home(home)
    assert sorted(requested) == sorted(MNIST_FILES)


@pytest.mark.parametrize("first_mirror", ["refused", "404"])
def test_falls_back_to_the_next_mirror(
    first_mirror, mnist, tmp_path, serve, good_mirror, empty_mirror, refused_url,
    monkeypatch,
):
    if first_mirror == "refused":
        bad_url, bad_requests = refused_url, []
    else:
        bad_url, bad_requests = serve(empty_mirror)
    good_url, good_requests = serve(good_mirror)
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", (bad_url, good_url))

    assert_same_mnist(load_mnist(data_home=tmp_path), mnist)
    assert_clean_data_home(tmp_path)
    assert sorted(good_requests) == sorted(MNIST_FILES)
    if first_mirror == "404":
        assert sorted(bad_requests) == sorted(MNIST_FILES)


def test_corrupt_download_is_discarded_and_next_mirror_used(
    mnist, tmp_path, serve, good_mirror, corrupt_mirror, monkeypatch
):
    corrupt_url, corrupt_requests = serve(corrupt_mirror)
    good_url, good_requests = serve(good_mirror)
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", (corrupt_url, good_url))

    assert_same_mnist(load_mnist(data_home=tmp_path), mnist)
    # Every file was really fetched from the corrupt mirror first, then replaced.
    assert sorted(corrupt_requests) == sorted(MNIST_FILES)
    assert sorted(good_requests) == sorted(MNIST_FILES)
    assert_clean_data_home(tmp_path)


def test_corrupt_download_is_never_cached(tmp_path, serve, corrupt_mirror, monkeypatch):
    url, requested = serve(corrupt_mirror)
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", (url,))
    with pytest.raises(DataNotFoundError) as info:
        load_mnist(data_home=tmp_path)
    assert requested == [TRAIN_IMAGES]
    assert os.listdir(tmp_path) == []
    [(tried, error)] = info.value.attempts
    assert tried == url + TRAIN_IMAGES
    assert "corrupt download" in error and MNIST_FILES[TRAIN_IMAGES] in error
    assert f"{(corrupt_mirror / TRAIN_IMAGES).stat().st_size} bytes" in error


def test_all_mirrors_failing_says_what_to_do(
    tmp_path, serve, empty_mirror, corrupt_mirror, refused_url, silent_url, monkeypatch
):
    url_404, _ = serve(empty_mirror)
    url_corrupt, _ = serve(corrupt_mirror)
    mirrors = (refused_url, silent_url, url_404, url_corrupt)
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", mirrors)
    monkeypatch.setattr(datasets, "DOWNLOAD_TIMEOUT", 0.5)
    populate(tmp_path, [TRAIN_LABELS])

    with pytest.raises(DataNotFoundError) as info:
        load_mnist(data_home=tmp_path)
    error = info.value
    message = str(error)
    missing = [TRAIN_IMAGES, TEST_IMAGES, TEST_LABELS]
    assert sorted(error.missing) == sorted(missing)
    assert f"Missing files: {', '.join(missing)}." in message
    assert repr(str(tmp_path)) in message
    assert "SKDIGITS_DATA" in message and "data_home" in message
    # Each mirror's URL and what went wrong there; the first missing file is tried
    # on every mirror, the rest are not attempted once it fails everywhere.
    tried = [url for url, _ in error.attempts]
    assert tried == [mirror + TRAIN_IMAGES for mirror in mirrors]
    reasons = [reason for _, reason in error.attempts]
    assert "Connection refused" in reasons[0]
    assert "timed out" in reasons[1]
    assert "404" in reasons[2]
    assert "corrupt download" in reasons[3]
    assert (
        f"Downloading {TRAIN_IMAGES} failed on every mirror "
        "(the other 2 file(s) were not tried):" in message
    )
    for url, reason in error.attempts:
        assert f"  - {url}: {reason}" in message
    assert "retry" in message
    # Nothing new in the data home: no partial, temporary or corrupt file.
    assert os.listdir(tmp_path) == [TRAIN_LABELS]


def test_interrupted_download_leaves_nothing_behind(
    tmp_path, serve, good_mirror, monkeypatch
):
    url, _ = serve(good_mirror)
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", (url,))

    def interrupted(src, dst):
        raise KeyboardInterrupt

    # Ctrl-C at the last moment: the verified temporary file must still go.
    monkeypatch.setattr(datasets.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        load_mnist(data_home=tmp_path)
    assert os.listdir(tmp_path) == []


def test_no_mirrors_configured(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", ())
    with pytest.raises(DataNotFoundError, match="No download mirrors"):
        load_mnist(data_home=tmp_path)


def test_corrupt_local_file_is_downloaded_again(
    mnist, tmp_path, serve, good_mirror, monkeypatch
):
    url, requested = serve(good_mirror)
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", (url,))
    populate(tmp_path, [TRAIN_IMAGES, TEST_IMAGES])
    corrupt = b"not the MNIST labels"
    (tmp_path / TRAIN_LABELS).write_bytes(corrupt)
    corrupt_md5 = hashlib.md5(corrupt, usedforsecurity=False).hexdigest()

    with pytest.warns(UserWarning, match=f"{TRAIN_LABELS} is corrupt") as record:
        loaded = load_mnist(data_home=tmp_path)
    assert corrupt_md5 in str(record[0].message)
    assert MNIST_FILES[TRAIN_LABELS] in str(record[0].message)
    assert_same_mnist(loaded, mnist)
    # Only what was missing (test labels) or corrupt (train labels) was fetched.
    assert sorted(requested) == sorted([TRAIN_LABELS, TEST_LABELS])
    assert_clean_data_home(tmp_path)


# --------------------------------------------------------------------------------
# What is checked is what is parsed; deadlines; leftovers of killed runs
# --------------------------------------------------------------------------------


def test_file_replaced_after_its_check_cannot_slip_through(mnist, tmp_path, monkeypatch):
    # Regression: the MD5 was computed in one read and the file parsed in another, so
    # a file replaced in between gave wrong labels silently.
    populate(tmp_path, MNIST_FILES)
    forged = np.roll(mnist[0][1], 1)
    real_md5 = datasets._md5

    def md5_then_swap(data):
        digest = real_md5(data)
        if digest == MNIST_FILES[TRAIN_LABELS]:
            os.remove(tmp_path / TRAIN_LABELS)
            write_idx(tmp_path / TRAIN_LABELS, forged)
        return digest

    monkeypatch.setattr(datasets, "_md5", md5_then_swap)
    (_, y_train), _ = load_mnist(data_home=tmp_path, download_if_missing=False)
    np.testing.assert_array_equal(y_train, mnist[0][1])


@pytest.fixture
def trickle_url():
    """A mirror that sends headers, then one byte every 0.2 s, forever (or until closed)."""
    stop = threading.Event()

    class Trickle(_QuietHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(10 << 20))
            self.end_headers()
            while not stop.wait(0.2):
                try:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                except OSError:
                    return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/mnist/"
    stop.set()
    server.shutdown()
    server.server_close()


def test_download_has_an_overall_deadline(tmp_path, trickle_url, monkeypatch):
    # Every read returns within the per-read timeout, so only a deadline stops it.
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", (trickle_url,))
    import time

    start = time.monotonic()
    with pytest.raises(DataNotFoundError) as info:
        load_mnist(data_home=tmp_path, download_deadline=1.0)
    assert time.monotonic() - start < 5
    [(url, reason)] = info.value.attempts
    assert url == trickle_url + TRAIN_IMAGES
    assert "download deadline passed" in reason
    assert os.listdir(tmp_path) == []
    with pytest.raises(ValueError, match="download_deadline"):
        load_mnist(data_home=tmp_path, download_deadline=0)


def _dead_pid():
    """The id of a process that has ended (a finished child)."""
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_later_download_removes_stale_leftovers_of_killed_runs(
    tmp_path, serve, good_mirror, monkeypatch
):
    url, _ = serve(good_mirror)
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", (url,))
    populate(tmp_path, [TRAIN_IMAGES, TEST_IMAGES, TEST_LABELS])
    dead, alive = _dead_pid(), os.getpid()
    leftovers = {
        f".{TRAIN_LABELS}.skdigits-tmp-{dead}-0a1b2c3d": True,  # stale: removed
        f".{TRAIN_LABELS}.{dead}.0a1b2c3d.part": True,  # older versions' name
        f".{TRAIN_LABELS}.skdigits-tmp-{alive}-0a1b2c3d": False,  # a live process's
        f".{TRAIN_LABELS}.skdigits-tmp-{dead}-fresh000": False,  # not ours (bad name)
        "notes.part": False,
    }
    hour_ago = os.path.getmtime(tmp_path) - 2 * 3600
    for name in leftovers:
        (tmp_path / name).write_bytes(b"partial")
        os.utime(tmp_path / name, (hour_ago, hour_ago))
    recent = tmp_path / f".{TRAIN_LABELS}.skdigits-tmp-{dead}-99999999"
    recent.write_bytes(b"written a minute ago")  # too recent: kept

    load_mnist(data_home=tmp_path)
    kept = {name for name, stale in leftovers.items() if not stale}
    assert set(os.listdir(tmp_path)) == set(MNIST_FILES) | kept | {recent.name}
    # Also when nothing needs downloading.
    (tmp_path / f".{TRAIN_LABELS}.{dead}.0a1b2c3d.part").write_bytes(b"partial")
    os.utime(tmp_path / f".{TRAIN_LABELS}.{dead}.0a1b2c3d.part", (hour_ago, hour_ago))
    load_mnist(data_home=tmp_path, download_if_missing=False)
    assert set(os.listdir(tmp_path)) == set(MNIST_FILES) | kept | {recent.name}
