"""Mix and master: loudness and true peak for streaming, the band ducked under the voice."""

import numpy as np

from nemo_widgets.engine.genres import PRESETS
from nemo_widgets.engine.mix import measure_loudness, mix_and_master, true_peak_db
from nemo_widgets.engine.model import SAMPLE_RATE

SECONDS = 12


def _band(seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(SECONDS * SAMPLE_RATE) / SAMPLE_RATE
    chord = sum(np.sin(2 * np.pi * f * t) for f in (110, 220, 277.2, 329.6)) * 0.15
    kick = (np.sin(2 * np.pi * 55 * t) * np.exp(-((t % 0.5) * 18))) * 0.8
    noise = rng.standard_normal(len(t)) * 0.02
    mono = (chord + kick + noise).astype(np.float32)
    return np.stack([mono, mono * 0.9], axis=1)


def _voice():
    t = np.arange(SECONDS * SAMPLE_RATE) / SAMPLE_RATE
    tone = sum(np.sin(2 * np.pi * 330 * k * t) / k for k in range(1, 8))
    gate = ((t % 3.0) < 1.5).astype(np.float64)
    return (tone * gate * 1.6).astype(np.float32)  # peaks above 1.0 on purpose


def test_master_hits_streaming_loudness_with_and_without_vocals():
    for vocals in (_voice(), None):
        for genre in ("pop", "lofi", "hiphop"):
            result = mix_and_master(vocals, _band(), PRESETS[genre])
            lufs, peak = measure_loudness(result.song)
            assert abs(lufs + 14.0) <= 1.0
            assert peak <= -1.0
            assert result.lufs == lufs and result.true_peak_db == peak
            assert result.song.shape == result.vocals.shape == result.accompaniment.shape == (SECONDS * SAMPLE_RATE, 2)


def test_band_ducks_while_the_voice_sings():
    voice = _voice()
    result = mix_and_master(voice, _band(), PRESETS["pop"])
    dry = mix_and_master(None, _band(), PRESETS["pop"])
    t = np.arange(len(voice)) / SAMPLE_RATE
    singing = ((t % 3.0) > 0.3) & ((t % 3.0) < 1.4)
    resting = ((t % 3.0) > 2.0) & ((t % 3.0) < 2.9)
    def ratio(stem):
        return np.sqrt(np.mean(stem[singing] ** 2)) / np.sqrt(np.mean(stem[resting] ** 2))
    assert ratio(result.accompaniment) < ratio(dry.accompaniment) * 0.85
    assert np.max(np.abs(dry.vocals)) == 0.0


def test_true_peak_sees_between_samples():
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    wave = np.sin(2 * np.pi * SAMPLE_RATE / 4 * t + np.pi / 4).astype(np.float32)  # samples at ±0.707, peak 1.0
    stereo = np.stack([wave, wave], axis=1)
    assert 20 * np.log10(np.max(np.abs(stereo))) < -2.9
    assert true_peak_db(stereo) > -0.5



def _bandpassed(x, low, high):
    from scipy.signal import butter, sosfilt

    return sosfilt(butter(4, (low, high), btype="bandpass", fs=SAMPLE_RATE, output="sos"), x, axis=0)


def test_the_band_makes_room_for_the_consonants_when_they_come():
    """A voice with a loud vowel and short, quiet hiss bursts (its consonants) up at 5-8 kHz: the band's 5-8 kHz is
    cut during the bursts and comes back between them, so the carve follows this voice moment by moment instead of
    dipping a fixed band for as long as it sings."""
    rng = np.random.default_rng(5)
    t = np.arange(SECONDS * SAMPLE_RATE) / SAMPLE_RATE
    singing = ((t % 3.0) > 0.3) & ((t % 3.0) < 1.4)
    vowel = sum(np.sin(2 * np.pi * f * t) for f in (220, 440, 660)) * 0.3 * ((t % 3.0) < 1.5)
    bursts = singing & ((t % 0.5) < 0.08)
    hiss = _bandpassed(rng.standard_normal(len(t)), 5000, 8000) * 0.1 * bursts
    band = rng.standard_normal((len(t), 2)).astype(np.float32) * 0.1
    stem = mix_and_master((vowel + hiss).astype(np.float32), band, PRESETS["pop"]).accompaniment
    top = _bandpassed(stem.mean(axis=1), 5000, 8000)
    during = singing & ((t % 0.5) > 0.02) & ((t % 0.5) < 0.07)
    between = singing & ((t % 0.5) > 0.32) & ((t % 0.5) < 0.48)
    cut_db = 10 * np.log10(np.mean(top[between] ** 2) / np.mean(top[during] ** 2))
    assert cut_db >= 6.0
