"""Exceptions raised by skdigits, importable without TensorFlow."""

__all__ = ["BlankImageError"]


class BlankImageError(ValueError):
    """An image holds no digit: no stroke stands out of its background.

    Raised by :class:`~skdigits.DigitImagePreprocessor` (with ``on_blank="raise"``)
    for blank canvases, empty paper, noise and specks. It is a :class:`ValueError`,
    so code that catches ``ValueError`` keeps working; catch ``BlankImageError`` to
    tell "nothing drawn" apart from a broken input.

    Attributes
    ----------
    index : int or None
        Position of the blank image in the input, when known.
    """

    def __init__(self, message, index=None):
        super().__init__(message)
        self.index = index
