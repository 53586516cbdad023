"""Per-instrument effects on a layer's own stem: guitar amp drive, supersaw width, sidechain pump, electric-piano
tremolo, dusty tape keys; and placing a stem left or right."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from pedalboard import Chorus, Distortion, HighpassFilter, LowpassFilter, Pedalboard, PeakFilter

from nemo_widgets.engine.long_audio import effected
from nemo_widgets.engine.model import SAMPLE_RATE

PUMP_DEPTH = 0.65  # gain at the kick: 1 - depth, recovering over PUMP_RELEASE of a beat
PUMP_RELEASE = 0.55
TREMOLO_HZ, TREMOLO_DEPTH = 4.8, 0.35
WIDE_DELAY_S = 0.012
DRIVE_DB = 12.0  # amp gain: crunch that still leaves gaps between the harmonics for the voice
GUITAR_SCOOP_HZ, GUITAR_SCOOP_DB = 2500.0, -4.0  # the scooped mids of a rock rhythm tone, where the words are
GUITAR_TOP_HZ = 4500.0  # above this the amp's fizz would cover the voice's consonants


def apply_effects(stereo: np.ndarray, fx: tuple[str, ...], seconds_per_beat: float) -> np.ndarray:
    for name in fx:
        stereo = EFFECTS[name](stereo, seconds_per_beat)
    return stereo


def pan(stereo: np.ndarray, position: float) -> np.ndarray:
    """Move a stem to `position` (-1 left .. 1 right) with a constant-power law; a stereo sample is folded
    towards mono as it moves to the side, so a hard-panned double really sits on one side."""
    if position == 0.0:
        return stereo
    angle = (position + 1.0) * np.pi / 4
    side = abs(position) * np.sqrt(2.0) / 2
    keep = 1.0 - abs(position)
    gl, gr = np.cos(angle) * side, np.sin(angle) * side
    left, right = stereo[:, 0], stereo[:, 1]
    placed = np.empty(stereo.shape, dtype=np.float32)
    placed[:, 0] = (keep + gl) * left + gl * right
    placed[:, 1] = gr * left + (keep + gr) * right
    return placed


def _board(effects: list, stereo: np.ndarray) -> np.ndarray:
    return effected(Pedalboard(effects), stereo.T.astype(np.float32, copy=False)).T


def _level_matched(dry: np.ndarray, wet: np.ndarray) -> np.ndarray:
    """The effected stem at the dry stem's loudness, so an effect changes the sound, not the balance."""
    dry_rms, wet_rms = float(np.sqrt(np.mean(dry**2))), float(np.sqrt(np.mean(wet**2)))
    return (wet * (dry_rms / wet_rms if wet_rms > 1e-9 else 1.0)).astype(np.float32, copy=False)


def _drive(stereo: np.ndarray, seconds_per_beat: float) -> np.ndarray:
    """A rhythm-guitar amp voiced around a singer: tighten the lows, moderate drive, scoop the upper mids and roll off
    the fizz, so twin guitars stay big without covering the 1-8 kHz where the words' formants and consonants are."""
    wet = _board([HighpassFilter(cutoff_frequency_hz=90), Distortion(drive_db=DRIVE_DB),
                  PeakFilter(cutoff_frequency_hz=GUITAR_SCOOP_HZ, gain_db=GUITAR_SCOOP_DB, q=0.8),
                  LowpassFilter(cutoff_frequency_hz=GUITAR_TOP_HZ)], stereo)
    return _level_matched(stereo, wet)


def _wide(stereo: np.ndarray, seconds_per_beat: float) -> np.ndarray:
    """A supersaw's width: a chorus, then the right side a few milliseconds behind the left, so the sides differ."""
    wet = _board([Chorus(rate_hz=0.7, depth=0.4, centre_delay_ms=9, feedback=0.0, mix=0.55)], stereo)
    delay = int(WIDE_DELAY_S * SAMPLE_RATE)
    wet[delay:, 1] = 0.6 * wet[delay:, 1] + 0.4 * wet[:-delay, 1]
    return wet.astype(np.float32)


def _pump(stereo: np.ndarray, seconds_per_beat: float) -> np.ndarray:
    """Sidechain pumping: the stem ducks on every beat (the four-on-the-floor kick) and swells back."""
    t = np.arange(len(stereo)) / SAMPLE_RATE / seconds_per_beat
    phase = t % 1.0
    gain = 1.0 - PUMP_DEPTH * np.clip(1.0 - phase / PUMP_RELEASE, 0.0, 1.0) ** 2
    return (stereo * gain[:, None]).astype(np.float32)


def _tremolo(stereo: np.ndarray, seconds_per_beat: float) -> np.ndarray:
    """An electric piano's stereo tremolo: the sound moves between the speakers."""
    t = np.arange(len(stereo)) / SAMPLE_RATE
    lfo = np.sin(2 * np.pi * TREMOLO_HZ * t)
    gain = np.stack([1.0 - TREMOLO_DEPTH * (1 + lfo) / 2, 1.0 - TREMOLO_DEPTH * (1 - lfo) / 2], axis=1)
    return (stereo * gain).astype(np.float32)


def _dusty(stereo: np.ndarray, seconds_per_beat: float) -> np.ndarray:
    """Worn tape keys: a slow pitch wobble and the top rolled off."""
    wet = _board([Chorus(rate_hz=0.35, depth=0.18, centre_delay_ms=7, feedback=0.0, mix=0.5),
                  LowpassFilter(cutoff_frequency_hz=3200)], stereo)
    return _level_matched(stereo, wet)


EFFECTS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "drive": _drive, "wide": _wide, "pump": _pump, "tremolo": _tremolo, "dusty": _dusty,
}
