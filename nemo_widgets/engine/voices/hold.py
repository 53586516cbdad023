"""Holding sung vowels: the model speaks each vowel at its own length, the vocoder frames hold it to the note.

Neither speech model can sing a long vowel itself: asked to stretch one, hibari moves the
vowel's energy out of its harmonic branch (the vowel fades to a whisper within ~0.2 s) and
Piper blurs it. So each model speaks every vowel at natural length, and the sung line is
rebuilt from the model's frames: consonants and gaps play at their own pace, and a vowel
longer than spoken plays its attack, sways gently around one point of the vowel while
the note lasts, then plays its natural release into the next sound. Where that point is weak
(hibari speaks a line's last vowel fading, as if the utterance ended) the note is held at the
vowel's strongest frame instead, so it is sung through. After the line's last
sound its final frame fades out over RELEASE_SECONDS, the singer's release, whatever the
model spoke next (the models are given a word after the line so the line's end is not spoken as
an utterance's end, which they whisper).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nemo_widgets.engine.voices.timing import Unit, to_frames

HOLD_AT = 0.6  # where in the spoken vowel the held note sits (fraction of its length)
SWAY_SECONDS = 0.02  # how far the held point wanders through the vowel, so a long note is not one frozen frame
SWAY_PERIOD = 0.6  # seconds per wander there and back
RELEASE_SECONDS = 0.06
WEAK_HOLD_DB = 10.0  # a held point this far under the vowel's strongest frame moves to that frame


def spoken_frames(planned: np.ndarray, natural: np.ndarray, units: Sequence[Unit], step: float) -> np.ndarray:
    """Whole model steps per unit: the plan's length for consonants and gaps, vowels no longer than
    spoken, and what follows the line (never heard) at its natural length."""
    spoken = planned.copy()
    for i, unit in enumerate(units):
        if unit.part == "nucleus":
            spoken[i] = min(planned[i], max(float(natural[i]), step))
        elif unit.part == "trail":
            spoken[i] = natural[i]
    return to_frames(spoken, step)


def frame_positions(planned: np.ndarray, spoken: np.ndarray, units: Sequence[Unit], frame: float,
                    level_db: np.ndarray | None = None) -> np.ndarray:
    """For every output frame of the sung line (`frame` seconds apart), the fractional index of the
    spoken frame (same spacing) it shows. `planned` and `spoken` are seconds per unit; `level_db`, the
    voiced level of each spoken frame, lets a vowel be held at its strongest frame when the usual point is weak."""
    out = _output_times(planned, frame)
    positions = np.empty(len(out))
    target_edges = np.concatenate([[0.0], np.cumsum(planned)])
    source_edges = np.concatenate([[0.0], np.cumsum(spoken)])
    for a, b in _segments(units):
        t0, t1, s0, s1 = target_edges[a], target_edges[b], source_edges[a], source_edges[b]
        inside = (out >= t0) & (out < t1)
        if units[a].part == "trail":
            positions[inside] = max(s0 - frame, 0.0)
        else:
            vowel = units[a].part == "nucleus"
            hold = _hold_point(level_db, s0, s1, frame) if vowel and level_db is not None else HOLD_AT * (s1 - s0)
            positions[inside] = _segment_positions(out[inside] - t0, t1 - t0, s1 - s0, vowel, hold) + s0
    return np.clip(positions / frame, 0.0, source_edges[-1] / frame - 1.0)


def release_gain(planned: np.ndarray, units: Sequence[Unit], frame: float) -> np.ndarray:
    """Per output frame: 1 while the line sounds, a raised-cosine fade over RELEASE_SECONDS after its last sound, 0 after."""
    out = _output_times(planned, frame)
    first_trail = next(i for i, unit in enumerate(units) if unit.part == "trail")
    end = float(np.sum(planned[:first_trail]))
    fade = np.clip((out - end) / RELEASE_SECONDS, 0.0, 1.0)
    return 0.5 + 0.5 * np.cos(np.pi * fade)


def at_positions(frames: np.ndarray, positions: np.ndarray, axis: int = -1) -> np.ndarray:
    """`frames` (frame index along `axis`) read at fractional positions, linearly interpolated."""
    low = np.floor(positions).astype(int)
    high = np.minimum(low + 1, frames.shape[axis] - 1)
    weight = (positions - low).astype(frames.dtype)
    shape = [1] * frames.ndim
    shape[axis] = len(positions)
    weight = weight.reshape(shape)
    return np.take(frames, low, axis=axis) * (1 - weight) + np.take(frames, high, axis=axis) * weight


def _output_times(planned: np.ndarray, frame: float) -> np.ndarray:
    return np.arange(int(round(float(np.sum(planned)) / frame))) * frame


def _segments(units: Sequence[Unit]) -> list[tuple[int, int]]:
    """Runs of consecutive units that sound the same part of the same syllable (a diphthong is one run)."""
    bounds = [0] + [i for i in range(1, len(units)) if units[i] != units[i - 1]] + [len(units)]
    return list(zip(bounds[:-1], bounds[1:]))


def _hold_point(level_db: np.ndarray, start: float, end: float, frame: float) -> float:
    """Seconds into a spoken vowel (`start`..`end`) where its note is held: HOLD_AT of the way, unless the
    frame there is WEAK_HOLD_DB under the vowel's strongest frame, then that frame."""
    first = min(int(round(start / frame)), len(level_db) - 1)
    levels = level_db[first : max(first + 1, int(round(end / frame)))]
    usual = HOLD_AT * (end - start)
    at = min(int((start + usual) / frame) - first, len(levels) - 1)
    if levels[at] >= levels.max() - WEAK_HOLD_DB:
        return usual
    return float(np.clip((first + int(np.argmax(levels))) * frame - start, 0.0, end - start))


def _segment_positions(t: np.ndarray, target: float, source: float, vowel: bool, attack: float) -> np.ndarray:
    """Source time for times `t` into a segment of `target` seconds spoken in `source` seconds; a held vowel
    stays near `attack` seconds into its spoken frames."""
    if not vowel or target <= source or source <= 0.0:
        return t * (source / target) if target > 0 else np.zeros_like(t)
    release = source - attack
    held = target - source
    positions = np.where(t < attack, t, np.where(t < attack + held, attack, t - held))
    in_hold = (t >= attack) & (t < attack + held)
    swings = max(1, int(round(2 * held / SWAY_PERIOD)))
    depth = min(SWAY_SECONDS, 0.5 * attack, 0.5 * release)
    positions[in_hold] += depth * np.sin(np.pi * swings * (t[in_hold] - attack) / held)
    return positions
