"""The ``recidive`` command's argparse parser, for sphinx-argparse (docs/cli.md)."""

from recidive.cli import build_parser


def parser():
    """The top-level parser with its subcommands."""
    return build_parser()[0]
