"""The ``skdigits`` command line: train, predict, evaluate and draw.

::

    skdigits predict [--model PATH] IMAGE... [--json] [--n-jobs N]
    skdigits draw [--model PATH]
    skdigits evaluate [--model PATH] [--images DIR] [--n-jobs N]
    skdigits train [--architecture NAME] [--epochs N] [--output model.skdigits] [--limit N]

Also available as ``python -m skdigits``. Without ``--model``, ``predict``, ``evaluate``
and ``draw`` use the pretrained model shipped with skdigits
(:func:`skdigits.pretrained.load_pretrained`). The older form ``skdigits predict MODEL
IMAGE...`` still works, with a note on stderr.

This module parses the arguments, calls the library (:mod:`skdigits.inference`), prints,
and maps exceptions to exit codes: 0 on success, 1 on an error (missing or corrupt
model, no data, an image that could not be recognised), 2 on a usage error, 130 when
interrupted with Ctrl-C. Errors are one line on stderr; ``--debug`` (or
``SKDIGITS_DEBUG=1``) shows tracebacks and TensorFlow's log messages. TensorFlow takes
seconds to import, so it is imported inside the commands: ``skdigits --help`` stays fast.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from skdigits._cli_common import (
    DEFAULT_TRAIN,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    PICKLE_SUFFIXES,
    SIGINT,
    CommandError,
    import_tensorflow,
    load_mnist_or_fail,
    one_line,
    plots_available,
    quiet_stderr,
    quiet_tensorflow,
    save_confusion,
    sibling,
)
from skdigits._cli_parser import build_parser
from skdigits._cli_train import run_train

__all__ = ["main", "build_parser", "CommandError", "DEFAULT_TRAIN"]

# Files taken from an ``evaluate --images`` folder.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm", ".ppm")
# A first positional argument with one of these suffixes is a model (the older form).
MODEL_SUFFIXES = (".skdigits", *PICKLE_SUFFIXES)


# --------------------------------------------------------------------------- #
# The model of predict, evaluate and draw
# --------------------------------------------------------------------------- #
def _model_path(args, err):
    """``--model``, or the older positional MODEL (with a note); None: the pretrained one."""
    legacy = getattr(args, "legacy_model", None)
    if args.command == "predict" and args.model is None and len(args.images) >= 1 \
            and args.images[0].lower().endswith(MODEL_SUFFIXES):
        if len(args.images) == 1:
            raise CommandError(f"no image to recognise; type: skdigits predict --model "
                               f"{args.images[0]} IMAGE...", EXIT_USAGE)
        legacy = args.images.pop(0)
    if legacy is None:
        return None if args.model is None else Path(args.model)
    if args.model is not None:
        raise CommandError(f"two models given ({legacy} and --model {args.model}); give one.",
                           EXIT_USAGE)
    print(f"skdigits {args.command}: note: {legacy} is read as --model {legacy} (the older "
          f"form; type: skdigits {args.command} --model {legacy} ...)", file=err, flush=True)
    return Path(legacy)


def _load(args, err):
    """``(model, path or None)`` for predict, evaluate and draw."""
    path = _model_path(args, err)
    if path is not None and not path.exists():
        # Before importing TensorFlow: a typo is reported at once.
        raise CommandError(f"no model file at {path}; train one with: skdigits train --output {path}")
    import_tensorflow(args.debug)
    from skdigits import pretrained
    from skdigits.inference import load_model

    try:
        if path is None:
            return pretrained.load_pretrained(), None
        return load_model(path, allow_pickle=args.allow_pickle), path
    except FileNotFoundError as exc:
        if path is None:
            raise CommandError(f"{exc} Reinstall skdigits, or give your own model with --model "
                               "PATH.") from exc
        raise CommandError(f"no model file at {path}; train one with: skdigits train "
                           f"--output {path}") from exc
    except (ImportError, AttributeError, TypeError) as exc:
        raise CommandError(
            f"could not load the model in {path} ({type(exc).__name__}: {one_line(exc)}); it "
            "may have been saved by an incompatible version."
        ) from exc
    except (ValueError, OSError) as exc:
        raise CommandError(one_line(exc)) from exc


def _predictor(model, **kwargs):
    from skdigits.inference import ImagePredictor

    return ImagePredictor(model, **kwargs)


# --------------------------------------------------------------------------- #
# predict
# --------------------------------------------------------------------------- #
def _cmd_predict(args, out, err):
    from skdigits.inference import format_top, plain_label

    model, _ = _load(args, err)
    results = _predictor(model, top=args.top, n_jobs=args.n_jobs).predict(args.images)
    failed = [r for r in results if not r.ok]
    if args.json:
        json.dump([r.to_dict() for r in results], out, indent=2)
        out.write("\n")
    else:
        width = max(len(r.source) for r in results)
        for r in results:
            if r.ok:
                print(f"{r.source:<{width}}  {plain_label(r.label)}  {r.confidence:6.1%}   "
                      f"top-{len(r.top)}: {format_top(r.top, width=5)}", file=out, flush=True)
            else:
                print(f"skdigits predict: {r.source}: {one_line(r.error)}", file=err, flush=True)
    if failed:
        print(f"skdigits predict: {len(failed)} of {len(results)} image(s) could not be recognised.",
              file=err)
        return EXIT_ERROR
    return 0


# --------------------------------------------------------------------------- #
# evaluate
# --------------------------------------------------------------------------- #
def _labelled_images(folder):
    """``[(path, label), ...]`` for ``folder/<label>/<image>``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CommandError(f"--images {folder}: no such folder.")
    pairs = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        for path in sorted(sub.iterdir()):
            if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES:
                pairs.append((path, sub.name))
    if not pairs:
        raise CommandError(
            f"no labelled images in {folder}: expected one sub-folder per label holding image "
            f"files, e.g. {folder / '7' / 'seven.png'}."
        )
    return pairs


