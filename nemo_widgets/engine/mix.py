"""Mix and master: the vocal chain, the band ducked under the voice, loudness for streaming.

Targets: -14 LUFS integrated (within 1 LU) and a true peak of at most -1 dBTP, measured on
4x oversampled audio. A limiter raises loudness on its own, so the master normalises to
a lower level first, limits, normalises to the target, and repeats with a lower limiter
threshold until the true peak holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyloudnorm
from pedalboard import Compressor, HighpassFilter, HighShelfFilter, Limiter, LowpassFilter, PeakFilter, Pedalboard, Reverb
from scipy.signal import resample_poly

from nemo_widgets.engine.genres import GenrePreset
from nemo_widgets.engine.model import SAMPLE_RATE

TARGET_LUFS = -14.0
PRE_LIMIT_LUFS = -16.0
MAX_TRUE_PEAK_DB = -1.0
DUCK_DB = 4.0
DUCK_ATTACK, DUCK_RELEASE = 0.03, 0.25  # seconds
SILENCE = 1e-4


@dataclass(frozen=True)
class MixResult:
    song: np.ndarray  # (n, 2) float32
    vocals: np.ndarray  # (n, 2) the vocal stem with the master gain
    accompaniment: np.ndarray  # (n, 2) the ducked band with the master gain
    lufs: float
    true_peak_db: float


def measure_loudness(stereo: np.ndarray) -> tuple[float, float]:
    """Integrated loudness (LUFS, ITU-R BS.1770-4) and true peak (dBTP, 4x oversampled)."""
    lufs = pyloudnorm.Meter(SAMPLE_RATE).integrated_loudness(stereo.astype(np.float64))
    return float(lufs), true_peak_db(stereo)


def true_peak_db(stereo: np.ndarray) -> float:
    """Peak of the 4x oversampled signal, in overlapping blocks so long songs need little memory."""
    block, pad = SAMPLE_RATE * 10, 64
    peak = 0.0
    for start in range(0, len(stereo), block):
        chunk = stereo[max(0, start - pad) : start + block + pad].astype(np.float64)
        peak = max(peak, float(np.max(np.abs(resample_poly(chunk, 4, 1, axis=0)))))
    return 20 * np.log10(max(peak, 1e-9))


def mix_and_master(vocals: np.ndarray | None, band: np.ndarray, preset: GenrePreset) -> MixResult:
    """`vocals` is mono on the song's timeline (same length as `band`) or None for an instrumental."""
    band = _band_chain(band.astype(np.float32), preset)
    if vocals is not None and np.max(np.abs(vocals)) > SILENCE:
        voice = _vocal_chain(vocals.astype(np.float32), preset)
        band = band * _duck_gain(vocals)[:, None]
        voice *= _db(_rms_db(band) + preset.vocal_level_db - _active_rms_db(voice))
    else:
        voice = np.zeros_like(band)
    song, gain = _master(voice + band)
    lufs, peak = measure_loudness(song)
    return MixResult(song=song, vocals=(voice * gain).astype(np.float32),
                     accompaniment=(band * gain).astype(np.float32), lufs=lufs, true_peak_db=peak)


def _vocal_chain(mono: np.ndarray, preset: GenrePreset) -> np.ndarray:
    mono = mono / max(float(np.max(np.abs(mono))), SILENCE) * 0.5
    chain = Pedalboard([
        HighpassFilter(cutoff_frequency_hz=100),
        PeakFilter(cutoff_frequency_hz=300, gain_db=-2.0, q=1.0),
        PeakFilter(cutoff_frequency_hz=3200, gain_db=3.0, q=0.9),
        HighShelfFilter(cutoff_frequency_hz=9000, gain_db=1.5),
        Compressor(threshold_db=-20, ratio=3.0, attack_ms=5, release_ms=90),
        Reverb(room_size=0.45, damping=0.6, wet_level=0.3 * preset.reverb, dry_level=1.0, width=0.8),
    ])
    stereo = np.repeat(mono[:, None], 2, axis=1)
    return chain(stereo.T, SAMPLE_RATE).T.astype(np.float32)


