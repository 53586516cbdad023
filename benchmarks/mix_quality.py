"""Mix benchmark: does the lead vocal sit on top of the band, in every genre and both voices?

For each genre and voice it composes one song (fixed seed, lyrics written for this benchmark,
not the bundled ones) and measures, from the song folder:

- vocal-band margin: loudness in 1-4 kHz of the vocal stem minus the accompaniment's, while
  the voice sings (the spans of timing.json's lines), in dB;
- word recall: the share of the sung lyric words pocketsphinx recognises in the full mix and in
  the vocal stem alone, and the share of the stem's recall the mix loses;
- the master's integrated loudness (LUFS) and true peak (dBTP).

Run: PYTHONPATH=. .venv/bin/python benchmarks/mix_quality.py [--genres rock pop] [--voices female]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nemo_widgets.engine.genres import PRESETS  # noqa: E402
from nemo_widgets.engine.pipeline import compose_song  # noqa: E402
from tests.engine.mix_check import MixQuality, measure_folder  # noqa: E402

LYRICS = """\
Morning trains are rolling through the valley
I can hear the river calling out my name
Every window shows a different story
Hold the light until the evening comes again
Paper boats are sailing down the gutter
We will find our way back home tonight
"""
VOICES = ("female", "male")
SEED = 7


def measure_song(genre: str, voice: str, workdir: Path, seed: int = SEED, lyrics: str = LYRICS) -> MixQuality:
    """Compose one song of this genre and voice into `workdir` and measure it."""
    started = time.perf_counter()
    folder = workdir / f"{genre}-{voice}"
    compose_song(lyrics, f"a {genre} song", folder, voice=voice, seed=seed)
    return measure_folder(folder, genre, voice, time.perf_counter() - started)


def table(rows: list[MixQuality]) -> str:
    head = f"{'genre':<8}{'voice':<8}{'margin dB':>10}{'mix rec':>9}{'stem rec':>9}{'lost':>7}{'LUFS':>8}{'dBTP':>7}{'s':>6}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r.genre:<8}{r.voice:<8}{r.vocal_band_margin_db:>10.1f}{r.mix_recall:>9.0%}{r.stem_recall:>9.0%}"
                     f"{r.words_lost:>7.0%}{r.lufs:>8.1f}{r.true_peak_db:>7.1f}{r.seconds:>6.0f}")
    if rows:
        lines.append("-" * len(head))
        lines.append(f"{'mean':<16}{np.mean([r.vocal_band_margin_db for r in rows]):>10.1f}"
                     f"{np.mean([r.mix_recall for r in rows]):>9.0%}{np.mean([r.stem_recall for r in rows]):>9.0%}"
                     f"{np.mean([r.words_lost for r in rows]):>7.0%}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="Columns: margin = vocal stem minus accompaniment in 1-4 kHz while singing; "
                                            "mix/stem rec = pocketsphinx word recall; lost = share of the stem's "
                                            "words the mix loses (target <= 10%%).")
    parser.add_argument("--genres", nargs="+", choices=sorted(PRESETS), default=list(PRESETS))
    parser.add_argument("--voices", nargs="+", choices=VOICES, default=list(VOICES))
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--keep", type=Path, help="write the song folders here instead of a temporary folder")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.keep or Path(tmp)
        for genre in args.genres:
            for voice in args.voices:
                rows.append(measure_song(genre, voice, workdir, seed=args.seed))
                print(table(rows[-1:]).splitlines()[2], file=sys.stderr, flush=True)
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
