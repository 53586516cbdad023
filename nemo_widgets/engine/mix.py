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

from dataclasses import dataclass

import numpy as np
import pyloudnorm
from pedalboard import Compressor, HighpassFilter, HighShelfFilter, Limiter, LowpassFilter, PeakFilter, Pedalboard, Reverb
from scipy.signal import butter, istft, resample_poly, sosfilt, sosfiltfilt, stft

from nemo_widgets.engine.genres import GenrePreset
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
SPACE_BANDS_HZ = tuple(1000.0 * 2 ** (k / 3) for k in range(-7, 13))  # third octaves, 200 Hz-12.7 kHz
SPACE_MARGIN_DB = 12.0  # in each third octave where the voice sings, the band is kept this far under it...
SPACE_MAX_CUT_DB = 12.0  # ...by cutting the band there by up to this much
SPACE_PRESENCE_DB = 20.0  # a third octave counts as sung where the voice is within this of its loud level there
SPACE_FLOOR_DB = 45.0  # ...and that loud level is counted as at least this far under the whole voice's
SPACE_WINDOW, SPACE_HOP = 2048, 1024  # STFT frames (46 ms, half overlap)
SPACE_RELEASE_FRAMES = 5.0  # the cut lets go over about 0.1 s


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
        singing = _voice_envelope(vocals)
        band = _carve(band, singing, preset)
        voice *= _db(_vocal_gain_db(voice, band, singing, preset))
        band = _make_space(band, voice)
    else:
        voice = np.zeros_like(band)
    song, gain = _master(voice + band)
    lufs, peak = measure_loudness(song)
    return MixResult(song=song, vocals=(voice * gain).astype(np.float32),
                     accompaniment=(band * gain).astype(np.float32), lufs=lufs, true_peak_db=peak)


def _vocal_chain(mono: np.ndarray, preset: GenrePreset) -> np.ndarray:
    """The lead vocal bus: clean up the lows, bring out presence, tame sibilance, even the level, warm, a short plate."""
    mono = mono / max(float(np.max(np.abs(mono))), SILENCE) * 0.5
    cleaned = Pedalboard([
        HighpassFilter(cutoff_frequency_hz=110),
        PeakFilter(cutoff_frequency_hz=280, gain_db=-3.0, q=1.0),
        PeakFilter(cutoff_frequency_hz=3000, gain_db=4.0, q=0.8),
        HighShelfFilter(cutoff_frequency_hz=9000, gain_db=1.5),
    ])(mono[None, :], SAMPLE_RATE)[0]
    cleaned = _de_ess(cleaned)
    compressed = Compressor(threshold_db=-20, ratio=3.0, attack_ms=5, release_ms=90)(cleaned[None, :], SAMPLE_RATE)[0]
    compressed = compressed / max(float(np.max(np.abs(compressed))), SILENCE) * 0.7
    warm = np.tanh(SATURATION_DRIVE * compressed) / SATURATION_DRIVE
    stereo = np.repeat(warm[:, None], 2, axis=1).astype(np.float32)
    plate = Reverb(room_size=0.35, damping=0.55, wet_level=0.22 * preset.reverb, dry_level=1.0, width=0.9)
    return plate(stereo.T, SAMPLE_RATE).T.astype(np.float32)


def _de_ess(mono: np.ndarray) -> np.ndarray:
    """Turn the 5-10 kHz band down where it stands out of the voice (sibilants), by up to DEESS_MAX_DB."""
    sibilant = sosfiltfilt(butter(2, (5000, 10000), btype="bandpass", fs=SAMPLE_RATE, output="sos"), mono)
    over = _envelope_db(sibilant) - _envelope_db(mono) - DEESS_THRESHOLD_DB
    cut = np.clip(over, 0.0, DEESS_MAX_DB)
    return (mono - (1.0 - _db(-cut)) * sibilant).astype(np.float32)


