"""One call from lyrics and a description to a finished song folder.

The band renders on a worker thread while the voice sings the lines on two more, so the
slowest stages share the machine's cores; results are placed in order, so the song does
not depend on which thread finished first. Memory (an 8-minute song must stay well under
1.5 GB): the voice is loaded before the band's SoundFont so their loading peaks do not add
up, and each sung line's audio (its job's result too) is dropped once it is placed on the vocal track.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from nemo_widgets.engine.band import arrange_band, render_band
from nemo_widgets.engine.compose import compose
from nemo_widgets.engine.errors import EngineInputError
from nemo_widgets.engine.form import TAIL_SECONDS
from nemo_widgets.engine.genres import PRESETS
from nemo_widgets.engine.mix import mix_and_master
from nemo_widgets.engine.model import SAMPLE_RATE, Arrangement, Lyrics, SongSpec, SungPhrase, VoiceName
from nemo_widgets.engine.outputs import lrc_text, midi_file, syllable_timings, timing_document, write_song_folder
from nemo_widgets.engine.request import MAX_MINUTES, read_request
from nemo_widgets.engine.voices import load_singer

SINGING_THREADS = 2  # the vocoders release the GIL: lines are sung two at a time

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class ComposedSong:
    spec: SongSpec
    arrangement: Arrangement
    title: str
    duration: float  # seconds of song.wav
    lufs: float
    true_peak_db: float
    files: dict[str, Path]
    timing: dict


def song_title(lyrics: Lyrics | None, spec: SongSpec) -> str:
    """The first line of the first chorus, else the first line; an instrumental is named by its style."""
    if lyrics is None or spec.instrumental or not lyrics.lines:
        return f"{spec.mood.capitalize()} {spec.genre} instrumental"
    chorus = next((s for s in lyrics.sections if s.kind == "chorus" and s.lines), None)
    line = (chorus.lines[0] if chorus else lyrics.lines[0]).display
    words = re.sub(r"[^\w'’ -]+", " ", line).split()
    return " ".join(words[:8]) or f"{spec.genre} song"


def compose_song(
    lyrics_text: str,
    prompt: str,
    outdir: Path,
    *,
    voice: VoiceName | None = None,
    seed: int | None = None,
    instrumental: bool | None = None,
    target_seconds: float | None = None,
    progress: Progress | None = None,
) -> ComposedSong:
    """Compose, sing, arrange, mix and write the song; raises EngineInputError for input to fix."""
    report = progress or (lambda stage, fraction: None)
    report("reading lyrics", 0.0)
    spec, lyrics = read_request(lyrics_text, prompt, voice=voice, seed=seed, instrumental=instrumental,
                                target_seconds=target_seconds)
    report("composing", 0.05)
    arr = compose(lyrics, spec)
    minutes = arr.duration_seconds / 60
    if minutes > MAX_MINUTES:
        raise EngineInputError(
            f"These lyrics would make a {minutes:.1f}-minute song and the limit is {MAX_MINUTES:g} minutes: "
            "shorten them or split them into several songs."
        )
    preset = PRESETS[spec.genre]
    frames = int(round((arr.duration_seconds + TAIL_SECONDS) * SAMPLE_RATE))
    events = arrange_band(arr, preset)
    if arr.phrases:
        report("loading the voice", 0.08)
        singer = load_singer(spec.voice)
    with ThreadPoolExecutor(max_workers=SINGING_THREADS + 1) as pool:
        band_job = pool.submit(render_band, events, arr)
        sung: list[SungPhrase] = []
        vocals = None
        if arr.phrases:
            vocals = np.zeros(frames, dtype=np.float32)
            seconds_per_beat = 60.0 / arr.bpm
            jobs = deque(pool.submit(singer.sing, phrase, arr.lyrics.words, seconds_per_beat) for phrase in arr.phrases)
            for i in range(len(jobs)):
                rendered = jobs.popleft().result()  # a done job holds its line's audio: let it go once placed
                report("singing", 0.1 + 0.6 * (i + 1) / len(arr.phrases))
                _place(vocals, rendered)
                sung.append(replace(rendered, audio=np.zeros(0, dtype=np.float32)))
        report("playing the band", 0.72)
        tracks = [vocals, _fit(band_job.result(), frames)]
    del vocals
    report("mixing and mastering", 0.8)
    mix = mix_and_master(tracks.pop(0), tracks.pop(0), preset)  # handed over: the mix frees each once used
    report("writing files", 0.95)
    title = song_title(lyrics, spec)
    timing = timing_document(arr, syllable_timings(arr, sung), frames / SAMPLE_RATE)
    timing["title"] = title
    files = write_song_folder(
        outdir, song=mix.song, vocals=mix.vocals, accompaniment=mix.accompaniment,
        midi=midi_file(arr, events), timing=timing, lrc=lrc_text(timing, title),
    )
    report("done", 1.0)
    return ComposedSong(spec=spec, arrangement=arr, title=title, duration=frames / SAMPLE_RATE,
                        lufs=mix.lufs, true_peak_db=mix.true_peak_db, files=files, timing=timing)


def _place(track: np.ndarray, phrase: SungPhrase) -> None:
    start = int(round(phrase.start * SAMPLE_RATE))
    audio = phrase.audio[max(0, -start):]
    start = max(0, start)
    end = min(len(track), start + len(audio))
    track[start:end] += audio[: end - start]


def _fit(stereo: np.ndarray, frames: int) -> np.ndarray:
    if len(stereo) >= frames:
        return stereo[:frames]
    return np.concatenate([stereo, np.zeros((frames - len(stereo), 2), dtype=stereo.dtype)])