def _band_chain(band: np.ndarray, preset: GenrePreset) -> np.ndarray:
    effects = [HighpassFilter(cutoff_frequency_hz=35), PeakFilter(cutoff_frequency_hz=2500, gain_db=-2.5, q=0.8),
               Reverb(room_size=0.3, wet_level=0.15 * preset.reverb, dry_level=1.0)]
    if preset.lofi:
        effects.insert(1, LowpassFilter(cutoff_frequency_hz=4200))
    out = Pedalboard(effects)(band.T, SAMPLE_RATE).T
    if preset.lofi:
        out = out + _vinyl(len(out), seed=len(out)) * max(_rms(out), SILENCE)
    return out.astype(np.float32)


def _vinyl(frames: int, seed: int) -> np.ndarray:
    """Soft hiss and sparse crackle, the lo-fi record texture, at a level relative to the music."""
    rng = np.random.default_rng(seed)
    hiss = rng.standard_normal((frames, 2)).astype(np.float32) * 0.02
    clicks = (rng.random((frames, 1)) < 0.0002) * rng.uniform(-0.4, 0.4, (frames, 1))
    return hiss + clicks.astype(np.float32)


def _duck_gain(vocals: np.ndarray) -> np.ndarray:
    """Gain for the band: down by up to DUCK_DB while the voice sings, with smooth attack and release."""
    hop = 441
    frames = np.abs(vocals[: len(vocals) // hop * hop]).reshape(-1, hop).max(axis=1)
    level = frames / max(float(np.percentile(frames, 95)), SILENCE)
    smooth = np.zeros_like(level)
    up, down = hop / (DUCK_ATTACK * SAMPLE_RATE), hop / (DUCK_RELEASE * SAMPLE_RATE)
    value = 0.0
    for i, target in enumerate(np.minimum(level, 1.0)):
        value += (target - value) * (up if target > value else down)
        smooth[i] = value
    gain = _db(-DUCK_DB * smooth)
    per_sample = np.repeat(gain, hop)
    return np.concatenate([per_sample, np.full(len(vocals) - len(per_sample), per_sample[-1] if len(per_sample) else 1.0)])


def _master(mix: np.ndarray) -> tuple[np.ndarray, float]:
    """The mastered song and the overall linear gain applied to the sum (for the stems)."""
    glued = Pedalboard([Compressor(threshold_db=-14, ratio=1.8, attack_ms=20, release_ms=200)])(mix.T, SAMPLE_RATE).T
    glue_gain = _rms(glued) / max(_rms(mix), SILENCE)
    meter = pyloudnorm.Meter(SAMPLE_RATE)
    pre = _db(PRE_LIMIT_LUFS - meter.integrated_loudness(glued.astype(np.float64)))
    threshold = -2.0
    for _ in range(8):
        limited = Pedalboard([Limiter(threshold_db=threshold, release_ms=80)])((glued * pre).T, SAMPLE_RATE).T
        post = _db(TARGET_LUFS - meter.integrated_loudness(limited.astype(np.float64)))
        song = limited * post
        if true_peak_db(song) <= MAX_TRUE_PEAK_DB - 0.1:
            break
        threshold -= 1.0
    else:
        song = song * _db(MAX_TRUE_PEAK_DB - 0.1 - true_peak_db(song))
    return song.astype(np.float32), float(glue_gain * pre * post)


def _db(value: float | np.ndarray) -> np.ndarray:
    return np.power(10.0, np.asarray(value) / 20.0)


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def _rms_db(x: np.ndarray) -> float:
    return 20 * np.log10(max(_rms(x), SILENCE))


def _active_rms_db(x: np.ndarray) -> float:
    """Level of the voice while it sings, ignoring the silence between lines."""
    mono = np.abs(x).mean(axis=1)
    active = mono > 0.05 * float(np.max(mono)) if len(mono) else mono > 0
    return _rms_db(x[active]) if np.any(active) else _rms_db(x)
