"""Write a finished song's files into one folder, all or nothing.

Files are written into a hidden sibling folder first and moved into place only when
every one of them is complete, so a failure never leaves a half-written song behind.
The `timing.json` format is documented in docs/timing-format.md.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import mido
import numpy as np
import soundfile as sf

from nemo_widgets.engine.band import NoteEvent
from nemo_widgets.engine.model import SAMPLE_RATE, Arrangement, SungPhrase

TIMING_FORMAT = "nemo-timing"
TIMING_VERSION = 1
MIDI_TICKS_PER_BEAT = 480
VOCAL_PROGRAM = 53  # General MIDI "Voice Oohs"

SONG_FILES = ("song.wav", "vocals.wav", "accompaniment.wav", "song.mid", "timing.json", "lyrics.lrc")


@dataclass(frozen=True)
class SyllableTiming:
    text: str
    word: int
    start: float
    end: float
    midi: int


def syllable_timings(arr: Arrangement, sung: Sequence[SungPhrase]) -> list[SyllableTiming]:
    """Each sung syllable with the time its first sound starts and ends, in singing order."""
    timings = []
    for phrase, rendered in zip(arr.phrases, sung):
        for note, onset, end in zip(phrase.notes, rendered.syllable_onsets, rendered.syllable_ends):
            timings.append(SyllableTiming(note.text, note.word_index, round(onset, 3), round(end, 3), note.midi))
    return timings


def timing_document(arr: Arrangement, syllables: Sequence[SyllableTiming], duration: float) -> dict:
    words_of_line = _word_ranges(arr)
    words = []
    by_word: dict[int, list[SyllableTiming]] = {}
    for s in syllables:
        by_word.setdefault(s.word, []).append(s)
    all_words = arr.lyrics.words
    line_of_word = {w: li for li, (a, b) in enumerate(words_of_line) for w in range(a, b)}
    for index in sorted(by_word):
        parts = by_word[index]
        words.append({"index": index, "text": all_words[index].display, "sung": all_words[index].text,
                      "start": parts[0].start, "end": parts[-1].end, "line": line_of_word[index]})
    word_at = {w["index"]: w for w in words}
    lines = []
    for phrase in arr.phrases:
        a, b = words_of_line[phrase.line_index]
        sung_words = [word_at[i] for i in range(a, b) if i in word_at]
        lines.append({"index": phrase.line_index, "text": arr.lyrics.lines[phrase.line_index].display,
                      "section": phrase.section_index, "start": sung_words[0]["start"],
                      "end": sung_words[-1]["end"], "words": [w["index"] for w in sung_words]})
    spec = arr.spec
    return {
        "format": TIMING_FORMAT,
        "version": TIMING_VERSION,
        "duration": round(duration, 3),
        "sample_rate": SAMPLE_RATE,
        "bpm": spec.bpm,
        "beats_per_bar": arr.beats_per_bar,
        "key": str(spec.key),
        "genre": spec.genre,
        "mood": spec.mood,
        "voice": None if spec.instrumental else spec.voice,
        "instrumental": spec.instrumental,
        "seed": spec.seed,
        "sections": [
            {"index": i, "kind": s.kind, "label": s.label, "start": round(arr.seconds(s.start), 3),
             "end": round(arr.seconds(s.end(arr.beats_per_bar)), 3), "sung": s.sung,
             "chords": [{"root": c.root, "quality": c.quality, "start": round(arr.seconds(c.start), 3)} for c in s.chords]}
            for i, s in enumerate(arr.sections)
        ],
        "lines": lines,
        "words": words,
        "syllables": [
            {"text": s.text, "word": s.word, "start": s.start, "end": s.end, "midi": s.midi} for s in syllables
        ],
    }


def lrc_text(document: dict, title: str) -> str:
    """Line-level LRC with the title and length headers most players read."""
    def stamp(seconds: float) -> str:
        minutes, rest = divmod(max(0.0, seconds), 60)
        return f"[{int(minutes):02d}:{rest:05.2f}]"

    duration = document["duration"]
    head = [f"[ti:{title}]", "[by:nemo_widgets]", f"[length:{int(duration // 60):02d}:{int(duration % 60):02d}]"]
    return "\n".join(head + [f"{stamp(line['start'])}{line['text']}" for line in document["lines"]]) + "\n"


def midi_file(arr: Arrangement, band: Sequence[NoteEvent]) -> mido.MidiFile:
    """A type-1 file: tempo, the sung melody on a track named `Vocals` with its syllables as lyrics, then the band."""
    midi = mido.MidiFile(type=1, ticks_per_beat=MIDI_TICKS_PER_BEAT)
    conductor = mido.MidiTrack([
        mido.MetaMessage("track_name", name="Tempo", time=0),
        mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(arr.bpm), time=0),
        mido.MetaMessage("time_signature", numerator=arr.beats_per_bar, denominator=4, time=0),
    ])
    midi.tracks.append(conductor)
    vocal_events: list[tuple[int, int, mido.Message | mido.MetaMessage]] = []
    for note in arr.notes:
        on = _tick(note.start)
        off = max(on + 1, _tick(note.start + note.duration))
        vocal_events.append((on, 1, mido.MetaMessage("lyrics", text=note.text)))
        vocal_events.append((on, 2, mido.Message("note_on", channel=0, note=note.midi, velocity=96)))
        vocal_events.append((off, 0, mido.Message("note_off", channel=0, note=note.midi, velocity=0)))
    midi.tracks.append(_track("Vocals", [(0, 0, mido.Message("program_change", channel=0, program=VOCAL_PROGRAM))]
                              + vocal_events))
    tracks: dict[str, list[NoteEvent]] = {}
    for event in band:
        tracks.setdefault(event.track, []).append(event)
    for name, events in tracks.items():
        first = events[0]
        messages: list[tuple[int, int, mido.Message | mido.MetaMessage]] = []
        if first.channel != 9:
            messages.append((0, 0, mido.Message("program_change", channel=first.channel, program=first.program)))
        for e in events:
            on = _tick(e.start)
            messages.append((on, 2, mido.Message("note_on", channel=e.channel, note=e.midi, velocity=e.velocity)))
            messages.append((max(on + 1, _tick(e.start + e.duration)), 0,
                             mido.Message("note_off", channel=e.channel, note=e.midi, velocity=0)))
        midi.tracks.append(_track(name, messages))
    return midi


def write_song_folder(
    outdir: Path,
    *,
    song: np.ndarray,
    vocals: np.ndarray,
    accompaniment: np.ndarray,
    midi: mido.MidiFile,
    timing: dict,
    lrc: str,
) -> dict[str, Path]:
    """Write every file to a temporary sibling, then move them into `outdir` together."""
    outdir = Path(outdir)
    outdir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.", dir=outdir.parent))
    try:
        sf.write(staging / "song.wav", song, SAMPLE_RATE, subtype="PCM_16")
        sf.write(staging / "vocals.wav", vocals, SAMPLE_RATE, subtype="PCM_16")
        sf.write(staging / "accompaniment.wav", accompaniment, SAMPLE_RATE, subtype="PCM_16")
        midi.save(staging / "song.mid")
        (staging / "timing.json").write_text(json.dumps(timing, indent=1, ensure_ascii=False), encoding="utf-8")
        (staging / "lyrics.lrc").write_text(lrc, encoding="utf-8")
        if not outdir.exists():
            os.replace(staging, outdir)
        else:
            for name in SONG_FILES:
                os.replace(staging / name, outdir / name)
            staging.rmdir()
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return {name: outdir / name for name in SONG_FILES}


def _word_ranges(arr: Arrangement) -> list[tuple[int, int]]:
    ranges, start = [], 0
    for line in arr.lyrics.lines:
        ranges.append((start, start + len(line.words)))
        start += len(line.words)
    return ranges


def _tick(beats: float) -> int:
    return int(round(beats * MIDI_TICKS_PER_BEAT))


def _track(name: str, events: list[tuple[int, int, mido.Message | mido.MetaMessage]]) -> mido.MidiTrack:
    """Absolute-tick events to a track with delta times; note-offs sort before note-ons at one tick."""
    track = mido.MidiTrack([mido.MetaMessage("track_name", name=name, time=0)])
    now = 0
    for tick, _, message in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(message.copy(time=tick - now))
        now = tick
    return track
