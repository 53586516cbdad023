"""`nemo-song`: the command line of the song studio. Each subcommand lives in its own module."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from nemo_widgets import __version__
from nemo_widgets.cli import (
    compose_command,
    credits_command,
    genres_command,
    make_command,
    render_command,
    serve_command,
)
from nemo_widgets.cli.errors import CommandError

USAGE_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nemo-song",
        description="Make songs from lyrics and a description, offline on this machine.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (compose_command, make_command, render_command, serve_command, genres_command, credits_command):
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except CommandError as error:
        print(f"nemo-song: error: {error}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print("nemo-song: interrupted", file=sys.stderr)
        return 130