def _cmd_evaluate(args, out, err):
    import numpy as np
    from sklearn.metrics import classification_report

    from skdigits.inference import plain_label

    model, path = _load(args, err)
    if args.images is None:
        (_, _), (X_test, y_test) = load_mnist_or_fail()
        if args.limit is not None:
            X_test, y_test = X_test[: args.limit], y_test[: args.limit]
        proba = model.predict_proba(X_test)
        y_pred = np.asarray(model.classes_)[np.argmax(proba, axis=1)]
        confidence = proba.max(axis=1)
        y_true = y_test
        images = X_test
        what = f"{len(y_true):,} MNIST test digits"
    else:
        pairs = _labelled_images(args.images)
        if args.limit is not None:
            pairs = pairs[: args.limit]
        results = _predictor(model, n_jobs=args.n_jobs).predict([p for p, _ in pairs])
        kept = []
        for (image, label), r in zip(pairs, results):
            if r.ok:
                kept.append((label, r))
            else:
                print(f"skdigits evaluate: {image}: {one_line(r.error)} (left out)", file=err)
        if not kept:
            raise CommandError(f"none of the {len(pairs)} images in {args.images} could be recognised.")
        # Labels are folder names: compare as text, so "7" matches the class 7.
        y_true = np.asarray([label for label, _ in kept])
        y_pred = np.asarray([str(plain_label(r.label)) for _, r in kept])
        confidence = np.asarray([r.confidence for _, r in kept])
        images = np.stack([
            r.digit_image if r.digit_image is not None else np.zeros((28, 28)) for _, r in kept
        ])
        left_out = len(pairs) - len(kept)
        what = f"{len(kept):,} images in {args.images}" + (
            f" ({left_out} unreadable or blank image(s) left out)" if left_out else ""
        )
    accuracy = float(np.mean(y_true == y_pred))
    print(f"Accuracy: {accuracy:.2%} on {what}", file=out)
    print(file=out)
    print(classification_report(y_true, y_pred, digits=3, zero_division=0), file=out)
    if not args.no_plots and plots_available(err):
        from skdigits import _plots

        base = path if path is not None else Path("pretrained.skdigits")
        confusion = Path(args.confusion) if args.confusion else sibling(base, "_eval_confusion.png")
        save_confusion(y_true, y_pred, confusion)
        print(f"Confusion matrix saved to {confusion}", file=out)
        errors = Path(args.errors) if args.errors else sibling(base, "_eval_errors.png")
        fig = _plots.misclassified_figure(images, y_true, y_pred, proba=confidence)
        _plots.save_figure(fig, errors)
        print(f"Misclassified digits saved to {errors}", file=out)
    out.flush()
    return 0


# --------------------------------------------------------------------------- #
# draw
# --------------------------------------------------------------------------- #
def _cmd_draw(args, out, err):
    model, _ = _load(args, err)
    from skdigits import gui

    try:
        return gui.run(model, size=args.size, brush=args.brush, out=out)
    except gui.WindowError as exc:
        raise CommandError(str(exc)) from None


# --------------------------------------------------------------------------- #
# Entry point
# --------------------------------------------------------------------------- #
_COMMANDS = {
    "train": run_train,
    "predict": _cmd_predict,
    "evaluate": _cmd_evaluate,
    "draw": _cmd_draw,
}


def main(argv=None):
    """Run the ``skdigits`` command line.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; ``None`` reads ``sys.argv[1:]``.

    Returns
    -------
    status : int
        Exit status: 0 success, 1 error, 2 usage error, 130 interrupted. After a
        Ctrl-C from the terminal (a real SIGINT) the process exits at once with 130.
    """
    out = sys.stdout
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    args.debug = args.debug or os.environ.get("SKDIGITS_DEBUG", "") not in ("", "0")
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    quiet = not args.debug and quiet_tensorflow()
    with SIGINT.watch(), quiet_stderr(quiet) as err:
        status = _run(args, out, err)
    if SIGINT.seen and status == EXIT_INTERRUPTED:
        # Ctrl-C from the terminal: leave at once. After an interrupted import or
        # trace, TensorFlow's teardown takes seconds and may print to stderr again.
        out.flush()
        sys.stderr.flush()
        os._exit(status)
    return status


def _run(args, out, err):
    prefix = f"skdigits {args.command}: error:"

    def fail(message, status):
        print(f"{prefix} {message}", file=err, flush=True)
        SIGINT.reported = True
        return status

    try:
        return _COMMANDS[args.command](args, out, err)
    except CommandError as exc:
        if args.debug:
            raise
        return fail(one_line(exc), exc.status)
    except KeyboardInterrupt:
        if args.debug:
            raise
        return fail("interrupted.", EXIT_INTERRUPTED)
    except BrokenPipeError:
        # e.g. `skdigits predict ... | head -1`: stop quietly, like other Unix tools.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return EXIT_ERROR
    except Exception as exc:  # anything unexpected: one line, traceback with --debug
        if args.debug:
            raise
        if SIGINT.seen:  # TensorFlow turned the KeyboardInterrupt into something else
            return fail("interrupted.", EXIT_INTERRUPTED)
        text = str(exc).split("\n")[0]
        return fail(f"{type(exc).__name__}: {text} (run with --debug for the traceback)", EXIT_ERROR)
