"""The ``skdigits`` argument parser (imports nothing heavy, so ``--help`` is fast).

Private to the command line (:mod:`skdigits.cli`, which re-exports :func:`build_parser`).
"""

from __future__ import annotations

import argparse

from skdigits._cli_common import DEFAULT_OUTPUT, DEFAULT_TRAIN

MODEL_HELP = ("your own model: a .skdigits file (safe format) saved by 'skdigits train', or "
              "with --allow-pickle a .joblib file [default: the pretrained model shipped with "
              "skdigits]")
ALLOW_PICKLE_HELP = ("allow loading a joblib/pickle model file (.joblib, .pkl): loading a pickle "
                     "runs code stored in the file, so only for files you made yourself or trust")
LEGACY_MODEL_HELP = "the older form of --model MODEL"
N_JOBS_HELP = ("worker processes that prepare the images (-1: one per processor); starting "
               "them costs ~2 s, so it pays off only for many hundreds of images [default: 1]")


def _int_arg(accept, wanted):
    """An argparse ``type``: an integer for which ``accept(value)``, else ``expected <wanted>``."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not accept(value):
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
        return value

    return parse


positive_int = _int_arg(lambda v: v >= 1, "a positive integer")
non_negative_int = _int_arg(lambda v: v >= 0, "an integer >= 0")
n_jobs = _int_arg(lambda v: v != 0, "a non-zero integer (-1: one job per processor)")


class _Formatter(argparse.HelpFormatter):
    """Wraps descriptions to the terminal; keeps the examples epilog as written."""

    def _fill_text(self, text, width, indent):
        if text.startswith("examples:"):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


class _VersionAction(argparse.Action):
    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from skdigits import __version__

        print(f"skdigits {__version__}")
        parser.exit()


def _examples(*lines):
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def _model_options(parser, legacy=True):
    parser.add_argument("--model", metavar="PATH", default=None, help=MODEL_HELP)
    parser.add_argument("--allow-pickle", action="store_true", help=ALLOW_PICKLE_HELP)
    if legacy:
        parser.add_argument("legacy_model", metavar="MODEL", nargs="?", default=None,
                            help=LEGACY_MODEL_HELP)


def build_parser():
    """The ``skdigits`` argument parser (no heavy imports).

    Returns
    -------
    parser : argparse.ArgumentParser
        Parser with the ``train``, ``predict``, ``evaluate`` and ``draw`` subcommands.
    """
    parser = argparse.ArgumentParser(
        prog="skdigits",
        description="Recognise handwritten digits with convolutional neural networks: "
                    "recognise image files or digits drawn with the mouse with the pretrained "
                    "model, or train your own model on MNIST and evaluate it.",
        epilog=_examples(
            "skdigits predict seven.png photo_of_a_3.jpg",
            "skdigits draw",
            "skdigits train --output digits.skdigits",
            "skdigits evaluate --model digits.skdigits --images my_digits/",
            "",
            "Run 'skdigits COMMAND --help' for the options of a command.",
        ),
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action=_VersionAction, help="show the version and exit")
    parser.add_argument("--debug", action="store_true",
                        help="show full tracebacks on errors, and TensorFlow's log messages "
                             "(also: SKDIGITS_DEBUG=1)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    d = DEFAULT_TRAIN
    train = commands.add_parser(
        "train", formatter_class=_Formatter,
        help="train a digit recognition pipeline on MNIST and save it",
        description="Train DigitImagePreprocessor + DigitCNNClassifier on the MNIST training "
                    "set (downloaded on first use; SKDIGITS_DATA points at an offline copy), "
                    "holding back 2,000 training digits to measure the accuracy after each "
                    "epoch; print the accuracy on the 10,000 MNIST test digits, and save the "
                    "pipeline in the safe format (loads without running code), or with joblib "
                    "for an OUTPUT ending in .joblib. Also writes OUTPUT_confusion.png "
                    "(confusion matrix) and OUTPUT_training.png (loss and accuracy per epoch) "
                    "next to the model. The model file is written atomically: an interrupted "
                    "run (Ctrl-C) leaves no model behind.",
        epilog="examples:\n" + "\n".join(f"  {command:<40} # {comment}" for command, comment in [
            ("skdigits train", f"{d['architecture']}, {d['epochs']} epochs -> {DEFAULT_OUTPUT}"),
            ("skdigits train --architecture classic", "another network"),
            ("skdigits train --limit 2000 --epochs 1", "a quick smoke test"),
            ("skdigits train --output digits.joblib", "joblib (pickle) instead"),
        ]),
    )
    train.add_argument("--architecture", metavar="NAME", default=None,
                       help=f"network to train: simple, classic, deep, ... (see README) "
                            f"[default: {d['architecture']}]")
    train.add_argument("--epochs", type=positive_int, metavar="N", default=None,
                       help=f"passes over the training data [default: {d['epochs']}]")
    train.add_argument("--output", "-o", metavar="PATH", default=DEFAULT_OUTPUT,
                       help=f"where to save the trained pipeline: NAME.skdigits (safe format) "
                            f"or NAME.joblib (pickle) [default: {DEFAULT_OUTPUT}]")
    train.add_argument("--limit", type=positive_int, metavar="N", default=None,
                       help="train on the first N training digits only (quick runs)")
    train.add_argument("--random-state", type=non_negative_int, metavar="N", default=None,
                       help="seed for repeatable training [default: not seeded]")

    predict = commands.add_parser(
        "predict", formatter_class=_Formatter,
        help="recognise the digit in image files",
        description="Recognise the digit in each image file (PNG, JPEG, ...: any size, dark "
                    "on light or light on dark, photos of paper) with the pretrained model, or "
                    "your own with --model. Prints one line per image: file, predicted digit, "
                    "confidence and the three most likely digits. A missing, unreadable or "
                    "blank image gets an error line on stderr and the others are still "
                    "recognised; the exit status is then 1.",
        epilog=_examples(
            "skdigits predict seven.png three.jpg",
            "skdigits predict --model digits.skdigits drawings/*.png --json > predictions.json",
        ),
    )
    _model_options(predict, legacy=False)
    predict.add_argument("images", metavar="IMAGE", nargs="+", help="image files to recognise")
    predict.add_argument("--json", action="store_true",
                         help="print a JSON list, one object per image: file, digit, confidence, "
                              "top3 (or file and error)")
    predict.add_argument("--top", type=positive_int, default=3, metavar="K",
                         help="number of most likely digits to list [default: 3]")
    predict.add_argument("--n-jobs", type=n_jobs, default=None, metavar="N", help=N_JOBS_HELP)

    evaluate = commands.add_parser(
        "evaluate", formatter_class=_Formatter,
        help="measure a model's accuracy on MNIST or a folder of labelled images",
        description="Print a model's accuracy and per-class precision/recall "
                    "(scikit-learn's classification_report) on the 10,000 MNIST test digits, "
                    "or on a folder of labelled images laid out as DIR/<label>/<image> (e.g. "
                    "DIR/7/seven.png). Also writes a confusion matrix and a grid of the "
                    "misclassified digits as PNG files (by default next to the model; for the "
                    "pretrained model, in the current folder).",
        epilog=_examples(
            "skdigits evaluate --images my_digits/",
            "skdigits evaluate --model digits.skdigits --confusion cm.png",
        ),
    )
    _model_options(evaluate)
    evaluate.add_argument("--images", metavar="DIR", default=None,
                          help="folder of labelled images, DIR/<label>/<image> "
                               "[default: the MNIST test set]")
    evaluate.add_argument("--limit", type=positive_int, metavar="N", default=None,
                          help="evaluate on the first N digits/images only")
    evaluate.add_argument("--confusion", metavar="PNG", default=None,
                          help="confusion matrix figure [default: MODEL_eval_confusion.png]")
    evaluate.add_argument("--errors", metavar="PNG", default=None,
                          help="misclassified digits figure [default: MODEL_eval_errors.png]")
    evaluate.add_argument("--n-jobs", type=n_jobs, default=None, metavar="N",
                          help=N_JOBS_HELP + " (only with --images)")
    evaluate.add_argument("--no-plots", action="store_true", help="write no figures")

    draw = commands.add_parser(
        "draw", formatter_class=_Formatter,
        help="draw digits with the mouse and recognise them",
        description="Open a window with a drawing canvas: draw a digit with the mouse "
                    "(left button), press Recognise (or Enter) to see the predicted digit, "
                    "its confidence, the three most likely digits and the 28x28 digit the "
                    "network saw; Clear (or Escape) to start again, Ctrl-Q to quit. Each "
                    "recognition result is also printed as one line on stdout. The image is "
                    "rendered from the recorded strokes, not grabbed from the screen. Needs "
                    "Tkinter and a display.",
        epilog=_examples("skdigits draw", "skdigits draw --model digits.skdigits --size 400"),
    )
    _model_options(draw)
    draw.add_argument("--size", type=positive_int, default=280, metavar="PX",
                      help="side of the square canvas in pixels [default: 280]")
    draw.add_argument("--brush", type=positive_int, default=None, metavar="PX",
                      help="brush diameter in pixels [default: SIZE / 14]")
    return parser
