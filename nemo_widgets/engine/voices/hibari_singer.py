"""The female voice: hibari-tts ("heart") made to sing inside its own model.

Two views of the same ONNX graph: one also returns the duration the model predicts for
each phoneme (the `/Clip` tensor, 25 ms steps), the other takes those durations as an
input. We read the natural durations, retime the consonants to the notes, keep vowels
at their spoken length, run the model again, hold each vowel to its note from its
frames (see hold.py), then replace the F0 track with the melody before hibari's
source-filter synthesis. The model's free-phase branch (`lr`) carries the spoken pitch,
so on vowels its harmonic envelope moves into the harmonic branch (sung at the melody's
pitch) and the branch is muted; consonants keep it, as it carries much of their noise.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from functools import cached_property

import numpy as np
import onnx
import onnxruntime as ort
from scipy.ndimage import maximum_filter1d
from scipy.signal import resample_poly

from nemo_widgets.engine.model import SAMPLE_RATE, Phrase, SungPhrase, Word
from nemo_widgets.engine.voices.onnx_graphs import with_input_for, with_only_output
from nemo_widgets.engine.voices.hold import at_positions, frame_positions, release_gain, spoken_frames
from nemo_widgets.engine.voices.pitch import f0_curve
from nemo_widgets.engine.voices.tokens import line_tokens
from nemo_widgets.engine.voices.timing import plan_timing

DURATION_TENSOR = "/Clip_output_0"
STEP_SECONDS = 0.025  # one duration step = two 12.5 ms frames
FRAME_SECONDS = 0.0125
VOICED_HZ = 40.0
MUTED = -30.0
HARMONIC_BINS = 13  # 20 Hz bins: the free-phase branch's harmonic peaks at a spoken pitch down to ~150 Hz
SPACE, PAD = 16, 0
SILENT_GAIN = 1e-6
CONTINUATION = " ə"  # spoken after the line (then dropped) so the line's last word is not whispered as an utterance's end
_PUNCTUATION = re.compile(r"[;:,.!?—…\"()“”]")


class HibariSinger:
    voice = "female"

    def __init__(self) -> None:
        from hibari import Hibari

        self._tts = Hibari()
        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = 1
        natural = with_only_output(onnx.load(self._tts.model_path), DURATION_TENSOR)
        self._natural = ort.InferenceSession(natural.SerializeToString(), options, providers=["CPUExecutionProvider"])
        timed = with_input_for(onnx.load(self._tts.model_path), DURATION_TENSOR, ["n"])
        self._timed = ort.InferenceSession(timed.SerializeToString(), options, providers=["CPUExecutionProvider"])
        self._g2p_lock = threading.Lock()

    @cached_property
    def _vocab(self) -> dict[str, int]:
        return self._tts.vocab

    def _word_symbols(self, text: str) -> list[str]:
        with self._g2p_lock:
            phonemes = _PUNCTUATION.sub("", self._tts.g2p(text)).replace(" ", "")
        return [c for c in phonemes if c in self._vocab] or ["ə"]

    def sing(self, phrase: Phrase, words: Sequence[Word], seconds_per_beat: float) -> SungPhrase:
        continuation = [i for symbol in CONTINUATION for i in ([SPACE] if symbol == " " else [self._vocab[symbol]])]
        line = line_tokens(phrase, words, seconds_per_beat, self._word_symbols,
                           lambda s: [self._vocab[s]], [PAD], [SPACE], continuation + [PAD])
        ids = np.asarray(line.ids, np.int64)
        speed = np.asarray([1.0], np.float32)
        natural = self._natural.run(None, {"ids": ids[None], "speed": speed})[0] * STEP_SECONDS
        plan = plan_timing(line.units, natural, line.notes)
        steps = spoken_frames(plan.seconds, natural, line.units, STEP_SECONDS)
        spoken = self._timed.run(None, {"ids": ids[None], "speed": speed, DURATION_TENSOR: steps.astype(np.float32)})
        lh, th, ln, lr, phi, f0 = (o[0] for o in spoken)
        voiced_db = 10 * np.log10(np.sum(np.exp(2 * np.logaddexp(lh, lr)), axis=0) + SILENT_GAIN)
        positions = frame_positions(plan.seconds, steps * STEP_SECONDS, line.units, FRAME_SECONDS, voiced_db)
        positions = np.minimum(positions, len(f0) - 1)
        nearest = np.rint(positions).astype(int)
        lh, th, ln = (at_positions(a, positions) for a in (lh, th, ln))
        lr, phi, f0 = lr[:, nearest], phi[:, nearest], f0[nearest]
        times = plan.start + np.arange(len(f0)) * FRAME_SECONDS
        vowel = np.zeros(len(f0), bool)
        for a, b in zip(plan.vowel_starts, plan.vowel_ends):
            vowel |= (times >= a) & (times < b)
        voiced = (f0 > VOICED_HZ) | vowel
        f0 = np.where(voiced, f0_curve(times, line.notes), f0).astype(np.float32)
        lh[:, vowel] = np.logaddexp(lh[:, vowel], maximum_filter1d(lr[:, vowel], HARMONIC_BINS, axis=0))
        lr[:, vowel] = MUTED
        fade = np.log(np.maximum(release_gain(plan.seconds, line.units, FRAME_SECONDS), SILENT_GAIN)).astype(np.float32)
        lh, ln, lr = lh + fade, ln + fade, lr + fade
        from hibari import dsp

        audio = dsp.synth(lh, th, ln, lr, phi, f0, np.random.default_rng(phrase.line_index))
        audio = resample_poly(audio, SAMPLE_RATE // 300, dsp.SR // 300).astype(np.float32)
        return SungPhrase(start=plan.start, audio=audio, syllable_onsets=plan.onsets, syllable_ends=plan.ends)
