"""A tqdm bar on stderr fed by (stage, fraction) progress: each stage runs from 0 to 100 %."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tqdm import tqdm


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Callable[[str, float], None]]:
    bar = tqdm(total=100, file=sys.stderr, disable=not enabled, leave=False,
               bar_format="{desc:<22} {bar} {percentage:3.0f}% {elapsed}")

    def update(stage: str, fraction: float) -> None:
        bar.set_description_str(stage)
        bar.n = max(0, min(100, round(fraction * 100)))
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()
