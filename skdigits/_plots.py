"""Matplotlib figures for the command line and the examples.

Confusion matrix, training curves and a grid of misclassified digits. The figures are
built on :class:`matplotlib.figure.Figure` with the Agg canvas directly, never through
``pyplot``: nothing here touches the global backend or opens a window, so the functions
work headless, in threads and next to a Tk application. matplotlib is imported when a
figure is made, not when this module is imported.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = [
    "confusion_matrix_figure",
    "training_curves_figure",
    "misclassified_figure",
    "save_figure",
]


def _new_figure(figsize):
    """A Figure with an Agg canvas attached (no pyplot, no global state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig, path, *, dpi=100):
    """Write a figure to a PNG file atomically (temporary file, then rename).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to save.
    path : str or os.PathLike
        Destination ``.png`` file; parent folders are created.
    dpi : int, default=100
        Resolution.

    Returns
    -------
    path : pathlib.Path
        The written file.
    """
    from skdigits._atomic import atomic_write

    path = Path(path)
    with atomic_write(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi)
    return path


def confusion_matrix_figure(y_true, y_pred, *, labels=None, title=None):
    """Figure of the confusion matrix, counts in each cell, per-class recall on the side.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    labels : array-like, default=None
        Order of the classes; by default the sorted union of both label sets.
    title : str, default=None
        Figure title; by default the accuracy and the number of samples.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure (save it with :func:`save_figure`).
    """
    from sklearn.metrics import confusion_matrix

    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if labels is None:
        labels = np.unique(np.concatenate([y_true, y_pred]))
    labels = np.asarray(labels)
    cm = confusion_matrix(y_true, y_pred, labels=labels)
    n = len(y_true)
    accuracy = float(np.mean(y_true == y_pred)) if n else float("nan")
    if title is None:
        title = f"Confusion matrix: accuracy {accuracy:.2%} on {n:,} digits"

    k = len(labels)
    side = max(4.5, 0.55 * k + 2.0)
    fig = _new_figure((side + 0.8, side))
    ax = fig.add_subplot()
    # Colour by row share, so that the errors of rare classes stand out too.
    totals = cm.sum(axis=1, keepdims=True)
    share = np.divide(cm, totals, out=np.zeros(cm.shape, dtype=float), where=totals > 0)
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for i in range(k):
        for j in range(k):
            if cm[i, j]:
                ax.text(
                    j, i, f"{cm[i, j]:d}", ha="center", va="center", fontsize=8,
                    color="white" if share[i, j] > 0.5 else ("firebrick" if i != j else "black"),
                )
    names = [str(label) for label in labels]
    ax.set_xticks(range(k), names)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title(title, fontsize=10)
    bar = fig.colorbar(image, ax=ax, shrink=0.8)
    bar.set_label("share of the true digit's samples")
    return fig


def training_curves_figure(history, *, test_accuracy=None, title=None):
    """Figure of the loss and accuracy after each epoch.

    Parameters
    ----------
    history : dict of str to list of float
        Keras-style history: ``loss`` and ``accuracy`` (training), optionally
        ``val_loss`` and ``val_accuracy``. A fitted classifier's ``history_`` works.
    test_accuracy : list of float, default=None
        Accuracy on held-out test digits after each epoch (monitoring only).
    title : str, default=None
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure (save it with :func:`save_figure`).
    """
    history = {key: list(values) for key, values in dict(history).items()}
    fig = _new_figure((9, 3.8))
    ax_loss, ax_acc = fig.subplots(1, 2)

    def plot(ax, values, label, style):
        if values:
            epochs = np.arange(1, len(values) + 1)
            ax.plot(epochs, values, style, label=label)

    plot(ax_loss, history.get("loss"), "training", "o-")
    plot(ax_loss, history.get("val_loss"), "validation", "s--")
    plot(ax_acc, history.get("accuracy"), "training", "o-")
    plot(ax_acc, history.get("val_accuracy"), "validation", "s--")
    if test_accuracy:
        plot(ax_acc, list(test_accuracy), "test", "^-")
    for ax, name in ((ax_loss, "loss"), (ax_acc, "accuracy")):
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend()
        ax.xaxis.get_major_locator().set_params(integer=True)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def misclassified_figure(images, y_true, y_pred, *, proba=None, max_images=36, title=None):
    """Figure of a grid of misclassified digits, each labelled "true → predicted".

    Parameters
    ----------
    images : array-like of shape (n_samples, 28, 28) or (n_samples, 784)
        MNIST-like digits (white on black), e.g. the output of
        :class:`~skdigits.DigitImagePreprocessor` or MNIST itself.
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    proba : array-like of shape (n_samples,), default=None
        Confidence of each prediction, shown under the digit. Mistakes are shown
        most confident first when given.
    max_images : int, default=36
        Largest number of digits shown.
    title : str, default=None
        Figure title; by default how many digits are misclassified.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure (save it with :func:`save_figure`).
    """
    images = np.asarray(images, dtype=float)
    n = len(images)
    if images.ndim == 2:
        side = int(round(np.sqrt(images.shape[1])))
        images = images.reshape(n, side, side)
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    wrong = np.flatnonzero(y_true != y_pred)
    if proba is not None:
        proba = np.asarray(proba, dtype=float)
        wrong = wrong[np.argsort(-proba[wrong], kind="stable")]
    shown = wrong[:max_images]
    if title is None:
        title = f"{len(wrong):,} of {n:,} digits misclassified" + (
            f" (showing {len(shown)})" if len(shown) < len(wrong) else ""
        )
    cols = int(min(9, max(1, np.ceil(np.sqrt(max(len(shown), 1)) * 1.3))))
    rows = max(1, int(np.ceil(len(shown) / cols)))
    fig = _new_figure((1.25 * cols + 0.4, 1.45 * rows + 0.6))
    fig.suptitle(title, fontsize=10)
    if not len(shown):
        ax = fig.add_subplot()
        ax.text(0.5, 0.5, "no misclassified digits", ha="center", va="center")
        ax.set_axis_off()
        return fig
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for ax in axes:
        ax.set_axis_off()
    for ax, i in zip(axes, shown):
        image = np.nan_to_num(images[i])
        ax.imshow(image, cmap="gray", vmin=0, vmax=max(1.0, float(image.max())))
        label = f"{y_true[i]} → {y_pred[i]}"
        if proba is not None:
            label += f"\n{proba[i]:.0%}"
        ax.set_title(label, fontsize=8, color="firebrick")
    return fig

