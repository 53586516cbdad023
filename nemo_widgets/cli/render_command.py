"""`nemo-song render`: a draft timeline (JSON) to an MP4."""

from __future__ import annotations

import argparse
from pathlib import Path

from nemo_widgets.cli.errors import CommandError
from nemo_widgets.cli.progress_bar import progress_bar
from nemo_widgets.protocol.draft import DraftError, parse_draft
from nemo_widgets.render import RenderError, render_draft
from nemo_widgets.render.presets import ENCODINGS, FRAMES


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("render", help="render a draft timeline (JSON) to an MP4",
                                 description="Render a draft timeline (docs/draft.md) to an H.264/AAC MP4.")
    parser.add_argument("draft", type=Path, metavar="DRAFT_JSON", help="the draft file")
    add_video_options(parser)
    parser.set_defaults(run=run)


def add_video_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", required=True, type=Path, metavar="OUT_MP4", help="the MP4 to write")
    parser.add_argument("--aspect", choices=tuple(FRAMES), default="16:9", help="frame shape (default 16:9, 1920x1080)")
    parser.add_argument("--quality", choices=tuple(ENCODINGS), default="standard", help="encoder preset (default standard)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def render_to(draft_data, args: argparse.Namespace, stage: str = "rendering") -> Path:
    """Validate and render, turning every user-fixable problem into one CommandError sentence."""
    if args.output.is_dir():
        raise CommandError(f"{args.output} is a folder: give the path of the MP4 to write.")
    try:
        draft = parse_draft(draft_data)
        with progress_bar(enabled=not args.quiet) as progress:
            result = render_draft(draft, args.output, aspect=args.aspect, quality=args.quality,
                                  progress=lambda fraction: progress(stage, fraction))
    except (DraftError, RenderError) as error:
        raise CommandError(str(error)) from None
    return result.path


def run(args: argparse.Namespace) -> int:
    if not args.draft.is_file():
        raise CommandError(f"The draft {args.draft} does not exist.")
    path = render_to(args.draft, args)
    print(path)
    return 0
