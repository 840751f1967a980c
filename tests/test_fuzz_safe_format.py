"""Fuzzing load_safe: a mutated file loads as the identical model or raises SafeFormatError.

One valid file (preprocessor + simple CNN, 1 epoch on 600 digits) is mutated in
deterministic ways: byte flips, truncations, member swaps and duplicates, members
inflated to gigabytes (declared honestly, or behind a header that declares a small
size), and edited JSON (huge integers, wrong types, huge dtypes, resource
parameters, callbacks, network configurations). All cases run in ONE subprocess
(one TensorFlow start-up) whose address space is capped with ``RLIMIT_AS`` a little
above what a normal load needs and far below the attacks' sizes, each case with a
time limit. Every case must end as the identical model (same predictions) or as a
``SafeFormatError`` that was not caused by running out of memory; a crash, a hang or
any other exception fails the test. (Cases named ``resealed-*`` also update the
network's SHA-256 in the manifest, as anyone editing a file can: the safe format
does not authenticate files, so these may also load as a different working model.)

Run alone: ``python tests/test_fuzz_safe_format.py FOLDER`` prints one JSON line per case.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# Headroom of address space above what the process uses after a normal load. The
# attacks ask for 1.3-3.9 GB more; a normal load of this model needs ~0.1 GB more
# (measured by the child and reported in its summary line).
HEADROOM_BYTES = 1 << 30
CASE_SECONDS = 15  # per case; a normal load takes well under a second
TOTAL_SECONDS = 300  # the subprocess, TensorFlow start-up and fit included


def test_mutated_files_load_identically_or_raise_safe_format_error(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "TF_CPP_MIN_LOG_LEVEL": "2",
           "CUDA_VISIBLE_DEVICES": ""}
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, __file__, str(tmp_path)], env=env, capture_output=True,
        text=True, timeout=TOTAL_SECONDS,
    )
    elapsed = time.monotonic() - start
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    cases = [line for line in lines if "case" in line]
    summary = [line for line in lines if "summary" in line]
    assert proc.returncode == 0 and summary, (
        f"the fuzzing process ended with code {proc.returncode} after {len(cases)} "
        f"cases (last: {cases[-1] if cases else None}):\n{proc.stderr[-3000:]}"
    )
    # A "resealed" file had its network's SHA-256 in the manifest updated, as anyone
    # who edits a file can do: it may also load as a different, working model.
    bad = [c for c in cases if c["outcome"] not in ("identical", "SafeFormatError") and not (
        c["case"].startswith("resealed-") and c["outcome"] == "different predictions")]
    assert not bad, bad
    slow = [c for c in cases if c["seconds"] > CASE_SECONDS]
    assert not slow, slow
    outcomes = {c["outcome"] for c in cases}
    assert len(cases) >= 90 and {"identical", "SafeFormatError"} <= outcomes
    print(f"{len(cases)} cases in {elapsed:.1f} s; {summary[0]}")


# --------------------------------------------------------------------------- #
# The child process
# --------------------------------------------------------------------------- #
def _vm_bytes():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize")


def _members(data):
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(info, zf.read(info)) for info in zf.infolist()]


def _zip(entries, stored=()):
    """A zip of ``(name, bytes)`` pairs (duplicates allowed), JSON deflated."""
    import io
    import warnings
    import zipfile

    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name"
        with zipfile.ZipFile(buffer, "w") as zf:
            for name, content in entries:
                deflate = name.endswith(".json") and name not in stored
                zf.writestr(name, content, compress_type=(
                    zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED))
    return buffer.getvalue()


def _patch_member(data, name, *, method=None, crc=None, compress_size=None, file_size=None):
    """Rewrite the header fields of member ``name`` (local header and central directory)."""
    import struct

    data = bytearray(data)
    encoded = name.encode()
    for signature, fields in ((b"PK\x03\x04", (8, 14, 18, 22)), (b"PK\x01\x02", (10, 16, 20, 24))):
        name_at = 26 if signature == b"PK\x03\x04" else 28
        start = 0
        while (at := data.find(signature, start)) >= 0:
            start = at + 4
            length = struct.unpack_from("<H", data, at + name_at)[0]
            offset = 30 if signature == b"PK\x03\x04" else 46
            if bytes(data[at + offset: at + offset + length]) != encoded:
                continue
            for field, value, fmt in zip(fields, (method, crc, compress_size, file_size),
                                         ("<H", "<I", "<I", "<I")):
                if value is not None:
                    struct.pack_into(fmt, data, at + field, value)
    return bytes(data)


_BLOCK = 64 << 20
_ZEROS = []


def _deflate_bomb(prefix, zeros):
    """Raw deflate of ``prefix`` then ``zeros`` zero bytes (a few MB for gigabytes)."""
    import zlib

    c = zlib.compressobj(1, zlib.DEFLATED, -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    if not _ZEROS:
        # After a full flush the compressor starts afresh, so every block of zeros
        # compresses to the same bytes: compress one, repeat it.
        z = zlib.compressobj(1, zlib.DEFLATED, -15)
        _ZEROS.append(z.compress(bytes(_BLOCK)) + z.flush(zlib.Z_FULL_FLUSH))
    return head + _ZEROS[0] * (zeros // _BLOCK) + zlib.compressobj(1, zlib.DEFLATED, -15).flush()


def _bomb_member(entries, name, content, zeros, declare_small):
    """``entries`` with member ``name`` = ``content`` + ``zeros`` zero bytes, deflated."""
    import zlib

    raw = _deflate_bomb(content, zeros)
    placeholder = b"\0" * len(raw)
    data = _zip([(n, placeholder if n == name else c) for n, c in entries], stored=(name,))
    data = data.replace(placeholder, raw, 1)
    if declare_small:  # the header claims the original member: size and CRC
        size, crc = len(content), zlib.crc32(content)
    else:
        size = min(len(content) + zeros, 2**32 - 1)
        crc = 0  # never checked: the declared size is refused first
    return _patch_member(data, name, method=8, crc=crc, compress_size=len(raw), file_size=size)


def _mutations(good):
    """``(name, bytes)`` of every mutated file, deterministic."""
    import hashlib
    import random

    rng = random.Random(0)
    members = [(info.filename, content) for info, content in _members(good)]
    files = dict(members)

    def with_manifest(edit):
        m = json.loads(files["manifest.json"])
        edit(m)
        return _zip([(n, json.dumps(m).encode() if n == "manifest.json" else c)
                     for n, c in members])

    def clf(m):
        return m["estimator"]["steps"][1][1]

    def pre(m):
        return m["estimator"]["steps"][0][1]

    def with_network(network):
        m = json.loads(files["manifest.json"])
        clf(m)["state"]["network_sha256"] = hashlib.sha256(network).hexdigest()
        return [("manifest.json", json.dumps(m).encode()), ("network_0.keras", network)]

    inner = [(info.filename, content) for info, content in _members(files["network_0.keras"])]
    config = json.loads(dict(inner)["config.json"])

    def with_config(edit):
        c = json.loads(json.dumps(config))
        edit(c)
        network = _zip([(n, json.dumps(c).encode() if n == "config.json" else d)
                        for n, d in inner])
        return _zip(with_network(network))

    def dense(c):
        return [layer for layer in c["config"]["layers"] if layer["class_name"] == "Dense"][0]

    def wider(units):
        def edit(c):
            dense(c)["config"].update(units=units)
            for layer in c["config"]["layers"]:  # rebuilt from the new shapes
                layer.pop("build_config", None)
        return edit

    # Byte flips anywhere, and some in the (deflated) manifest; truncations.
    for k in range(24):
        at = rng.randrange(len(good))
        yield f"flip-{at}", good[:at] + bytes([good[at] ^ (1 << rng.randrange(8))]) + good[at + 1:]
    start = good.find(b"manifest.json") + len("manifest.json")
    for k in range(8):
        at = start + rng.randrange(400)
        yield f"flip-manifest-{at}", good[:at] + bytes([good[at] ^ 0xFF]) + good[at + 1:]
    for cut in (0, 1, 22, 100, len(good) // 3, len(good) // 2, len(good) - 22, len(good) - 1):
        yield f"truncate-{cut}", good[:cut]
    # Members swapped, duplicated, renamed, added.
    yield "swap-names", _zip([("network_0.keras", files["manifest.json"]),
                              ("manifest.json", files["network_0.keras"])])
    yield "duplicate-manifest", _zip(members + [("manifest.json", b"{}")])
    yield "duplicate-network", _zip(members + [("network_0.keras", files["network_0.keras"])])
    yield "renamed-network", _zip([("network_7.keras" if n == "network_0.keras" else n, c)
                                   for n, c in members])
    yield "extra-network", _zip(members + [("network_1.keras", files["network_0.keras"])])
    yield "resealed-inner-duplicate", _zip(with_network(_zip(inner + inner[:1])))
    yield "resealed-inner-missing", _zip(with_network(_zip(inner[:2])))
    # Inflated members: honest headers (refused by size) and lying ones (read bounded).
    gb = 1 << 30
    yield "extra-networks-of-zeros-1.3GB", _bomb_member(
        members + [("network_1.keras", b"")], "network_1.keras", b"", 1300 << 20, False)
    yield "network-inflated-3.9GB", _bomb_member(members, "network_0.keras",
                                                 files["network_0.keras"], 3900 << 20, False)
    yield "network-inflated-behind-small-header", _bomb_member(
        members, "network_0.keras", files["network_0.keras"], 3900 << 20, True)
    yield "manifest-inflated-behind-small-header", _bomb_member(
        members, "manifest.json", files["manifest.json"], 2 * gb, True)
    weights = dict(inner)["model.weights.h5"]
    for declare_small in (False, True):
        network = _bomb_member(inner, "model.weights.h5", weights, 3900 << 20, declare_small)
        yield f"resealed-weights-padded-3.9GB-small-header={declare_small}", _zip(with_network(network))
    # Edited manifest values.
    edits = {
        "long-int": lambda m: clf(m)["params"].update(random_state=10**30),
        "huge-float-int": lambda m: clf(m)["params"].update(epochs=1e300),
        "string-epochs": lambda m: clf(m)["params"].update(epochs="one"),
        "nan-learning-rate": lambda m: clf(m)["params"].update(learning_rate=float("nan")),
        "architecture-unknown": lambda m: clf(m)["params"].update(architecture="os.system"),
        "callbacks": lambda m: clf(m)["params"].update(callbacks=[1]),
        "callbacks-dict": lambda m: clf(m)["params"].update(callbacks={"a": "b"}),
        "n_jobs": lambda m: pre(m)["params"].update(n_jobs=32),
        "output_size": lambda m: pre(m)["params"].update(output_size=20000),
        "max_pixels-none": lambda m: pre(m)["params"].update(max_pixels=None),
        "max_pixels-huge": lambda m: pre(m)["params"].update(max_pixels=10**18),
        "label-dtype-huge": lambda m: clf(m)["state"]["classes"].update(dtype="<U99999999"),
        "label-dtype-object-void": lambda m: clf(m)["state"]["classes"].update(dtype="V99999999"),
        "label-dtype-float128": lambda m: clf(m)["state"]["classes"].update(dtype="<f16"),
        "label-values-dict": lambda m: clf(m)["state"]["classes"].update(values={"a": 1}),
        "label-values-many": lambda m: clf(m)["state"]["classes"].update(values=list(range(10**5))),
        "label-long-string": lambda m: clf(m)["state"]["classes"].update(
            dtype="<U20", values=["x" * 10**5] * 10),
        "y-dtype-huge": lambda m: clf(m)["state"].update(y_dtype="<U99999999"),
        "history-list": lambda m: clf(m)["state"].update(history=[1, 2]),
        "n-features": lambda m: clf(m)["state"].update(n_features_in=10**6),
        "n-parameters-small": lambda m: clf(m)["state"].update(n_parameters=1),
        "n-parameters-huge": lambda m: clf(m)["state"].update(n_parameters=10**15),
        "n-parameters-string": lambda m: clf(m)["state"].update(n_parameters="many"),
        "class-not-allowed": lambda m: pre(m).update({"class": "builtins.eval"}),
        "steps-not-list": lambda m: m["estimator"].update(steps={"a": 1}),
        "format-version-bool": lambda m: m.update(format_version=True),
        "estimator-null": lambda m: m.update(estimator=None),
        "attribute-dunder": lambda m: pre(m)["attributes"].update({"__class__": 1}),
    }
    for name, edit in edits.items():
        yield f"json-{name}", with_manifest(edit)
    raw = files["manifest.json"]
    for name, text in {
        "not-utf8": b"\xff\xfe" + raw, "empty": b"", "deep": b"[" * 50000 + b"]" * 50000,
        "huge-int-literal": raw.replace(b'"random_state": 0', b'"random_state": ' + b"7" * 5000),
        "duplicate-key": raw.replace(b'"epochs": 1', b'"epochs": 1, "epochs": 2'),
    }.items():
        yield f"json-{name}", _zip([(n, text if n == "manifest.json" else c) for n, c in members])
    # Edited network configurations (the manifest's SHA-256 fixed, so they are read).
    yield "resealed-config-huge-dense", with_config(wider(10**6))
    yield "resealed-config-larger-dense", with_config(wider(5000))
    yield "resealed-config-lambda", with_config(lambda c: c["config"]["layers"].insert(1, {
        "module": "keras.layers", "class_name": "Lambda", "registered_name": None,
        "config": {"name": "evil", "function": "print"}}))
    yield "resealed-config-float64", with_config(lambda c: dense(c)["config"].update(dtype="float64"))
    yield "resealed-config-not-a-model", with_config(lambda c: c.update(class_name="Dense"))
    yield "resealed-config-list", with_config(lambda c: c.clear())
    # Byte flips inside the weights (SHA-256 fixed, so HDF5 and Keras read them).
    for k in range(4):
        at = rng.randrange(len(weights))
        flipped = weights[:at] + bytes([weights[at] ^ 0xFF]) + weights[at + 1:]
        network = _zip([(n, flipped if n == "model.weights.h5" else d) for n, d in inner])
        yield f"resealed-weights-flip-{at}", _zip(with_network(network))


def _child(folder):
    import resource
    import warnings

    import numpy as np
    from sklearn.pipeline import make_pipeline

    from skdigits import DigitCNNClassifier, DigitImagePreprocessor, load_mnist
    from skdigits.persistence import SafeFormatError, load_safe, save_safe

    warnings.simplefilter("ignore")
    (X, y), (X_test, _) = load_mnist(download_if_missing=False)
    pipe = make_pipeline(
        DigitImagePreprocessor(),
        DigitCNNClassifier("simple", epochs=1, batch_size=64, random_state=0),
    ).fit(X[:600], y[:600])
    good_path = save_safe(pipe, folder / "good.skdigits")
    reference = pipe.predict_proba(X_test[:64])
    before = _vm_bytes()
    np.testing.assert_array_equal(load_safe(good_path).predict_proba(X_test[:64]), reference)
    normal_load = _vm_bytes() - before
    cap = _vm_bytes() + HEADROOM_BYTES
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    good = good_path.read_bytes()
    path = folder / "mutated.skdigits"
    count = 0
    for name, data in _mutations(good):
        path.write_bytes(data)
        del data
        start = time.monotonic()
        try:
            loaded = load_safe(path)
            same = np.array_equal(loaded.predict_proba(X_test[:64]), reference)
            outcome, detail = ("identical" if same else "different predictions"), ""
            if loaded.predict_proba(X_test[:64]).shape != reference.shape:
                outcome = "broken model"
        except SafeFormatError as exc:
            caused_by_memory = any(
                isinstance(e, MemoryError) for e in (exc.__cause__, exc.__context__))
            outcome = "SafeFormatError" if not caused_by_memory else "out of memory"
            detail = str(exc)[-160:]
        except BaseException as exc:  # noqa: BLE001 - reported, not hidden
            outcome, detail = type(exc).__name__, str(exc)[:300]
        seconds = time.monotonic() - start
        print(json.dumps({"case": name, "outcome": outcome, "seconds": round(seconds, 2),
                          "size": path.stat().st_size, "detail": detail}), flush=True)
        count += 1
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"summary": f"{count} cases; address space capped at {cap >> 20} MB "
                                 f"(a normal load added {normal_load >> 20} MB); peak RSS "
                                 f"{peak >> 20} MB"}), flush=True)


if __name__ == "__main__":
    _child(Path(sys.argv[1]))
