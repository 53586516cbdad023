"""Engine benchmark: wall seconds and peak memory to compose the bundled lyrics.

Each run is a fresh process that composes the song twice: "cold" includes imports and
loading the voice, "warm" is the same song again with everything loaded (what a
long-running backend pays). Prints the median over the runs.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LYRICS = ROOT / "nemo_widgets" / "data" / "lyrics"
CASES = {
    "short": (LYRICS / "summer.txt", "an upbeat pop song with vocals"),
    "full": (LYRICS / "city_lights.txt", "an upbeat pop song with vocals"),
}


def worker(case: str, voice: str) -> None:
    started = time.perf_counter()
    from nemo_widgets.engine.pipeline import compose_song

    lyrics_path, prompt = CASES[case]
    text = lyrics_path.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        song = compose_song(text, prompt, Path(tmp) / "cold", voice=voice, seed=1)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        compose_song(text, prompt, Path(tmp) / "warm", voice=voice, seed=1)
        warm = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"cold": cold, "warm": warm, "peak_mb": peak_mb, "duration": song.duration}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per case (default 3)")
    parser.add_argument("--case", choices=sorted(CASES), action="append", help="only this case (repeatable)")
    parser.add_argument("--voice", choices=("female", "male"), action="append", help="only this voice (repeatable)")
    parser.add_argument("--worker", choices=sorted(CASES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    voices = args.voice or ["female", "male"]
    if args.worker:
        worker(args.worker, voices[0])
        return
    from tqdm import tqdm

    cases = args.case or ["short", "full"]
    jobs = [(c, v) for c in cases for v in voices]
    results: dict[tuple[str, str], list[dict]] = {job: [] for job in jobs}
    with tqdm(total=len(jobs) * args.runs, desc="composing", file=sys.stderr) as bar:
        for job in jobs:
            for _ in range(args.runs):
                out = subprocess.run(
                    [sys.executable, __file__, "--worker", job[0], "--voice", job[1]],
                    capture_output=True, text=True, check=True, cwd=ROOT,
                )
                results[job].append(json.loads(out.stdout.strip().splitlines()[-1]))
                bar.update()
    print(f"{'case':<6} {'voice':<7} {'song s':>7} {'cold s':>7} {'warm s':>7} {'peak MB':>8}  (median of {args.runs})")
    for (case, voice), runs in results.items():
        med = {k: statistics.median(r[k] for r in runs) for k in ("cold", "warm", "peak_mb", "duration")}
        print(f"{case:<6} {voice:<7} {med['duration']:7.1f} {med['cold']:7.2f} {med['warm']:7.2f} {med['peak_mb']:8.0f}")


if __name__ == "__main__":
    main()
