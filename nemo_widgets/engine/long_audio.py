"""Filters and loudness for whole songs in little memory, with the same numbers as scipy and pyloudnorm.

scipy's `sosfiltfilt` and pyloudnorm's meter hold several float64 copies of their input at
once: for an 8-minute stereo song that is 1-2 GB. The recursive filters here run block by
block and carry their state between blocks, which computes exactly the same samples (the
filter sees them in the same order), so these give bit-identical results with one float64
copy of one channel at most.
"""

from __future__ import annotations

import numpy as np
import pyloudnorm
from pedalboard import Plugin
from scipy.signal import lfilter, sosfilt, sosfilt_zi
from scipy.signal._arraytools import odd_ext

from nemo_widgets.engine.model import SAMPLE_RATE

BLOCK = SAMPLE_RATE * 10  # samples per block: temporaries stay a few MB
PLUGIN_BLOCK = 8192 * 54  # a whole number of pedalboard's own blocks (8192), whose ends some of JUCE's filters act on


def sosfiltfilt_1d(sos: np.ndarray, x: np.ndarray) -> np.ndarray:
    """`scipy.signal.sosfiltfilt(sos, x)` (odd padding, default length) for one channel, as float64."""
    sos = np.asarray(sos, dtype=np.float64)
    ntaps = 2 * len(sos) + 1 - min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    edge = 3 * ntaps
    if len(x) <= edge:
        raise ValueError(f"The length of the input vector x must be greater than padlen, which is {edge}.")
    left = odd_ext(x[: edge + 1], edge)[:edge]
    right = odd_ext(x[-edge - 1 :], edge)[-edge:]
    zi = sosfilt_zi(sos)
    _, state = sosfilt(sos, left, zi=zi * left[:1])
    y = np.empty(len(x), dtype=np.float64)
    for start in range(0, len(x), BLOCK):
        y[start : start + BLOCK], state = sosfilt(sos, x[start : start + BLOCK], zi=state)
    tail, _ = sosfilt(sos, right, zi=state)
    _, state = sosfilt(sos, tail[::-1], zi=zi * tail[-1:])
    for end in range(len(x), 0, -BLOCK):
        start = max(0, end - BLOCK)
        back, state = sosfilt(sos, y[start:end][::-1], zi=state)
        y[start:end] = back[::-1]
    return y


def integrated_loudness(audio: np.ndarray) -> float:
    """`pyloudnorm.Meter(SAMPLE_RATE).integrated_loudness(audio.astype(np.float64))` (ITU-R BS.1770-4), computed
    one channel at a time with the K-weighting run block by block."""
    meter = pyloudnorm.Meter(SAMPLE_RATE)
    pyloudnorm.util.valid_audio(audio, SAMPLE_RATE, meter.block_size)
    frames = audio.reshape(len(audio), -1)
    block_seconds, step = meter.block_size, 1.0 - meter.overlap
    blocks = int(np.round((len(frames) / SAMPLE_RATE - block_seconds) / (block_seconds * step))) + 1
    z = np.zeros((frames.shape[1], blocks))
    for channel in range(frames.shape[1]):
        weighted = _k_weighted(meter, frames[:, channel])
        for j in range(blocks):
            lower = int(block_seconds * (j * step) * SAMPLE_RATE)
            upper = int(block_seconds * (j * step + 1) * SAMPLE_RATE)
            z[channel, j] = (1.0 / (block_seconds * SAMPLE_RATE)) * np.sum(np.square(weighted[lower:upper]))
    return _gated_loudness(z)


def _k_weighted(meter: pyloudnorm.Meter, channel: np.ndarray) -> np.ndarray:
    stages = list(meter._filters.values())
    coefficients = [(stage.b, stage.a, stage.passband_gain) for stage in stages]
    states = [np.zeros(max(len(a), len(b)) - 1) for b, a, _ in coefficients]
    out = np.empty(len(channel), dtype=np.float64)
    for start in range(0, len(channel), BLOCK):
        block = channel[start : start + BLOCK].astype(np.float64)
        for k, (b, a, gain) in enumerate(coefficients):
            filtered, states[k] = lfilter(b, a, block, zi=states[k])
            block = gain * filtered
        out[start : start + len(block)] = block
    return out


def _gated_loudness(z: np.ndarray) -> float:
    """pyloudnorm's gating (absolute -70 LUFS, then relative -10 LU) on the blocks' mean squares, step for step."""
    gains = [1.0, 1.0, 1.0, 1.41, 1.41]
    channels = range(z.shape[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        block_loudness = [-0.691 + 10.0 * np.log10(np.sum([gains[i] * z[i, j] for i in channels]))
                          for j in range(z.shape[1])]
        above = [j for j, level in enumerate(block_loudness) if level >= -70.0]
        mean_above = [np.mean([z[i, j] for j in above]) for i in channels]
        relative = -0.691 + 10.0 * np.log10(np.sum([gains[i] * mean_above[i] for i in channels])) - 10.0
        gated = [j for j, level in enumerate(block_loudness) if level > relative and level > -70.0]
        mean_gated = np.nan_to_num(np.array([np.mean([z[i, j] for j in gated]) for i in channels]))
        return float(-0.691 + 10.0 * np.log10(np.sum([gains[i] * mean_gated[i] for i in channels])))


def root_mean_square(x: np.ndarray) -> float:
    """`sqrt(mean(square(x, dtype=float64)))` without the float64 copy of `x`: numpy sums pairwise in memory order,
    halving down to blocks of 8; splitting the same way down to blocks of at most BLOCK gives the same sum."""
    flat = np.ravel(x, order="K")
    return float(np.sqrt(_sum_of_squares(flat, 0, len(flat)) / len(flat)))


def _sum_of_squares(flat: np.ndarray, start: int, count: int) -> float:
    if count <= BLOCK:
        return np.sum(np.square(flat[start : start + count], dtype=np.float64))
    half = count // 2
    half -= half % 8
    return _sum_of_squares(flat, start, half) + _sum_of_squares(flat, start + half, count - half)


def scaled(x: np.ndarray, *gains: float | np.ndarray) -> np.ndarray:
    """`x * gains[0] * gains[1] ...` (float64 arithmetic as numpy does it) cast to float32, block by block."""
    out = np.empty(x.shape, dtype=np.float32)
    for start in range(0, len(x), BLOCK):
        block = x[start : start + BLOCK]
        for gain in gains:
            block = block * gain
        out[start : start + BLOCK] = block
    return out


def effected(plugin: Plugin, planar: np.ndarray, *gains: float | np.ndarray) -> np.ndarray:
    """`plugin(planar * gains..., SAMPLE_RATE)` for (channels, frames) audio, run block by block with the plugin's
    state carried over (pedalboard's `reset=False`: the same samples as one call), so pedalboard's own copies of
    the input and output are a block long, not a song long. Returns float32 (channels, frames)."""
    out = np.empty(planar.shape, dtype=np.float32)
    for start in range(0, planar.shape[1], PLUGIN_BLOCK):
        block = planar[:, start : start + PLUGIN_BLOCK]
        for gain in gains:
            block = block * gain
        out[:, start : start + PLUGIN_BLOCK] = plugin(block, SAMPLE_RATE, reset=start == 0)
    return out
