"""The optional trace of a digit's way through the pipeline: its intermediate images.

:func:`~._pipeline.preprocess_image` takes ``trace``, a list (or None): each step
appends ``(name, image)`` to it; the docs' figures draw them.
"""

from __future__ import annotations


def record(trace, name, image):
    """Append ``(name, image)`` to ``trace``, unless it is None."""
    if trace is not None:
        trace.append((name, image))
