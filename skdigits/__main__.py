"""``python -m skdigits``: the same command line as ``skdigits`` (see :mod:`skdigits.cli`)."""

import sys

from skdigits.cli import main

if __name__ == "__main__":
    sys.exit(main())
