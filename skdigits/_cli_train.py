"""``skdigits train``: fit the pipeline on MNIST, report each epoch, save it, draw figures.

Private to the command line (:mod:`skdigits.cli`).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from skdigits._cli_common import (
    DEFAULT_OUTPUT,
    DEFAULT_TRAIN,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    PICKLE_SUFFIXES,
    SIGINT,
    CommandError,
    duration,
    import_tensorflow,
    interrupted,
    load_mnist_or_fail,
    plots_available,
    save_confusion,
    sibling,
)
from skdigits.inference import SAFE_SUFFIX

# Training digits held back (never trained on) to measure the accuracy after each
# epoch; at most a tenth of the training digits.
HELD_BACK = 2000


def _progress_callback(out, epochs, classifier, X_held, y_held):
    """A Keras callback printing one line per epoch (and a live line on a terminal).

    The accuracy after each epoch is measured with the classifier's own ``predict``
    on the held-back training digits ``X_held`` (already preprocessed).
    """
    import keras
    import numpy as np

    live = hasattr(out, "isatty") and out.isatty()
    what = f"accuracy on {len(y_held):,} held-back training digits"

    class EpochProgress(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.held_back_accuracy = []
            self._last = 0.0

        def __reduce__(self):
            # Saved with the model (scikeras keeps its callbacks), but only useful while
            # training here: it pickles as a plain, inert Keras callback.
            return (keras.callbacks.Callback, ())

        # Keras calls these from its Python loop: a safe point to stop at Ctrl-C.
        def on_train_begin(self, logs=None):
            SIGINT.check()

        def on_epoch_begin(self, epoch, logs=None):
            SIGINT.check()
            self._epoch = epoch
            self._start = time.monotonic()

        def on_train_batch_end(self, batch, logs=None):
            SIGINT.check()
            if not live:
                return
            now = time.monotonic()
            if now - self._last < 0.25:
                return
            self._last = now
            steps = (self.params or {}).get("steps") or 0
            done = (batch + 1) / steps if steps else 0.0
            bar = "#" * int(20 * done)
            loss = (logs or {}).get("loss")
            loss_text = f"  loss {float(loss):.4f}" if loss is not None else ""
            out.write(f"\r  epoch {self._epoch + 1}/{epochs}  [{bar:<20}] {done:4.0%}{loss_text}   ")
            out.flush()

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            parts = []
            if "loss" in logs:
                parts.append(f"training loss {float(logs['loss']):.4f}")
            if len(y_held):
                accuracy = float(np.mean(classifier.predict(X_held) == y_held))
                self.held_back_accuracy.append(accuracy)
                parts.append(f"{what} {accuracy:.2%}")
            line = f"epoch {epoch + 1}/{epochs}: " + ", ".join(parts)
            line += f" ({duration(time.monotonic() - self._start)})"
            out.write(("\r" if live else "") + "  " + line + (" " * 8 if live else "") + "\n")
            out.flush()

    return EpochProgress()


def _check_output(path):
    """Fail early (before minutes of training) if ``path`` cannot be written."""
    path = Path(path)
    if path.is_dir():
        raise CommandError(
            f"--output {path} is a directory; give a file name such as {path / DEFAULT_OUTPUT}."
        )
    if not path.name.endswith((SAFE_SUFFIX, *PICKLE_SUFFIXES)):
        raise CommandError(
            f"--output {path}: name the file *{SAFE_SUFFIX} (the safe format) or *.joblib "
            "(joblib/pickle, which runs code when loaded).", EXIT_USAGE,
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"cannot create the folder {path.parent}: {exc.strerror or exc}.") from None
    if not os.access(path.parent, os.W_OK):
        raise CommandError(f"cannot write to the folder {path.parent} (permission denied).")


def run_train(args, out, err):
    """The ``train`` command; returns the exit status."""
    architecture = args.architecture or DEFAULT_TRAIN["architecture"]
    epochs = args.epochs or DEFAULT_TRAIN["epochs"]
    output = Path(args.output)
    _check_output(output)
    saved = []  # the model file, once written
    try:
        print("Loading TensorFlow and MNIST ...", file=out, flush=True)
        import_tensorflow(args.debug)
        from skdigits.architectures import ARCHITECTURES

        if architecture not in ARCHITECTURES:
            raise CommandError(
                f"unknown architecture {architecture!r}; choose one of: {', '.join(ARCHITECTURES)}.",
                EXIT_USAGE,
            )
        _train(args, architecture, epochs, output, out, err, saved)
    except CommandError:
        raise
    except BaseException as exc:
        if not interrupted(exc):
            raise
        if hasattr(out, "isatty") and out.isatty():
            out.write("\n")  # end the live progress line
            out.flush()
        if saved:
            raise CommandError(f"interrupted; the model was saved to {output}, some figures were not.",
                               EXIT_INTERRUPTED) from None
        raise CommandError("interrupted: training stopped, no model was written.",
                           EXIT_INTERRUPTED) from None
    return 0


def _train(args, architecture, epochs, output, out, err, saved):
    started = time.monotonic()
    import numpy as np
    from sklearn.pipeline import make_pipeline

    from skdigits.classifier import DigitCNNClassifier
    from skdigits.persistence import dump, save_safe
    from skdigits.preprocessing import DigitImagePreprocessor

    (X_train, y_train), (X_test, y_test) = load_mnist_or_fail()
    if args.limit is not None:
        X_train, y_train = X_train[: args.limit], y_train[: args.limit]
    # Hold back a fixed random sample of the training digits to monitor each epoch:
    # never trained on, and not the test set (only shown, never used to choose anything).
    order = np.random.RandomState(0).permutation(len(X_train))
    held = np.sort(order[: min(HELD_BACK, len(X_train) // 10)])
    kept = np.sort(order[len(held):])
    X_held, y_held = X_train[held], y_train[held]
    X_train, y_train = X_train[kept], y_train[kept]
    if len(np.unique(y_train)) < 2:
        raise CommandError(f"--limit {args.limit} leaves fewer than two digit classes to learn.")

    preprocessor = DigitImagePreprocessor()
    classifier = DigitCNNClassifier(architecture=architecture, epochs=epochs,
                                    random_state=args.random_state)
    progress = _progress_callback(out, epochs, classifier, preprocessor.fit_transform(X_held), y_held)
    classifier.set_params(callbacks=[progress])
    pipe = make_pipeline(preprocessor, classifier)
    print(
        f"Training the {architecture!r} network for {epochs} epoch{'s' * (epochs != 1)} on "
        f"{len(X_train):,} MNIST training digits ({len(held):,} more held back to measure "
        "each epoch; Ctrl-C to stop) ...",
        file=out, flush=True,
    )
    fit_start = time.monotonic()
    with SIGINT.deferred():  # Ctrl-C stops the fit between two batches
        pipe.fit(X_train, y_train)
        fit_time = time.monotonic() - fit_start
        # The progress callback has done its job; it is not part of the saved model.
        classifier.set_params(callbacks=None)
        y_pred = pipe.predict(X_test)
    accuracy = float(np.mean(y_pred == y_test))
    print(f"Test accuracy on the {len(y_test):,} MNIST test digits: {accuracy:.2%}", file=out)
    print(f"Training took {duration(fit_time)} ({duration(time.monotonic() - started)} in total)",
          file=out, flush=True)
    if output.name.endswith(SAFE_SUFFIX):
        save_safe(pipe, output)
        saved.append(output)
        print(f"Model saved to {output}", file=out, flush=True)
    else:
        dump(pipe, output)
        saved.append(output)
        print(f"Model saved to {output} (joblib/pickle: load it with --allow-pickle)",
              file=out, flush=True)

    if plots_available(err):
        from skdigits import _plots

        confusion = save_confusion(
            y_test, y_pred, sibling(output, "_confusion.png"),
            title=f"{architecture}, {epochs} epochs: test accuracy {accuracy:.2%}",
        )
        print(f"Confusion matrix saved to {confusion}", file=out)
        history = dict(classifier.history_, val_accuracy=progress.held_back_accuracy)
        fig = _plots.training_curves_figure(
            history,
            title=f"Training the {architecture!r} network on {len(X_train):,} digits "
                  f"(validation: {len(held):,} held-back training digits)",
        )
        curves = _plots.save_figure(fig, sibling(output, "_training.png"))
        print(f"Training curves saved to {curves}", file=out, flush=True)
