"""Checks of a network (a Keras ``.keras`` archive) before Keras may load it.

A network member must be a zip of exactly ``config.json``, ``metadata.json`` and
``model.weights.h5``. Before Keras sees any of it:

- each member is read in a bounded stream (its declared size checked first, and the
  read stopped at the limit, since a zip header can lie);
- the configuration must name only Keras' built-in, code-free objects, and the
  network it describes is built without allocating its weights (Keras'
  ``StatelessScope``) to count them: at most ``MAX_NETWORK_PARAMETERS``, the number
  the manifest declares, taking 28x28x1 digits to one probability per class;
- ``model.weights.h5`` may hold no more than those weights and the optimizer's
  variables need (plus HDF5 bookkeeping), and only plain numeric datasets, no
  links to other files;
- Keras then loads a fresh archive made of the checked bytes, in ``safe_mode``.
"""

from __future__ import annotations

import io
import zipfile
import zlib

import numpy as np

from skdigits.persistence._format import (
    H5_OVERHEAD_BYTES,
    H5_OVERHEAD_PER_VARIABLE,
    MAX_NETWORK_CONFIG_BYTES,
    MAX_NETWORK_METADATA_BYTES,
    MAX_NETWORK_PARAMETERS,
    MAX_OPTIMIZER_SLOTS,
    SafeFormatError,
    error_name,
    fail,
    parse_json,
)

KERAS_MEMBERS = ("config.json", "metadata.json", "model.weights.h5")
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
# Keras layers that hold Python code, refused in a network configuration even though
# Keras' safe mode refuses them too.
_CODE_LAYERS = {"Lambda", "TFSMLayer", "TorchModuleWrapper", "JaxLayer", "FlaxLayer"}
_CHUNK = 1 << 20
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError,
               ValueError, NotImplementedError, RuntimeError, KeyError, IndexError,
               OverflowError, MemoryError)


def weights_limit(n_parameters, itemsize, n_variables):
    """Largest ``model.weights.h5`` accepted for a network of ``n_parameters`` weights.

    Room for the weights and up to ``MAX_OPTIMIZER_SLOTS`` optimizer variables per
    weight, each of ``itemsize`` bytes, plus HDF5 bookkeeping.
    """
    slots = 1 + MAX_OPTIMIZER_SLOTS
    return (slots * itemsize * n_parameters + H5_OVERHEAD_BYTES
            + H5_OVERHEAD_PER_VARIABLE * (slots * n_variables + 8))


def network_member_limit(n_parameters):
    """Largest ``network_<i>.keras`` member accepted for ``n_parameters`` weights.

    Known before the network's configuration is read, so it assumes 8-byte values
    and another megabyte of HDF5 bookkeeping for the variables.
    """
    return (weights_limit(n_parameters, 8, 0) + H5_OVERHEAD_BYTES
            + MAX_NETWORK_CONFIG_BYTES + MAX_NETWORK_METADATA_BYTES)


