"""Mix and master: the vocal chain, the band ducked and carved under the voice, loudness for streaming.

The band makes room in two ways while the voice sings: a fixed dip of 300 Hz-12 kHz (formants, consonants and the
air above them) with the whole band ducked, and a dynamic EQ keyed by the voice, which cuts the band in each third
octave at the moments this voice has energy there (a male voice's formants sit lower; a consonant's hiss is short).

Targets: -14 LUFS integrated (within 1 LU) and a true peak of at most -1 dBTP, measured on
4x oversampled audio. A limiter raises loudness on its own, so the master normalises to
a lower level first, limits, normalises to the target, and repeats with a lower limiter
threshold until the true peak holds.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from pedalboard import Compressor, HighpassFilter, HighShelfFilter, Limiter, LowpassFilter, PeakFilter, Pedalboard, Reverb
from scipy.signal import butter, istft, resample_poly, sosfilt, stft

from nemo_widgets.engine.genres import GenrePreset
from nemo_widgets.engine.long_audio import (BLOCK, effected, integrated_loudness, root_mean_square, scaled,
                                             sosfiltfilt_1d)
from nemo_widgets.engine.model import SAMPLE_RATE

TARGET_LUFS = -14.0
PRE_LIMIT_LUFS = -16.0
MAX_TRUE_PEAK_DB = -1.0
DUCK_DB = 6.0  # the whole band, while the voice sings
DUCK_CARVE_DB = 6.0  # CARVE_BAND_HZ of the band on top of DUCK_DB, plus the genre's vocal_space_db
VOCAL_BAND_HZ = (1000.0, 4000.0)  # where the consonants and formants that carry the words are
CARVE_BAND_HZ = (300.0, 12000.0)  # the band's part turned down while the voice sings: formants, consonants, air
MIN_VOCAL_BAND_DB = 12.0  # the voice at least this far over the band in the vocal band while it sings
DEESS_THRESHOLD_DB = -12.0  # 5-10 kHz this far under the whole voice is left alone
DEESS_MAX_DB = 8.0
SATURATION_DRIVE = 1.4  # tanh soft clip on the compressed voice (peak 0.7): a little warmth, no fuzz
DUCK_ATTACK, DUCK_RELEASE = 0.03, 0.25  # seconds
SILENCE = 1e-4
HOP = 220  # samples: the de-esser's level hop (5 ms)
SPACE_BANDS_HZ = tuple(1000.0 * 2 ** (k / 3) for k in range(-7, 13))  # third octaves, 200 Hz-12.7 kHz
SPACE_MARGIN_DB = 12.0  # in each third octave where the voice sings, the band is kept this far under it...
SPACE_MAX_CUT_DB = 12.0  # ...by cutting the band there by up to this much
SPACE_PRESENCE_DB = 20.0  # a third octave counts as sung where the voice is within this of its loud level there
SPACE_FLOOR_DB = 45.0  # ...and that loud level is counted as at least this far under the whole voice's
SPACE_WINDOW, SPACE_HOP = 2048, 1024  # STFT frames (46 ms, half overlap)
SPACE_RELEASE_FRAMES = 5.0  # the cut lets go over about 0.1 s
SPACE_BLOCK_FRAMES = 512  # frames of spectrum made at once (12 s of song)


@dataclass(frozen=True)
class MixResult:
    song: np.ndarray  # (n, 2) float32
    vocals: np.ndarray  # (n, 2) the vocal stem with the master gain
    accompaniment: np.ndarray  # (n, 2) the ducked band with the master gain
    lufs: float
    true_peak_db: float


def measure_loudness(stereo: np.ndarray) -> tuple[float, float]:
    """Integrated loudness (LUFS, ITU-R BS.1770-4) and true peak (dBTP, 4x oversampled)."""
    return integrated_loudness(stereo), true_peak_db(stereo)


def true_peak_db(stereo: np.ndarray, *gains: float | np.ndarray) -> float:
    """Peak of the 4x oversampled signal (times `gains`), in overlapping blocks so long songs need little memory."""
    block, pad = SAMPLE_RATE * 10, 64
    peak = 0.0
    for start in range(0, len(stereo), block):
        chunk = stereo[max(0, start - pad) : start + block + pad].astype(np.float64)
        for gain in gains:
            chunk = chunk * gain
        peak = max(peak, float(np.max(np.abs(resample_poly(chunk, 4, 1, axis=0)))))
    return 20 * np.log10(max(peak, 1e-9))


def mix_and_master(vocals: np.ndarray | None, band: np.ndarray, preset: GenrePreset) -> MixResult:
    """`vocals` is mono on the song's timeline (same length as `band`) or None for an instrumental.
    Each intermediate is dropped as soon as it is used: a long song's stems are 170 MB each."""
    band = _band_chain(np.asarray(band, dtype=np.float32), preset)
    if vocals is not None and np.max(np.abs(vocals)) > SILENCE:
        voice = _vocal_chain(np.asarray(vocals, dtype=np.float32), preset)
        singing = _voice_envelope(vocals)
        del vocals
        band = _carve(band, singing, preset)
        voice *= _db(_vocal_gain_db(voice, band, singing, preset))
        del singing
        band = _make_space(band, voice)
    else:
        voice = np.zeros_like(band)
    song, gain = _master(voice + band)
    lufs, peak = measure_loudness(song)
    return MixResult(song=song, vocals=scaled(voice, gain), accompaniment=scaled(band, gain), lufs=lufs,
                     true_peak_db=peak)