def _envelope_db(x: np.ndarray, hop: int = 220) -> np.ndarray:
    """Per-sample RMS level in dB over short hops (5 ms), held across each hop."""
    n = len(x) // hop * hop
    rms = np.sqrt(np.mean(np.square(x[:n].reshape(-1, hop), dtype=np.float64), axis=1)) if n else np.zeros(0)
    held = np.repeat(20 * np.log10(np.maximum(rms, SILENCE)), hop)
    return np.concatenate([held, np.full(len(x) - n, held[-1] if n else -80.0)])


def _band_chain(band: np.ndarray, preset: GenrePreset) -> np.ndarray:
    effects = [HighpassFilter(cutoff_frequency_hz=35),
               PeakFilter(cutoff_frequency_hz=2500, gain_db=-2.5 - preset.vocal_space_db, q=0.7),
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


def _carve(band: np.ndarray, singing: np.ndarray, preset: GenrePreset) -> np.ndarray:
    """The band under the voice: a little lower overall and much lower in the vocal band (1-4 kHz) while it sings.
    The vocal band is split off with a zero-phase filter, so turning it down is a clean dip, not a phase smear."""
    mid = sosfiltfilt(butter(2, CARVE_BAND_HZ, btype="bandpass", fs=SAMPLE_RATE, output="sos"), band, axis=0)
    dip = 1.0 - _db(-(DUCK_CARVE_DB + preset.vocal_space_db) * singing)
    carved = band - dip[:, None] * mid
    return (carved * _db(-DUCK_DB * singing)[:, None]).astype(np.float32)


def _make_space(band: np.ndarray, voice: np.ndarray) -> np.ndarray:
    """A dynamic EQ on the band keyed by the voice (what a mixing engineer's "vocal space" plug-in does): in each third
    octave, at each moment this voice is present there (within SPACE_PRESENCE_DB of its own loud level in that third
    octave), the band is cut until it is SPACE_MARGIN_DB under the voice, by at most SPACE_MAX_CUT_DB. Quiet, short
    consonants count as much as loud vowels; between words and lines the band is left alone."""
    freqs = np.fft.rfftfreq(SPACE_WINDOW, 1.0 / SAMPLE_RATE)
    centres = np.log2(SPACE_BANDS_HZ)
    octaves = np.log2(np.maximum(freqs, 1.0))
    nearest = np.abs(octaves[:, None] - centres[None, :]).argmin(axis=1)
    inside = np.abs(octaves - centres[nearest]) <= 1 / 6
    groups = [(nearest == k) & inside for k in range(len(centres))]

    def levels(mono: np.ndarray) -> np.ndarray:
        _, _, spec = stft(mono, nperseg=SPACE_WINDOW, noverlap=SPACE_WINDOW - SPACE_HOP)
        power = np.square(np.abs(spec))
        return 10 * np.log10(np.stack([power[g].sum(axis=0) for g in groups]) + 1e-12)

    voice_db = levels(voice.mean(axis=1))
    band_db = levels(band.mean(axis=1))
    whole = np.percentile(10 * np.log10(np.sum(np.power(10.0, voice_db / 10), axis=0)), 95)
    own = np.maximum(np.percentile(voice_db, 95, axis=1, keepdims=True), whole - SPACE_FLOOR_DB)
    presence = np.clip((voice_db - (own - SPACE_PRESENCE_DB)) / 6.0, 0.0, 1.0)
    cut = _hold_release(np.clip(band_db - voice_db + SPACE_MARGIN_DB, 0.0, SPACE_MAX_CUT_DB) * presence)
    spread = np.stack([np.interp(octaves, centres, np.eye(len(centres))[k], left=0.0, right=0.0)
                       for k in range(len(centres))], axis=1)  # bins x bands: each bin between its two nearest bands
    gain = _db(-(spread @ cut)).astype(np.float32)
    out = np.empty_like(band)
    for ch in range(band.shape[1]):
        _, _, spec = stft(band[:, ch], nperseg=SPACE_WINDOW, noverlap=SPACE_WINDOW - SPACE_HOP)
        _, back = istft(spec * gain, nperseg=SPACE_WINDOW, noverlap=SPACE_WINDOW - SPACE_HOP)
        out[:, ch] = back[: len(band)]
    return out


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
