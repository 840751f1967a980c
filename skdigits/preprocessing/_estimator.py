"""The estimator: :class:`DigitImagePreprocessor`, a thin shell over the pipeline.

It validates its parameters, builds a :class:`~._pipeline.Settings` from them
and runs the pipeline over the input with :func:`~._transform.transform_all`
(single images or one numeric batch, in ``n_jobs`` workers; "blank" gives an
error or a row of NaN as ``on_blank`` says).
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions

from skdigits import _images
from skdigits.preprocessing._pipeline import Settings
from skdigits.preprocessing._transform import transform_all

__all__ = ["DigitImagePreprocessor"]


class DigitImagePreprocessor(TransformerMixin, BaseEstimator):
    """Turn raw digit images into MNIST-like 28x28 images.

    Reads file paths, PIL images and numeric arrays of any size, colour mode
    and polarity, and prepares each the way MNIST was prepared: light digit on
    a dark background, cropped to the ink, scaled (aspect ratio kept) so that
    its longer side fills a ``digit_box`` x ``digit_box`` box, anti-aliased,
    and placed in an ``output_size`` x ``output_size`` frame with its centre
    of mass at the centre. A CNN trained on MNIST then recognises drawings,
    scans and photos, not just MNIST itself.

    Every image -- a path, a PIL image, an array in a list, or one image of
    a numeric batch -- goes through the same algorithm:

    0. an image of exactly the output size whose digit already has about
       MNIST's size (its solid ink forms strokes spanning at least 15 of the
       28 pixels -- a blurred digit's ink above a quarter of its contrast --,
       with enough contrast, and it is not dense noise) takes the
       *light path* (``fast_batches``; with MNIST's ``digit_box`` and
       ``crop``, see there): its polarity is fixed, background
       moved to 0 and peak to 1, and it is shifted by whole pixels to centre
       the mass of the digit's own pieces when it lies 0.8 px or more off
       centre (bars, spatter and lines beside it, or crossing the frame, do
       not move it). Nothing else changes: clutter
       that the other steps might mistake for ink stays as it came. A frame
       of the output size whose "ink" is faint (less than 0.25 above the
       background), mostly spread outside the digit box at its centre, and
       soft-edged or in specks is a textured surface (paper grain) and blank, as
       is faint "ink" over a rough background whose fine detail lies all over
       the frame (grains or fibres photographed close). Batches
       take this decision vectorised (80,000-130,000 images/s on MNIST, which
       passes through nearly unchanged); the images it does not take go
       through the steps below, exactly as on their own;
    1. decode to gray ``[0, 1]``; an alpha channel with a transparent
       background *is* the digit (the opaque part, whatever its colour);
       large images are block-averaged toward 128 px a side, by at most 5x
       (thin pen lines keep their contrast) unless that leaves them longer
       than 640 px -- a digit left smaller than 16 px there (a small digit on
       a large canvas) is read again from its part of the image at full
       resolution; low-resolution images (long side < 24 px) are upsampled
       (bicubic) to 64 px, their background taken as flat;
    2. flatten uneven lighting: a quadratic surface fitted robustly (sigma
       clipping) to the background is subtracted, when it explains the
       background better than a constant (``correct_lighting``);
    3. find the polarity: Otsu's threshold splits ink from paper and the class
       covering most of the image border is the background (``invert``);
    4. estimate the background's noise and the ink level, declare the image
       blank if the ink is too faint or does not stand out of the noise, and
       rescale so that background is 0 and ink is 1, dropping texture below a
       noise floor;
    5. look for a stroke: connected solid ink at least 4 px long and twice as
       long as it is thick. Without one the image is blank (dots, specks,
       grains of noise), whatever the canvas size or what touches its border;
    6. drop small connected components away from the digit
       (``remove_specks``), crop to the ink (``crop``);
    7. if that found no digit, or a broad "ink" surface: look for a photo of
       a sheet of paper on a darker table (a large, convex light region
       holding a little dark ink; not in a low-resolution scan, which its
       digit fills) and read the digit on the sheet instead;
    8. bring the stroke width into MNIST's range, on the digit upsampled to at
       least 4x the box size: strokes thinner than MNIST's lower quartile are
       grown with a round brush to its median, strokes bolder than nearly all
       of MNIST are eroded (``normalize_stroke``; a low-resolution scan's gray
       ink level by level, keeping the dips of its loops);
    9. scale into the ``digit_box`` with area averaging, set the peak to 1,
       place by centre of mass (``center``).

    Parameters
    ----------
    invert : {"auto", True, False}, default="auto"
        Polarity of single images. ``"auto"`` detects it per image (the
        background is the class that covers most of the image border); True
        means dark ink on a light background (inverted); False means light ink
        on a dark background (kept). Images with a transparent background are
        always read from their alpha channel and ignore this setting.

    crop : bool, default=True
        Crop single images to their ink before scaling. With False the whole
        canvas is scaled into the ``digit_box``.

    digit_box : int, default=20
        Side of the square box that the digit is scaled to fit, keeping its
        aspect ratio (MNIST: 20).

    output_size : int, default=28
        Side of the output frame (MNIST: 28). Must be at least ``digit_box``.

    center : {"mass", "box"}, default="mass"
        Place the digit so that its centre of mass (MNIST) or the centre of its
        bounding box is at the centre of the frame.

    normalize_stroke : bool, default=True
        Thicken strokes that would be thinner than MNIST's once scaled (e.g.
        1 px pen lines on a large canvas), and thin strokes bolder than nearly
        all of MNIST.

    remove_specks : bool, default=True
        Ignore small connected ink components away from the digit (dust,
        stray dots, paper texture).

    correct_lighting : bool, default=True
        Subtract a smooth background estimate from single images, to undo the
        lighting gradients of photographed paper.

    min_contrast : float, default=0.1
        Smallest difference between ink and background, as a fraction of the
        full gray range, for an image to count as holding a digit. On a
        background of one level exactly (made by a program -- a canvas, a frame
        drawn or padded -- not photographed or scanned: no noise there), and in
        a low-resolution scan (under 24 px, or one enlarged) whose paper, where
        its digit leaves it, is one level exactly, a third of it is enough.

    on_blank : {"raise", "nan"}, default="raise"
        What to do with an image that holds no digit (one flat colour, only
        faint noise, only dots or specks and no stroke): raise a
        :class:`~skdigits.exceptions.BlankImageError` (a ``ValueError``)
        naming it, or return a row of NaN for it so that the caller can
        filter it out.

    output_shape : {"flat", "image"}, default="flat"
        Return ``(n_samples, output_size**2)`` or
        ``(n_samples, output_size, output_size)``.

    max_pixels : int or None, default=50_000_000
        Largest image (width x height) that will be decoded; bigger files are
        refused before decoding (decompression bombs), bigger arrays from
        their shape, before any copy or conversion. None disables this
        check (Pillow's own limit still applies).

    fast_batches : bool, default=True
        Let images of the output size that are already MNIST-like take the
        light path (step 0 above), in batches (vectorised) and single images
        alike. With False every image goes through the full pipeline. The light
        path keeps a digit of about MNIST's size as it is, so it only applies
        when ``crop`` is True and ``digit_box`` has MNIST's proportion of
        ``output_size`` (20 of 28, ``round(output_size * 20 / 28)``): with
        another box every digit is rescaled into it, as the parameters ask.

    n_jobs : int, default=None
        Number of jobs that process single images (files, PIL images, arrays
        in a list, and batches that take the single-image pipeline) in
        parallel, each on a contiguous share of at least 8 images. ``None``
        means 1 unless in a :obj:`joblib.parallel_backend` context; ``-1``
        means all processors, as in scikit-learn. The vectorised
        batch path always runs in one job. When several images are bad, the
        error names one of them, not necessarily the first.

    Attributes
    ----------
    n_features_out_ : int
        Number of values per transformed image, ``output_size ** 2``.

    See Also
    --------
    skdigits.DigitCNNClassifier : The CNN classifier to put after this
        transformer in a pipeline.
    sklearn.preprocessing.FunctionTransformer : Wrap any function as a
        stateless transformer.

    Notes
    -----
    This transformer is stateless: ``fit`` only validates the parameters and
    the input, and ``transform`` works without it.

    Input rules. ``X`` is a list (or 1-D object array) of single images, or one
    numeric array:

    - a list may mix file paths (``str``, ``pathlib.Path``), PIL images of
      any mode (``1``, ``L``, ``LA``, ``P``, ``RGB``, ``RGBA``, ``I;16``, ``I``,
      ``F``, ...) and arrays ``(H, W)`` or ``(H, W, C)`` with ``C`` in 1, 3, 4;
    - ``(n, output_size**2)``: a batch of flattened images; other 2-D shapes
      are rejected as ambiguous (put a single 2-D image in a list);
    - ``(H, W, C)`` with ``C`` in 1, 3, 4 is one colour image; any other 3-D
      array is a batch ``(n, H, W)`` of gray images; ``(n, H, W, C)`` is a
      batch of colour images.

    Pixel values: ``uint8`` is 0..255, ``uint16`` 0..65535, floats must lie in
    [0, 1], other integers are 0..255 (or 0..65535 if larger values occur).
    PIL ``I`` and ``F`` images are read as 0..1, 0..255 or 0..65535, whichever
    range holds their values.

    Errors name the offending input (its index, and the file name for paths):
    a missing file raises ``FileNotFoundError``; unreadable, corrupt,
    truncated or oversized images, wrong dimensionality, NaN or infinity,
    non-numeric data and blank images raise ``ValueError``; unsupported object
    types raise ``TypeError``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits import DigitImagePreprocessor
    >>> canvas = np.full((200, 150), 255, dtype=np.uint8)  # white paper
    >>> canvas[40:160, 70:80] = 0                            # a black "1"
    >>> pre = DigitImagePreprocessor()
    >>> Xt = pre.fit_transform([canvas])
    >>> Xt.shape, Xt.dtype
    ((1, 784), dtype('float32'))
    >>> pre.set_params(output_shape="image").transform([canvas]).shape
    (1, 28, 28)
    """

    _parameter_constraints: dict = {
        "invert": [StrOptions({"auto"}), "boolean"],
        "crop": ["boolean"],
        "digit_box": [Interval(Integral, 1, None, closed="left")],
        "output_size": [Interval(Integral, 1, None, closed="left")],
        "center": [StrOptions({"mass", "box"})],
        "normalize_stroke": ["boolean"],
        "remove_specks": ["boolean"],
        "correct_lighting": ["boolean"],
        "min_contrast": [Interval(Real, 0, 1, closed="neither")],
        "on_blank": [StrOptions({"raise", "nan"})],
        "output_shape": [StrOptions({"flat", "image"})],
        "max_pixels": [Interval(Integral, 1, None, closed="left"), None],
        "fast_batches": ["boolean"],
        "n_jobs": [
            Interval(Integral, None, -1, closed="right"),
            Interval(Integral, 1, None, closed="left"),
            None,
        ],
    }

    def __init__(
        self,
        *,
        invert="auto",
        crop=True,
        digit_box=20,
        output_size=28,
        center="mass",
        normalize_stroke=True,
        remove_specks=True,
        correct_lighting=True,
        min_contrast=0.1,
        on_blank="raise",
        output_shape="flat",
        max_pixels=50_000_000,
        fast_batches=True,
        n_jobs=None,
    ):
        self.invert = invert
        self.crop = crop
        self.digit_box = digit_box
        self.output_size = output_size
        self.center = center
        self.normalize_stroke = normalize_stroke
        self.remove_specks = remove_specks
        self.correct_lighting = correct_lighting
        self.min_contrast = min_contrast
        self.on_blank = on_blank
        self.output_shape = output_shape
        self.max_pixels = max_pixels
        self.fast_batches = fast_batches
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ #
    def _check_params(self):
        """Validate the parameters (declared constraints, then output_size >= digit_box)."""
        self._validate_params()
        if self.output_size < self.digit_box:
            raise ValueError(
                f"The 'output_size' parameter of {type(self).__name__} must be an int "
                f">= digit_box ({self.digit_box!r}). Got {self.output_size!r} instead."
            )

    def _settings(self):
        return Settings(
            invert=self.invert,
            crop=self.crop,
            digit_box=self.digit_box,
            output_size=self.output_size,
            center=self.center,
            normalize_stroke=self.normalize_stroke,
            remove_specks=self.remove_specks,
            correct_lighting=self.correct_lighting,
            min_contrast=self.min_contrast,
            light_path=self.fast_batches,
        )

    # ------------------------------------------------------------------ #
    def fit(self, X, y=None):
        """Validate the parameters and the input; learn nothing.

        Parameters
        ----------
        X : list of images or array-like
            Images as described in the class documentation. Only their kind
            and shape are checked here; nothing is decoded.

        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        self._check_params()
        _images.split_input(X, self.output_size, self.max_pixels)
        self.n_features_out_ = self.output_size * self.output_size
        return self

    def transform(self, X):
        """Turn each image of ``X`` into an MNIST-like digit.

        Parameters
        ----------
        X : list of images or array-like
            File paths, PIL images, numeric arrays, or one numeric batch (see
            the class documentation for the rules).

        Returns
        -------
        Xt : ndarray of shape (n_samples, output_size**2) or \
                (n_samples, output_size, output_size), dtype float32
            Digits as white on black in [0, 1]; rows of NaN for blank images
            when ``on_blank="nan"``.
        """
        self._check_params()
        out = transform_all(X, self._settings(), on_blank=self.on_blank,
                            max_pixels=self.max_pixels, n_jobs=self.n_jobs)
        if self.output_shape == "flat":
            return out.reshape(len(out), self.output_size**2)
        return out

    # ------------------------------------------------------------------ #
    def get_feature_names_out(self, input_features=None):
        """Names of the output pixels, ``pixel_0`` ... ``pixel_783``.

        Parameters
        ----------
        input_features : None
            Ignored: the inputs are images, not named columns.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per output pixel, in row-major order. Only defined for
            ``output_shape="flat"`` (a DataFrame output needs 2-D data).
        """
        self._check_params()
        if self.output_shape != "flat":
            raise ValueError(
                "Feature names (and set_output(transform='pandas')) need "
                "output_shape='flat'; got output_shape='image'."
            )
        n = self.output_size * self.output_size
        return np.asarray([f"pixel_{i}" for i in range(n)], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Stateless: nothing is learned, transform works without fit.
        tags.requires_fit = False
        # (n, output_size**2) batches are 2-D; (n, H, W) batches 3-D; lists of
        # file paths are strings.
        tags.input_tags.two_d_array = True
        tags.input_tags.three_d_array = True
        tags.input_tags.string = True
        tags.input_tags.allow_nan = False
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