def _vocal_chain(mono: np.ndarray, preset: GenrePreset) -> np.ndarray:
    """The lead vocal bus: clean up the lows, bring out presence, tame sibilance, even the level, warm, a short plate."""
    mono = mono / max(float(np.max(np.abs(mono))), SILENCE) * 0.5
    cleaned = effected(Pedalboard([
        HighpassFilter(cutoff_frequency_hz=110),
        PeakFilter(cutoff_frequency_hz=280, gain_db=-3.0, q=1.0),
        PeakFilter(cutoff_frequency_hz=3000, gain_db=4.0, q=0.8),
        HighShelfFilter(cutoff_frequency_hz=9000, gain_db=1.5),
    ]), mono[None, :])[0]
    cleaned = _de_ess(cleaned)
    compressed = effected(Compressor(threshold_db=-20, ratio=3.0, attack_ms=5, release_ms=90), cleaned[None, :])[0]
    compressed = compressed / max(float(np.max(np.abs(compressed))), SILENCE) * 0.7
    warm = np.tanh(SATURATION_DRIVE * compressed) / SATURATION_DRIVE
    del mono, cleaned, compressed
    plate = Reverb(room_size=0.35, damping=0.55, wet_level=0.22 * preset.reverb, dry_level=1.0, width=0.9)
    return effected(plate, np.broadcast_to(warm.astype(np.float32, copy=False), (2, len(warm)))).T


def _de_ess(mono: np.ndarray) -> np.ndarray:
    """Turn the 5-10 kHz band down where it stands out of the voice (sibilants), by up to DEESS_MAX_DB."""
    sibilant = sosfiltfilt_1d(butter(2, (5000, 10000), btype="bandpass", fs=SAMPLE_RATE, output="sos"), mono)
    over = _hop_levels_db(sibilant) - _hop_levels_db(mono) - DEESS_THRESHOLD_DB
    reduction = _held(1.0 - _db(-np.clip(over, 0.0, DEESS_MAX_DB)), len(mono))  # per hop, then per sample
    reduction *= sibilant
    return np.subtract(mono, reduction, out=reduction).astype(np.float32)


