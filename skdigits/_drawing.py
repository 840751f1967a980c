"""A drawing of a digit, independent of any window: its strokes, rendering, recognition.

:class:`DrawingSession` records mouse strokes on a square canvas, renders them with
Pillow (no screen grabbing, so it works the same on every platform and without a
display) and recognises the rendering with a fitted model through
:mod:`skdigits.inference`. The Tk window of ``skdigits draw`` (:mod:`skdigits.gui`)
is its front end; the tests drive it headless.
"""

from __future__ import annotations

from skdigits.inference import ImagePredictor, Prediction

EMPTY_MESSAGE = "draw a digit first"
TOO_SMALL_MESSAGE = "too small to recognise: draw a bigger digit"


class DrawingSession:
    """Strokes drawn on a square canvas, their rendering, and their recognition.

    Coordinates are canvas pixels, ``(0, 0)`` at the top-left corner; points outside the
    canvas are clamped to its edge. Ink is black on white, with a round brush.

    Parameters
    ----------
    model : estimator, default=None
        A fitted pipeline (``DigitImagePreprocessor -> DigitCNNClassifier``) or classifier.
        Needed only by :meth:`recognise`.
    size : int, default=280
        Side of the square canvas in pixels.
    brush : int, default=None
        Brush diameter in pixels; ``None``: ``size / 14`` (20 px on a 280 px canvas,
        the stroke width of MNIST digits relative to their frame).

    Attributes
    ----------
    strokes : list of list of (float, float)
        The recorded strokes, each a list of points.

    Examples
    --------
    >>> session = DrawingSession(size=280)
    >>> session.is_blank
    True
    >>> session.begin_stroke(140, 40); session.add_point(140, 240); session.end_stroke()
    >>> image = session.render()
    >>> image.mode, image.size, image.getpixel((140, 140)), image.getpixel((10, 10))
    ('L', (280, 280), 0, 255)
    """

    def __init__(self, model=None, *, size=280, brush=None):
        if int(size) < 28:
            raise ValueError(f"size must be at least 28 pixels, got {size!r}.")
        self.size = int(size)
        self.brush = max(1, int(round(self.size / 14))) if brush is None else int(brush)
        if self.brush < 1:
            raise ValueError(f"brush must be a positive number of pixels, got {brush!r}.")
        self.strokes = []
        self.model = model
        self._predictor = None

    # -- strokes ------------------------------------------------------------------
    def _clamp(self, x, y):
        limit = self.size - 1
        return (min(max(float(x), 0.0), limit), min(max(float(y), 0.0), limit))

    def begin_stroke(self, x, y):
        """Start a new stroke at ``(x, y)`` (mouse button pressed)."""
        self.strokes.append([self._clamp(x, y)])

    def add_point(self, x, y):
        """Extend the current stroke to ``(x, y)`` (mouse dragged)."""
        if not self.strokes:
            self.begin_stroke(x, y)
        else:
            self.strokes[-1].append(self._clamp(x, y))

    def end_stroke(self):
        """Finish the current stroke (mouse button released)."""

    def clear(self):
        """Remove every stroke."""
        self.strokes = []

    def extent(self):
        """Largest side of the box around the stroke points (0 for a single dot)."""
        points = [p for stroke in self.strokes for p in stroke]
        if not points:
            return 0.0
        xs, ys = zip(*points)
        return max(max(xs) - min(xs), max(ys) - min(ys))

    @property
    def is_blank(self):
        """True when nothing has been drawn."""
        return not any(self.strokes)

    # -- rendering ------------------------------------------------------------------
    def render(self):
        """Render the strokes as a grayscale image, black ink on white.

        Returns
        -------
        image : PIL.Image.Image
            Mode ``"L"``, ``size`` x ``size`` pixels.
        """
        from PIL import Image, ImageDraw

        image = Image.new("L", (self.size, self.size), 255)
        draw = ImageDraw.Draw(image)
        r = self.brush / 2
        for stroke in self.strokes:
            if len(stroke) > 1:
                draw.line(stroke, fill=0, width=self.brush, joint="curve")
            # Round caps and joins, as the Tk canvas draws them.
            for x, y in stroke:
                draw.ellipse((x - r, y - r, x + r, y + r), fill=0)
        return image

    # -- recognition ------------------------------------------------------------------
    def recognise(self):
        """Recognise the drawn digit.

        Returns
        -------
        result : skdigits.inference.Prediction
            The predicted digit, its confidence, the top three and, as
            ``digit_image``, the 28x28 digit the network saw; or, with ``error``
            set, why there is no prediction: :data:`EMPTY_MESSAGE` for an empty
            canvas and :data:`TOO_SMALL_MESSAGE` for a drawing smaller than the brush
            (e.g. a single dot) -- the model is not called for either -- or the reason
            the preprocessor found no digit in the rendered image.

        Raises
        ------
        RuntimeError
            If the session has no model.
        """
        if self.is_blank:
            return Prediction(source="canvas", error=EMPTY_MESSAGE)
        if self.extent() < self.brush:
            # A dot or a tiny scribble: the preprocessor would scale it up into a "digit".
            return Prediction(source="canvas", error=TOO_SMALL_MESSAGE)
        if self.model is None:
            raise RuntimeError("This DrawingSession has no model to recognise digits with.")
        if self._predictor is None:
            self._predictor = ImagePredictor(self.model)
        result = self._predictor.predict([self.render()], names=["canvas"])[0]
        if not result.ok:
            result.error = f"no digit found: draw a bigger digit ({result.error})"
        return result

    def warm_up(self):
        """Run the model once on a dummy digit, so the first real answer comes quickly."""
        if self.model is None:
            return
        if self._predictor is None:
            self._predictor = ImagePredictor(self.model)
        import numpy as np

        from PIL import Image

        dummy = np.full((self.size, self.size), 255, dtype=np.uint8)
        c = self.size // 2
        dummy[self.size // 5: -self.size // 5, c - self.brush // 2: c + self.brush // 2 + 1] = 0
        self._predictor.predict([Image.fromarray(dummy)])
