"""``.. skdigits-help:: [COMMAND]``: the ``skdigits [COMMAND] --help`` text, at build time.

The text comes from :func:`skdigits.cli.build_parser`, so the documentation always shows
the options of the code being documented. It is rendered 88 columns wide, whatever the
terminal of the build.
"""

import os

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

WIDTH = 88


def help_text(command=None):
    from skdigits.cli import build_parser

    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(WIDTH + 2)  # argparse subtracts 2
    try:
        parser = build_parser()
        if command:
            subparsers = next(
                a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"
            )
            parser = subparsers.choices[command]
        return parser.format_help().rstrip()
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old


class SkdigitsHelp(SphinxDirective):
    optional_arguments = 1
    has_content = False

    def run(self):
        command = self.arguments[0] if self.arguments else None
        try:
            text = help_text(command)
        except (ImportError, KeyError, StopIteration) as exc:
            raise self.error(f"no help text for {command!r}: {exc!r}") from None
        prog = "skdigits" + (f" {command}" if command else "")
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        caption = nodes.paragraph()
        caption += nodes.literal(f"{prog} --help", f"{prog} --help")
        return [caption, block]


def setup(app):
    app.add_directive("skdigits-help", SkdigitsHelp)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