def _hop_levels_db(x: np.ndarray, hop: int = HOP) -> np.ndarray:
    """RMS level in dB of each whole hop (5 ms), then the level held over the samples after the last whole hop."""
    n = len(x) // hop * hop
    hops = x[:n].reshape(-1, hop)
    rows = BLOCK // hop  # a block of hops at a time: no float64 copy of a long song
    rms = np.concatenate([np.sqrt(np.mean(np.square(hops[i : i + rows], dtype=np.float64), axis=1))
                          for i in range(0, len(hops), rows)]) if n else np.zeros(0)
    levels = 20 * np.log10(np.maximum(rms, SILENCE))
    return np.append(levels, levels[-1] if n else -80.0)


def _held(levels: np.ndarray, length: int, hop: int = HOP) -> np.ndarray:
    """Per-sample values from `_hop_levels_db`-shaped ones: each held across its hop."""
    n = (len(levels) - 1) * hop
    held = np.empty(length)
    held[:n].reshape(-1, hop)[:] = levels[:-1, None]
    held[n:] = levels[-1]
    return held


def _band_chain(band: np.ndarray, preset: GenrePreset) -> np.ndarray:
    effects = [HighpassFilter(cutoff_frequency_hz=35),
               PeakFilter(cutoff_frequency_hz=2500, gain_db=-2.5 - preset.vocal_space_db, q=0.7),
               Reverb(room_size=0.3, wet_level=0.15 * preset.reverb, dry_level=1.0)]
    if preset.lofi:
        effects.insert(1, LowpassFilter(cutoff_frequency_hz=4200))
    out = effected(Pedalboard(effects), band.T).T
    if preset.lofi:
        out = out + _vinyl(len(out), seed=len(out)) * max(_rms(out), SILENCE)
    return out.astype(np.float32)


def _vinyl(frames: int, seed: int) -> np.ndarray:
    """Soft hiss and sparse crackle, the lo-fi record texture, at a level relative to the music."""
    rng = np.random.default_rng(seed)
    hiss = rng.standard_normal((frames, 2)).astype(np.float32) * 0.02
    clicks = (rng.random((frames, 1)) < 0.0002) * rng.uniform(-0.4, 0.4, (frames, 1))
    return hiss + clicks.astype(np.float32)


def _carve(band: np.ndarray, singing: np.ndarray, preset: GenrePreset) -> np.ndarray:
    """The band under the voice: a little lower overall and much lower in the vocal band (1-4 kHz) while it sings.
    The vocal band is split off with a zero-phase filter, so turning it down is a clean dip, not a phase smear.
    Works in place on `band` (a channel is filtered whole before any of it is changed)."""
    sos = butter(2, CARVE_BAND_HZ, btype="bandpass", fs=SAMPLE_RATE, output="sos")
    carved = band
    for channel in range(band.shape[1]):  # one channel and one block at a time: little memory for long songs
        mid = sosfiltfilt_1d(sos, band[:, channel])
        for start in range(0, len(band), BLOCK):
            voice = singing[start : start + BLOCK]
            dip = 1.0 - _db(-(DUCK_CARVE_DB + preset.vocal_space_db) * voice)
            kept = band[start : start + BLOCK, channel] - dip * mid[start : start + BLOCK]
            carved[start : start + BLOCK, channel] = kept * _db(-DUCK_DB * voice)
    return carved


