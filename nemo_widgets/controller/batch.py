"""Batch work in one session: each file with its own instruction and its own export, results as a DataFrame."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from nemo_widgets.client.errors import NemoError
from nemo_widgets.controller.session import AsyncSession

RESULT_COLUMNS = ["file", "instruction", "status", "reply", "output", "seconds", "error"]
LYRICS_SUFFIXES = (".txt", ".lrc", ".md")


@dataclass(frozen=True)
class BatchItem:
    """A file (media to upload, or a lyrics text file) and what to do with it."""

    file: Path
    instruction: str


async def run_batch(session: AsyncSession, items: Sequence[BatchItem | tuple[str | Path, str]], out_dir: Path | str,
                    *, quality: str = "high", show_progress: bool = True) -> pd.DataFrame:
    """Run every item in order; a failing item is recorded with its error and the batch goes on."""
    out = Path(out_dir)
    rows = []
    work = [i if isinstance(i, BatchItem) else BatchItem(Path(i[0]), str(i[1])) for i in items]
    for item in tqdm(work, desc="batch", unit="file", disable=not show_progress):
        started = time.monotonic()
        row = {"file": str(item.file), "instruction": item.instruction, "status": "ok", "reply": "", "output": None,
               "error": None}
        try:
            if not item.file.is_file():
                raise NemoError(f"{item.file} does not exist.")
            if item.file.suffix.lower() in LYRICS_SUFFIXES:
                turn = await session.chat(f"{item.instruction.strip().rstrip(':')}:\n{_read_lyrics(item.file)}")
            else:
                await session.upload([item.file])
                turn = await session.chat(item.instruction)
            row["reply"] = turn.text
            row["output"] = str((await session.export(out / f"{item.file.stem}.mp4", quality=quality)).path)
        except (NemoError, ValueError) as error:
            row["status"], row["error"] = "failed", str(error)
        row["seconds"] = round(time.monotonic() - started, 2)
        rows.append(row)
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def _read_lyrics(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise NemoError(f"{path} cannot be read as UTF-8 lyrics: {error}.") from None
    if not text.strip():
        raise NemoError(f"{path} is empty.")
    return text
