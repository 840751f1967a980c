"""A program's flat rendering -- a drawing app's canvas, a screenshot -- and what
such a program draws around a digit, which is no ink.

* :func:`is_flat_render` -- whether an image's border is a flat rendering, not a
  photo's or a scan's;
* :func:`without_panels` -- a flat rendering without the flat panels along its
  edges (a drawing app's toolbar), filled with the canvas's level;
* :func:`without_checkerboard` -- a flat rendering without the checkerboard a
  viewer shows behind a transparent image.

The last two work on the gray levels, before any ink is looked for: a toolbar's
buttons are solid blocks beside the digit, a checkerboard's squares strokes to every
test.
"""

from __future__ import annotations

import numpy as np

from skdigits import _pixels


# A program's flat rendering: _FLAT_SHARE of the image's border, at least, on
# _FLAT_LEVELS exact levels or fewer (a canvas; a screenshot's canvas and panel).
# A photo's or a scan's border is noisy, its levels many.
_FLAT_LEVELS = 3
_FLAT_SHARE = 0.9
# A panel along an edge of a flat rendering (a toolbar, a status bar, a palette):
# its outer line on one level other than the canvas's (the image's commonest) for
# _PANEL_LEVEL of it at least -- not the ink's (within _PANEL_INK of the level
# farthest from the canvas's: a digit filling a blocky, enlarged scan is lines of
# ink) --, and the lines from there on which the canvas's level holds at most
# _PANEL_CANVAS of the pixels and the panel's level _PANEL_SHARE at least (buttons
# cover the rest), or which are one other level (a line along the panel's edge), up
# to a line that is canvas for _CANVAS_LINE of it at least: at least 2 lines deep,
# at most _PANEL_DEPTH of the image.
_PANEL_LEVEL = 0.8
_PANEL_INK = 0.1
_PANEL_CANVAS = 0.2
_PANEL_SHARE = 0.3
_CANVAS_LINE = 0.5
_PANEL_DEPTH = 0.25


def is_flat_render(image):
    """Whether the border of ``image`` is a program's flat rendering (see _FLAT_LEVELS)."""
    edge = _pixels.border(image)
    _, counts = np.unique(edge, return_counts=True)
    return bool(np.sort(counts)[::-1][:_FLAT_LEVELS].sum() >= _FLAT_SHARE * edge.size)


def _one_level(line, ink):
    """The level holding _PANEL_LEVEL of ``line`` at least, not the ink's; else None."""
    levels, counts = np.unique(line, return_counts=True)
    top = int(np.argmax(counts))
    if counts[top] < _PANEL_LEVEL * line.size or abs(float(levels[top]) - ink) < _PANEL_INK:
        return None
    return levels[top]


def _panel_depth(turned, canvas, ink):
    """Depth (lines) of the panel along the top of ``turned``, or 0 (see _PANEL_LEVEL)."""
    panel = _one_level(turned[0], ink)
    if panel is None or panel == canvas:
        return 0
    for i in range(1, int(_PANEL_DEPTH * turned.shape[0])):
        line = turned[i]
        if np.mean(line == canvas) >= _CANVAS_LINE:
            return i if i >= 2 else 0
        if np.mean(line == canvas) > _PANEL_CANVAS or (
                np.mean(line == panel) < _PANEL_SHARE and _one_level(line, ink) is None):
            return 0
    return 0


def without_panels(image):
    """``image`` with the flat panels along its edges (see _PANEL_LEVEL) filled with its
    canvas's level, if it is a flat rendering (:func:`is_flat_render`); else ``image``
    itself. A toolbar's buttons are solid blocks beside the digit, its edge a line
    along the canvas's: ink to every later step."""
    if not is_flat_render(image):
        return image
    levels, counts = np.unique(image, return_counts=True)
    canvas = levels[np.argmax(counts)]
    ink = float(levels[np.argmax(np.abs(levels - canvas))])
    depths = [_panel_depth(np.rot90(image, turn), canvas, ink) for turn in range(4)]
    if not any(depths):
        return image
    image = image.copy()
    for turn, depth in enumerate(depths):
        np.rot90(image, turn)[:depth] = canvas  # (a view: fills ``image``)
    return image


# A viewer's checkerboard behind a transparent image: the border of a flat
# rendering on two exact levels (its squares', each at least _SQUARES of it, the two
# together _BOARD), alternating along it at least _ALTERNATIONS times in runs of one
# length (the squares' side; on each level the commonest, _REGULAR of its runs at
# least, and the same on both, within a pixel: a binary digit touching the border
# cuts it at random, a grid's lines are thinner than its cells), and _INK of the image
# at least beyond both levels (the digit, darker or lighter than every square). Every
# pixel between the two levels -- a square's, or the blend of two where the image
# was reduced across their edge -- is set to their middle: the digit keeps its
# pixels.
_SQUARES = 0.25
_BOARD = 0.8
_REGULAR = 0.5
_ALTERNATIONS = 8
_INK = 0.005


def _regular_runs(on):
    """Whether ``on`` (a 1-D array on two levels) alternates regularly, in runs of
    one length on both levels (see _REGULAR)."""
    change = np.flatnonzero(on[1:] != on[:-1])
    if change.size < _ALTERNATIONS:
        return False
    runs = np.diff(change)
    first = on[change[1:]]  # (each run's level)
    common = []
    for level in np.unique(first):
        lengths = np.bincount(runs[first == level])
        if lengths.max() < _REGULAR * np.count_nonzero(first == level):
            return False
        common.append(int(np.argmax(lengths)))
    return len(common) == 2 and abs(common[0] - common[1]) <= 1


def without_checkerboard(image):
    """``image`` with the checkerboard behind it (see _SQUARES) made one level, if it is
    a flat rendering (:func:`is_flat_render`) showing one; else ``image`` itself."""
    if not is_flat_render(image):
        return image
    edge = _pixels.border(image)
    levels, counts = np.unique(edge, return_counts=True)
    if levels.size < 2:
        return image
    two = np.argsort(-counts)[:2]
    if counts[two].min() < _SQUARES * edge.size or counts[two].sum() < _BOARD * edge.size:
        return image
    lo, hi = sorted(float(v) for v in levels[two])
    board = (image >= lo) & (image <= hi)
    if np.count_nonzero(~board) < _INK * image.size:
        return image
    if not _regular_runs(edge[(edge == lo) | (edge == hi)]):
        return image
    return np.where(board, np.float32((lo + hi) / 2), image).astype(image.dtype)