def read_member(path, zf, info, limit, what=None):
    """The bytes of zip member ``info``, read in a stream that stops at ``limit``."""
    what = what or repr(info.filename)
    if info.file_size > limit:
        fail(path, f"member {what} declares {info.file_size} bytes, more than the "
                   f"{limit} allowed.")
    if info.flag_bits & 0x1:
        fail(path, f"member {what} is encrypted.")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        fail(path, f"member {what} uses an unexpected compression.")
    chunks, size = [], 0
    try:
        with zf.open(info) as fh:  # checks the CRC at the end of the member
            while size <= limit:
                chunk = fh.read(min(_CHUNK, limit + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
    except _ZIP_ERRORS as exc:
        fail(path, f"member {what} is truncated or corrupt ({error_name(exc)}: "
                   f"{str(exc)[:200]}).")
    if size > limit or size != info.file_size:
        fail(path, f"member {what} is not the {info.file_size} bytes it declares.")
    return b"".join(chunks)


def check_network_config(path, member, config):
    """Every object in a Keras configuration must be a built-in, code-free Keras one."""
    stack = [config]
    while stack:
        obj = stack.pop()
        if isinstance(obj, dict):
            if "class_name" in obj:
                cls, module = obj.get("class_name"), obj.get("module")
                registered = obj.get("registered_name")
                if not isinstance(cls, str) or cls in _CODE_LAYERS:
                    fail(path, f"{member}: the network contains a {cls!r} object (code).")
                if module is not None and not (
                    isinstance(module, str) and (module == "keras" or module.startswith("keras."))
                ):
                    fail(path, f"{member}: the network refers to module {module!r}; only "
                               "Keras' built-in objects are allowed.")
                if registered not in (None, cls):
                    fail(path, f"{member}: the network refers to the custom object "
                               f"{registered!r}; only Keras' built-in objects are allowed.")
            stack.extend(obj.values())
        elif isinstance(obj, list):
            stack.extend(obj)


def _shape(tensors):
    try:
        return tuple(tensors[0].shape[1:]) if len(tensors) == 1 else None
    except (AttributeError, IndexError, TypeError):
        return None


def _describe_without_weights(path, member, config):
    """Build the network from ``config`` without allocating its weights.

    Returns ``(n_parameters, n_variables, itemsize, input shape, output shape)``.
    """
    import keras
    from keras.src.backend.common import global_state  # Keras' deferred variables

    key = "uninitialized_variables"
    pending = list(global_state.get_global_attribute(key, [], set_to_default=True))
    try:
        with keras.StatelessScope(initialize_variables=False):
            # Without compile_config: the optimizer's variables cannot be deferred.
            if not isinstance(config, dict):
                fail(path, f"{member}: the configuration is not a JSON object.")
            architecture = {k: v for k, v in config.items() if k != "compile_config"}
            model = keras.saving.deserialize_keras_object(architecture, safe_mode=True)
            if not isinstance(model, keras.Model):
                fail(path, f"{member}: the configuration is not a Keras model.")
            variables = list(model.weights)
            n_parameters = sum(int(np.prod(v.shape, dtype=np.int64)) for v in variables)
            itemsize = max((np.dtype(v.dtype).itemsize for v in variables), default=4)
            shapes = _shape(model.inputs), _shape(model.outputs)
    except SafeFormatError:
        raise
    except Exception as exc:  # noqa: BLE001 - any Keras error: the file is wrong
        fail(path, f"Keras could not build the network of {member} "
                   f"({error_name(exc)}: {str(exc)[:300]}).")
    finally:
        # Forget the weights that were never allocated (else a later StatelessScope
        # would allocate them).
        global_state.set_global_attribute(key, pending)
    return n_parameters, len(variables), itemsize, *shapes


def _check_weights_file(path, member, data, max_data_bytes, max_datasets):
    """``model.weights.h5`` holds only numeric datasets, in all at most ``max_data_bytes``."""
    import h5py

    if not data.startswith(_HDF5_SIGNATURE):
        fail(path, f"{member}: model.weights.h5 is not an HDF5 file.")
    total, count = 0, 0
    try:
        with h5py.File(io.BytesIO(data), "r") as h5:
            stack = [h5]
            while stack:
                group = stack.pop()
                for name in group:
                    link = group.get(name, getlink=True)
                    if not isinstance(link, h5py.HardLink):
                        fail(path, f"{member}: model.weights.h5 holds a link "
                                   f"({type(link).__name__}) {name!r}.")
                    obj = group[name]
                    if isinstance(obj, h5py.Group):
                        stack.append(obj)
                        continue
                    count += 1
                    if (not isinstance(obj, h5py.Dataset) or obj.dtype.kind not in "biuf"
                            or obj.is_virtual or obj.external):
                        fail(path, f"{member}: model.weights.h5 holds {name!r}, which is "
                                   "not a plain numeric array.")
                    total += obj.dtype.itemsize * int(np.prod(obj.shape, dtype=np.float64))
                    if total > max_data_bytes or count > max_datasets:
                        fail(path, f"{member}: model.weights.h5 declares more data than "
                                   "the network and its optimizer need.")
    except SafeFormatError:
        raise
    except (OSError, ValueError, KeyError, TypeError, RuntimeError, OverflowError,
            MemoryError) as exc:
        fail(path, f"{member}: model.weights.h5 is not a valid HDF5 file "
                   f"({error_name(exc)}: {str(exc)[:200]}).")


def load_network(path, member, data, workdir, *, n_parameters, input_shape, n_outputs):
    """Check the ``.keras`` archive ``data`` and load it with Keras' safe mode.

    ``n_parameters`` is what the manifest declares (None for files written before it
    was recorded); the network must take ``input_shape`` to ``n_outputs`` values.
    """
    import keras

    try:
        inner = zipfile.ZipFile(io.BytesIO(data))
        infos = inner.infolist()
    except _ZIP_ERRORS as exc:
        fail(path, f"{member} is not a valid .keras archive ({error_name(exc)}).")
    names = [i.filename for i in infos]
    if sorted(names) != sorted(KERAS_MEMBERS):
        fail(path, f"{member} holds {sorted(names)[:10]}; expected exactly "
                   f"{sorted(KERAS_MEMBERS)}.")
    by_name = {i.filename: i for i in infos}
    config_bytes = read_member(path, inner, by_name["config.json"], MAX_NETWORK_CONFIG_BYTES,
                               f"{member}/config.json")
    metadata = read_member(path, inner, by_name["metadata.json"], MAX_NETWORK_METADATA_BYTES,
                           f"{member}/metadata.json")
    config = parse_json(path, f"{member}/config.json", config_bytes, max_depth=200)
    parse_json(path, f"{member}/metadata.json", metadata)
    check_network_config(path, member, config)

    count, n_variables, itemsize, in_shape, out_shape = _describe_without_weights(
        path, member, config)
    if count > MAX_NETWORK_PARAMETERS:
        fail(path, f"{member}: the network has {count} parameters, more than the "
                   f"{MAX_NETWORK_PARAMETERS} allowed.")
    if n_parameters is not None and count != n_parameters:
        fail(path, f"{member}: the network has {count} parameters; the manifest declares "
                   f"{n_parameters}.")
    if in_shape != tuple(input_shape) or out_shape != (n_outputs,):
        fail(path, f"{member}: the network maps {in_shape} to {out_shape}; expected "
                   f"{tuple(input_shape)} to ({n_outputs},) for {n_outputs} classes.")
    weights = read_member(path, inner, by_name["model.weights.h5"],
                          weights_limit(count, itemsize, n_variables),
                          f"{member}/model.weights.h5")
    _check_weights_file(path, member, weights,
                        (1 + MAX_OPTIMIZER_SLOTS) * itemsize * count + H5_OVERHEAD_BYTES,
                        (1 + MAX_OPTIMIZER_SLOTS) * n_variables + 8)

    # Keras reads a fresh archive holding exactly the checked bytes.
    file = workdir / member
    with zipfile.ZipFile(file, "w") as clean:
        for name, content in zip(KERAS_MEMBERS, (config_bytes, metadata, weights)):
            clean.writestr(name, content, compress_type=zipfile.ZIP_STORED)
    del weights
    try:
        model = keras.saving.load_model(file, compile=True, safe_mode=True)
    except Exception as exc:  # noqa: BLE001 - any Keras/h5py error: the file is wrong
        fail(path, f"Keras could not load {member} ({error_name(exc)}: "
                   f"{str(exc)[:300]}).")
    finally:
        file.unlink(missing_ok=True)
    if (_shape(model.inputs), _shape(model.outputs)) != (tuple(input_shape), (n_outputs,)):
        fail(path, f"{member}: the loaded network does not map {tuple(input_shape)} to "
                   f"({n_outputs},).")
    return model
