"""``python -m skdigits``: the same command line as ``skdigits`` (see :mod:`skdigits.cli`)."""

import sys


def _main():
    try:
        from skdigits.cli import main
    except KeyboardInterrupt:  # Ctrl-C before the command line is even loaded
        print("skdigits: interrupted.", file=sys.stderr)
        return 130
    return main()


if __name__ == "__main__":
    sys.exit(_main())
