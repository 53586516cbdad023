"""Speech recognition with the en-US model bundled in the pocketsphinx wheel, to check words are really sung."""

from __future__ import annotations

import numpy as np
from scipy.signal import resample_poly

RATE = 16_000


def recognise(audio: np.ndarray, sample_rate: int) -> list[str]:
    """Lower-case words the recogniser hears in mono float audio."""
    from pocketsphinx import Decoder

    mono = audio.mean(axis=1) if audio.ndim == 2 else audio
    pcm = resample_poly(mono.astype(np.float64), RATE // 100, sample_rate // 100)
    pcm = (pcm / max(1e-9, np.max(np.abs(pcm))) * 0.9 * 32767).astype(np.int16)
    decoder = Decoder(samprate=RATE, loglevel="FATAL")
    decoder.start_utt()
    decoder.process_raw(pcm.tobytes(), full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return [w.lower().split("(")[0] for w in (hyp.hypstr.split() if hyp else [])]
