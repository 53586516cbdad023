"""Whole-song filters and loudness in little memory: the same numbers as scipy and pyloudnorm, and a mix of the
longest song the engine allows well under the 1.5 GB the engine may use."""

import subprocess
import sys

import numpy as np
import pyloudnorm
import pytest
from scipy.signal import butter, sosfiltfilt

from pedalboard import Compressor, HighpassFilter, PeakFilter, Pedalboard, Reverb

from nemo_widgets.engine.long_audio import (BLOCK, PLUGIN_BLOCK, effected, integrated_loudness, root_mean_square, scaled,
                                             sosfiltfilt_1d)
from nemo_widgets.engine.model import SAMPLE_RATE
from nemo_widgets.engine.request import MAX_MINUTES


def _stereo(frames: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    stereo = (rng.standard_normal((frames, 2)) * 0.1).astype(np.float32)
    stereo[: frames // 3] *= 1e-4  # a quiet stretch, so the loudness gates have something to drop
    return stereo


def test_block_by_block_results_are_bit_identical_to_the_libraries():
    stereo = _stereo(2 * BLOCK + 12345)
    sos = butter(2, (300.0, 6000.0), btype="bandpass", fs=SAMPLE_RATE, output="sos")
    reference = sosfiltfilt(sos, stereo, axis=0)
    for channel in range(2):
        assert np.array_equal(sosfiltfilt_1d(sos, stereo[:, channel]), reference[:, channel])
    meter = pyloudnorm.Meter(SAMPLE_RATE)
    assert integrated_loudness(stereo) == meter.integrated_loudness(stereo.astype(np.float64))
    assert integrated_loudness(stereo[:, 0]) == meter.integrated_loudness(stereo[:, 0].astype(np.float64))
    for layout in (stereo, np.asfortranarray(stereo), stereo[:, 1]):
        assert root_mean_square(layout) == float(np.sqrt(np.mean(np.square(layout, dtype=np.float64))))
    gain, more = np.float64(0.7071), np.float64(1.3)
    assert np.array_equal(scaled(stereo, gain, more), (stereo * gain * more).astype(np.float32))



def test_effects_run_block_by_block_give_the_same_samples_as_one_call():
    """Gated audio (silences where JUCE's filters flush their state at block ends) through a filter chain, a
    compressor and a reverb."""
    mono = _stereo(2 * PLUGIN_BLOCK + 999)[:, 0]
    mono[np.arange(len(mono)) % 30000 < 12000] = 0.0
    for make in (lambda: Pedalboard([HighpassFilter(110), PeakFilter(280, -3.0, 1.0), PeakFilter(3000, 4.0, 0.8)]),
                 lambda: Compressor(threshold_db=-20, ratio=3.0, attack_ms=5, release_ms=90),
                 lambda: Reverb(room_size=0.35, wet_level=0.2, dry_level=1.0, width=0.9)):
        planar = np.broadcast_to(mono, (2, len(mono)))
        assert np.array_equal(effected(make(), planar), make()(np.ascontiguousarray(planar), SAMPLE_RATE))
        assert np.array_equal(effected(make(), planar, np.float64(0.5)), make()(planar * np.float64(0.5), SAMPLE_RATE))


@pytest.mark.slow
def test_mixing_the_longest_song_stays_well_under_the_memory_limit():
    """The mix alone of an 8-minute song (before: 1475 MB over the process's start; now about 750 MB)."""
    script = f"""
import resource
import numpy as np
from nemo_widgets.engine.genres import PRESETS
from nemo_widgets.engine.mix import mix_and_master
frames = int({MAX_MINUTES} * 60 * {SAMPLE_RATE})
t = np.arange(frames, dtype=np.float32) / {SAMPLE_RATE}
voice = (np.sin(2 * np.pi * 330 * t) * ((t % 3.0) < 1.5)).astype(np.float32)
band = np.stack([np.sin(2 * np.pi * 110 * t), np.sin(2 * np.pi * 165 * t)], axis=1).astype(np.float32) * 0.3
del t
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
mix_and_master(voice, band, PRESETS["lofi"])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before)
"""
    grown = float(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
                  .stdout.strip().splitlines()[-1])
    assert grown < 900, f"the mix of an 8-minute song grew the process by {grown:.0f} MB (was 1475 MB)"
