"""Showing a session's updates in a terminal or a plain notebook cell: a progress bar and printed lines."""

from __future__ import annotations

from tqdm.auto import tqdm

from nemo_widgets.controller.updates import MESSAGES, Update, UpdateKind


class ConsoleUpdates:
    """An `on_update` that draws one progress bar per stage and prints replies, summaries and notices once."""

    def __init__(self) -> None:
        self._bar: tqdm | None = None
        self._stage = ""

    def __call__(self, update: Update) -> None:
        if update.kind is UpdateKind.PROGRESS and update.percent is not None:
            if self._bar is None or update.stage != self._stage:
                self.close()
                self._stage = update.stage
                self._bar = tqdm(total=100, desc=update.text, unit="%", bar_format="{desc}: {bar} {n:.0f}%")
            self._bar.set_description_str(update.text)
            self._bar.n = min(100.0, float(update.percent))
            self._bar.refresh()
        elif update.kind in MESSAGES:
            self.close()
            tqdm.write(("Error: " if update.kind is UpdateKind.ERROR else "") + update.text)
        elif update.kind in (UpdateKind.STILL_WORKING, UpdateKind.CONNECTING):
            tqdm.write(update.text)
        elif update.kind is UpdateKind.DONE:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
