"""`%nemo` (the studio and quick commands) and `%%song` (lyrics in the cell body, the video out).

Each magic documents itself through `@magic_arguments` (`%nemo?`, `%%song?`). They use the
kernel's blocking session, so a cell returns only when its work is done, with progress
drawn while it runs.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display

from nemo_widgets.client.errors import NemoError
from nemo_widgets.controller.blocking import Session
from nemo_widgets.controller.kernel_session import blocking_session, remember_session
from nemo_widgets.controller.session import DEFAULT_PROMPT, TurnResult, sung_lines
from nemo_widgets.controller.updates import MESSAGES, STATUS_LINE, Update, UpdateKind
from nemo_widgets.protocol.names import ASPECTS, MAX_SONG_SECONDS, MIN_SONG_SECONDS, VOICES

COMMANDS = ("studio", "credits", "status", "tracks", "export", "upload", "backend")
VIDEO_LAYOUT = {"max_height": "480px", "max_width": "100%", "width": "auto", "height": "auto"}  # fits any aspect
ANSWERED = frozenset({UpdateKind.ACKNOWLEDGED, UpdateKind.PROGRESS, UpdateKind.PARTIAL, UpdateKind.REPLY})
INTERRUPTED = {  # what an interrupt of %%song leaves behind, and what to do next
    "sending": "nothing reached the backend yet, so nothing was made or charged.",
    "unanswered": "if the backend received the request it still makes the song; `%nemo status` shows it and "
                  "`%nemo export` writes the video.",
    "making": "the backend keeps making this song (its credits are spent); when `%nemo status` shows it, "
              "`%nemo export` writes the video.",
    "exporting": "the song is made; `%nemo export [PATH]` writes the video.",
}


@dataclass
class SongResult:
    """What `%%song` made: the MP4, the timeline as a DataFrame and the session to keep refining."""

    path: Path
    tracks: pd.DataFrame
    session: Session
    turn: TurnResult = field(repr=False)

    def __repr__(self) -> str:
        return f"SongResult(path={str(self.path)!r}, tracks={len(self.tracks)} rows, session={self.session.session_id!r})"

    def _repr_html_(self) -> str:
        size = self.path.stat().st_size / 1e6 if self.path.exists() else 0.0
        return (f"<div><b>Saved</b> <code>{html.escape(str(self.path))}</code> ({size:.1f} MB), "
                f"session <code>{html.escape(str(self.session.session_id))}</code></div>"
                f"{self.tracks.to_html(index=False, na_rep='')}")


class CellProgress:
    """A status line and a progress bar in the cell's output, fed by session updates.

    The status line is HTML, so every text in it (the backend's included) is escaped: a backend
    cannot put markup or script into the notebook."""

    def __init__(self) -> None:
        self.label = widgets.HTML("Connecting...")
        self.bar = widgets.FloatProgress(min=0, max=100, value=0, description="", layout={"width": "100%"})
        self.replies = widgets.Output()
        self.box = widgets.VBox([self.label, self.bar, self.replies])
        self.backend_answered = False  # the backend took the turn: it finishes the song even if the cell stops

    def __call__(self, update: Update) -> None:
        if update.kind in ANSWERED:
            self.backend_answered = True
        if update.kind is UpdateKind.PROGRESS and update.percent is not None:
            self.show(f"{update.text} {update.percent:.0f}%")
            self.bar.value = float(update.percent)
        elif update.kind in STATUS_LINE:
            self.show(update.text)
        elif update.kind in MESSAGES:
            self.replies.append_stdout(update.text + "\n")

    def show(self, text: str, lead: str = "") -> None:
        """Put `text` on the status line as plain text, after an optional bold `lead` of our own."""
        self.label.value = (f"<b>{html.escape(lead)}</b> " if lead else "") + html.escape(text)


@magics_class
class NemoMagics(Magics):
    @line_magic
    @magic_arguments()
    @argument("command", nargs="?", default="studio", choices=COMMANDS,
              help="studio (default): show the SongStudio; credits; status; tracks; export [PATH]; upload PATH...; "
                   "backend")
    @argument("paths", nargs="*", help="for export: the MP4 to write; for upload: the files or links")
    def nemo(self, line: str) -> Any:
        """The Nemo song studio and quick commands on the kernel's session."""
        args = _parse(self.nemo, line, "%nemo")
        if args is None:
            return None
        if args.command == "studio":
            from nemo_widgets.widget import SongStudio

            return SongStudio()
        try:
            return self._command(args.command, args.paths)
        except (NemoError, ValueError) as error:
            print(f"%nemo {args.command}: {error}")
            return None

    def _command(self, command: str, paths: list[str]) -> Any:
        session = blocking_session()
        if command == "credits":
            return session.credits()
        if command == "backend":
            return session.backend
        if command == "export":
            if len(paths) > 1:
                raise ValueError("give at most one path: %nemo export [PATH]")
            return session.export(paths[0] if paths else None).path
        if command == "upload":
            if not paths:
                raise ValueError("name the files or links to upload: %nemo upload PATH...")
            return session.upload(paths)
        session.refresh()
        if command == "status":
            print(session.timeline)
        return session.tracks

    @cell_magic
    @magic_arguments()
    @argument("--prompt", "-p", default=DEFAULT_PROMPT, help='the style, e.g. "a chill lo-fi song, 80 bpm"')
    @argument("--voice", choices=VOICES, help="the singer")
    @argument("--aspect", choices=ASPECTS, default=ASPECTS[0], help="the video's shape")
    @argument("--seed", type=int, help="another seed gives another melody")
    @argument("--title", help="the title card's text (default: the song's first line)")
    @argument("--instrumental", action="store_true", help="no vocals (the cell body may then be empty)")
    @argument("--duration", type=float, help=f"the song's length in seconds ({MIN_SONG_SECONDS}-{MAX_SONG_SECONDS})")
    @argument("--out", default=None, help="where to write the MP4 (default nemo_exports/<render id>.mp4)")
    def song(self, line: str, cell: str) -> SongResult | None:
        """Make a song from the lyrics in the cell body; shows progress and the video, returns a SongResult."""
        args = _parse(self.song, line, "%%song")
        if args is None:
            return None
        try:
            sung_lines(cell, args.instrumental)
        except ValueError as error:
            print(f"%%song: {error}")
            return None
        progress = CellProgress()
        display(progress.box)
        phase = "sending"
        session = None
        try:
            session = blocking_session()
            previous, session.updates = session.updates, progress  # this cell's updates show in this cell only
            phase = "unanswered"
            turn = session.generate(cell, args.prompt, voice=args.voice, aspect=args.aspect, seed=args.seed,
                                    title=args.title, instrumental=args.instrumental, duration=args.duration)
            phase = "exporting"
            result = session.export(Path(args.out) if args.out else None)
        except (NemoError, ValueError) as error:
            progress.show(str(error), lead="Stopped:")
            print(f"%%song: {error}")
            return None
        except KeyboardInterrupt:
            if phase == "unanswered" and progress.backend_answered:
                phase = "making"
            progress.show(INTERRUPTED[phase], lead="Interrupted:")
            print(f"%%song: interrupted; {INTERRUPTED[phase]}")
            return None
        finally:
            if session is not None and session.updates is progress:  # later cells' work is shown where it runs
                session.updates = previous
        remember_session(session.session_id)
        progress.show(f"Saved {result.path}")
        display(widgets.Video(value=result.path.read_bytes(), format="mp4", controls=True, autoplay=False, loop=False,
                              layout=VIDEO_LAYOUT))
        return SongResult(result.path, session.tracks, session, turn)


def song_cells_without_body(lines: list[str]) -> list[str]:
    """An IPython input transformer: `%%song --help` or `%%song --instrumental` alone in a cell reaches the magic
    (IPython refuses cell magics whose body is empty before calling them)."""
    if lines and lines[0].lstrip().startswith("%%song") and not any(line.strip() for line in lines[1:]):
        return [lines[0].rstrip("\n") + "\n", "\n"]
    return lines


def _parse(magic: Any, line: str, name: str) -> Any:
    """The magic's arguments; None after printing its usage (for -h/--help) or a one-line usage error."""
    if {"-h", "--help"} & set(line.split()):
        usage = magic.parser.format_help().replace("::\n\n  ", "usage: ", 1)
        print(usage.replace(f"usage: %{name.lstrip('%')}", f"usage: {name}", 1))
        return None
    try:
        return parse_argstring(magic, line)
    except Exception as error:  # argparse's usage errors (UsageError), said in one line
        print(f"{name}: {error}")
        return None