def _make_space(band: np.ndarray, voice: np.ndarray) -> np.ndarray:
    """A dynamic EQ on the band keyed by the voice (what a mixing engineer's "vocal space" plug-in does): in each third
    octave, at each moment this voice is present there (within SPACE_PRESENCE_DB of its own loud level in that third
    octave), the band is cut until it is SPACE_MARGIN_DB under the voice, by at most SPACE_MAX_CUT_DB. Quiet, short
    consonants count as much as loud vowels; between words and lines the band is left alone. The spectra are made
    SPACE_BLOCK_FRAMES at a time on the whole song's frame grid, so no whole-song spectrum is ever held."""
    freqs = np.fft.rfftfreq(SPACE_WINDOW, 1.0 / SAMPLE_RATE)
    centres = np.log2(SPACE_BANDS_HZ)
    octaves = np.log2(np.maximum(freqs, 1.0))
    nearest = np.abs(octaves[:, None] - centres[None, :]).argmin(axis=1)
    inside = np.abs(octaves - centres[nearest]) <= 1 / 6
    groups = [(nearest == k) & inside for k in range(len(centres))]
    frames = -(-len(band) // SPACE_HOP) + 1  # the frame grid of a whole-song STFT with zero-padded ends

    def levels(stereo: np.ndarray) -> np.ndarray:
        parts = []
        for first in range(0, frames, SPACE_BLOCK_FRAMES):
            power = np.square(np.abs(_spectra(stereo, None, first, min(frames, first + SPACE_BLOCK_FRAMES))))
            parts.append(10 * np.log10(np.stack([power[g].sum(axis=0) for g in groups]) + 1e-12))
        return np.concatenate(parts, axis=1)

    voice_db = levels(voice)
    band_db = levels(band)
    whole = np.percentile(10 * np.log10(np.sum(np.power(10.0, voice_db / 10), axis=0)), 95)
    own = np.maximum(np.percentile(voice_db, 95, axis=1, keepdims=True), whole - SPACE_FLOOR_DB)
    presence = np.clip((voice_db - (own - SPACE_PRESENCE_DB)) / 6.0, 0.0, 1.0)
    cut = _hold_release(np.clip(band_db - voice_db + SPACE_MARGIN_DB, 0.0, SPACE_MAX_CUT_DB) * presence)
    spread = np.stack([np.interp(octaves, centres, np.eye(len(centres))[k], left=0.0, right=0.0)
                       for k in range(len(centres))], axis=1)  # bins x bands: each bin between its two nearest bands
    reach = SPACE_WINDOW // SPACE_HOP  # frames either side that overlap a block's samples
    out = np.empty_like(band)
    for first in range(0, frames, SPACE_BLOCK_FRAMES):
        begin, end = first * SPACE_HOP, min(len(band), (first + SPACE_BLOCK_FRAMES) * SPACE_HOP)
        if begin >= end:
            break
        lo, hi = max(0, first - reach), min(frames, first + SPACE_BLOCK_FRAMES + reach)
        gain = _db(-(spread @ cut[:, lo:hi])).astype(np.float32)
        origin = lo * SPACE_HOP - SPACE_WINDOW // 2  # the sample the block's first frame starts at
        for ch in range(band.shape[1]):
            with warnings.catch_warnings():  # a block's outer edges lack overlapping frames; they are cut away below
                warnings.filterwarnings("ignore", "NOLA condition failed")
                _, back = istft(_spectra(band, ch, lo, hi) * gain, nperseg=SPACE_WINDOW,
                                noverlap=SPACE_WINDOW - SPACE_HOP, boundary=False)
            out[begin:end, ch] = back[begin - origin:end - origin]
    return out


def _spectra(stereo: np.ndarray, channel: int | None, first: int, stop: int) -> np.ndarray:
    """STFT frames `first`..`stop`-1 of one channel (None: the channels' mean), frame k centred on sample
    k * SPACE_HOP with zeros beyond the song's ends, as a whole-song STFT would make them."""
    half = SPACE_WINDOW // 2
    begin, end = first * SPACE_HOP - half, (stop - 1) * SPACE_HOP + half
    segment = np.zeros(end - begin, dtype=np.float32)
    lo, hi = max(begin, 0), min(end, len(stereo))
    if hi > lo:
        part = stereo[lo:hi]
        segment[lo - begin:hi - begin] = part.mean(axis=1) if channel is None else part[:, channel]
    _, _, spec = stft(segment, nperseg=SPACE_WINDOW, noverlap=SPACE_WINDOW - SPACE_HOP, boundary=None, padded=False)
    return spec


def _hold_release(cut_db: np.ndarray) -> np.ndarray:
    """Per band over frames: a cut applies at once and lets go gradually (a dynamic EQ's fast attack, slow release)."""
    out = np.empty_like(cut_db)
    value = np.zeros(cut_db.shape[0])
    fall = 1.0 / SPACE_RELEASE_FRAMES
    for i in range(cut_db.shape[1]):
        value = np.maximum(cut_db[:, i], value + (cut_db[:, i] - value) * fall)
        out[:, i] = value
    return out


def _vocal_gain_db(voice: np.ndarray, band: np.ndarray, singing: np.ndarray, preset: GenrePreset) -> float:
    """Gain that puts the voice `vocal_level_db` over the band while it sings, and at least MIN_VOCAL_BAND_DB over the
    band in the vocal band (where the words are), so a loud band cannot bury the voice."""
    active = singing > 0.5
    if not np.any(active):
        active = np.ones(len(voice), dtype=bool)
    broadband = _rms_db(band[active]) + preset.vocal_level_db - _rms_db(voice[active])
    sos = butter(2, VOCAL_BAND_HZ, btype="bandpass", fs=SAMPLE_RATE, output="sos")
    def words_db(x: np.ndarray) -> float:
        return _rms_db(sosfilt(sos, x.mean(axis=1))[active])
    in_band = words_db(band) + MIN_VOCAL_BAND_DB - words_db(voice)
    return max(broadband, in_band)


def _voice_envelope(vocals: np.ndarray) -> np.ndarray:
    """0..1 per sample: how much the voice is singing, with a fast attack and a smooth release."""
    hop = 441
    frames = np.abs(vocals[: len(vocals) // hop * hop]).reshape(-1, hop).max(axis=1)
    level = np.minimum(frames / max(float(np.percentile(frames, 95)), SILENCE) * 2.0, 1.0)
    smooth = np.zeros_like(level)
    up, down = hop / (DUCK_ATTACK * SAMPLE_RATE), hop / (DUCK_RELEASE * SAMPLE_RATE)
    value = 0.0
    for i, target in enumerate(level):
        value += (target - value) * (up if target > value else down)
        smooth[i] = value
    per_sample = np.repeat(smooth, hop)
    return np.concatenate([per_sample, np.full(len(vocals) - len(per_sample), per_sample[-1] if len(per_sample) else 0.0)])


def _master(mix: np.ndarray) -> tuple[np.ndarray, float]:
    """The mastered song and the overall linear gain applied to the sum (for the stems)."""
    mix_rms = _rms(mix)
    glued = effected(Pedalboard([Compressor(threshold_db=-14, ratio=1.8, attack_ms=20, release_ms=200)]), mix.T).T
    del mix
    glue_gain = _rms(glued) / max(mix_rms, SILENCE)
    pre = _db(PRE_LIMIT_LUFS - integrated_loudness(glued))
    threshold, limited = -2.0, None
    for _ in range(8):
        limited = None  # the last attempt goes before the next is made
        limited = effected(Pedalboard([Limiter(threshold_db=threshold, release_ms=80)]), glued.T, pre).T
        post = _db(TARGET_LUFS - integrated_loudness(limited))
        gains = (post,)
        if true_peak_db(limited, post) <= MAX_TRUE_PEAK_DB - 0.1:
            break
        threshold -= 1.0
    else:
        gains = (post, _db(MAX_TRUE_PEAK_DB - 0.1 - true_peak_db(limited, post)))
    del glued
    return scaled(limited, *gains), float(glue_gain * pre * post)


def _db(value: float | np.ndarray) -> np.ndarray:
    return np.power(10.0, np.asarray(value) / 20.0)


def _rms(x: np.ndarray) -> float:
    return root_mean_square(x)


def _rms_db(x: np.ndarray) -> float:
    return 20 * np.log10(max(_rms(x), SILENCE))


def _active_rms_db(x: np.ndarray) -> float:
    """Level of the voice while it sings, ignoring the silence between lines."""
    mono = np.abs(x).mean(axis=1)
    active = mono > 0.05 * float(np.max(mono)) if len(mono) else mono > 0
    return _rms_db(x[active]) if np.any(active) else _rms_db(x)
