"""Does the lead vocal sit on top of the band? Measures of a song folder, shared by the mix tests and
benchmarks/mix_quality.py: the vocal stem over the accompaniment in the vocal band while the voice sings, and
pocketsphinx word recall on the full mix vs the vocal stem."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import butter, sosfilt

from nemo_widgets.engine.mix import measure_loudness
from tests.engine.asr import recognise

VOCAL_BAND_HZ = (1000.0, 4000.0)


@dataclass(frozen=True)
class MixQuality:
    genre: str
    voice: str
    vocal_band_margin_db: float  # vocal stem minus accompaniment in 1-4 kHz while singing
    mix_recall: float  # share of lyric words recognised in the full mix
    stem_recall: float  # the same on the vocal stem alone
    lufs: float
    true_peak_db: float
    seconds: float  # wall time to compose the song

    @property
    def words_lost(self) -> float:
        """Share of the stem's recognised words that the mix loses (0 when the stem has none)."""
        return max(0.0, 1.0 - self.mix_recall / self.stem_recall) if self.stem_recall > 0 else 0.0


def sung_mask(timing: dict, frames: int, sample_rate: int) -> np.ndarray:
    """True for the samples inside a sung line."""
    mask = np.zeros(frames, dtype=bool)
    for line in timing["lines"]:
        mask[int(line["start"] * sample_rate) : int(line["end"] * sample_rate)] = True
    return mask


def vocal_band_margin_db(vocals: np.ndarray, band: np.ndarray, mask: np.ndarray, sample_rate: int) -> float:
    """Energy in the vocal band (1-4 kHz) of the voice over the band's, in the masked samples."""
    sos = butter(4, VOCAL_BAND_HZ, btype="bandpass", fs=sample_rate, output="sos")

    def energy(stereo: np.ndarray) -> float:
        mono = stereo.mean(axis=1) if stereo.ndim == 2 else stereo
        return float(np.mean(np.square(sosfilt(sos, mono.astype(np.float64))[mask]))) + 1e-20

    return 10 * np.log10(energy(vocals) / energy(band))


def lyric_words(timing: dict) -> list[str]:
    """The words as sung, line by line (a line sung twice counts twice)."""
    by_index = {w["index"]: w["sung"].lower() for w in timing["words"]}
    return [by_index[i] for line in timing["lines"] for i in line["words"]]


def recall(heard: list[str], expected: list[str]) -> float:
    """Share of the expected words heard, counting each heard word at most as often as it is expected."""
    found = Counter(heard) & Counter(expected)
    return sum(found.values()) / max(1, len(expected))


def measure_folder(folder: Path, genre: str, voice: str, seconds: float = 0.0) -> MixQuality:
    """The mix measures of one song folder."""
    timing = json.loads((folder / "timing.json").read_text(encoding="utf-8"))
    song, rate = sf.read(folder / "song.wav", dtype="float32", always_2d=True)
    vocals, _ = sf.read(folder / "vocals.wav", dtype="float32", always_2d=True)
    band, _ = sf.read(folder / "accompaniment.wav", dtype="float32", always_2d=True)
    expected = lyric_words(timing)
    lufs, peak = measure_loudness(song)
    return MixQuality(
        genre=genre, voice=voice,
        vocal_band_margin_db=vocal_band_margin_db(vocals, band, sung_mask(timing, len(song), rate), rate),
        mix_recall=recall(recognise(song, rate), expected), stem_recall=recall(recognise(vocals, rate), expected),
        lufs=lufs, true_peak_db=peak, seconds=seconds,
    )
