"""Engine benchmark: seconds of compute per second of song, peak memory, and lyrics to MP4.

Each run is a fresh process that composes the song twice: "cold" includes imports and
loading the voice, "warm" is the same song again with everything loaded (what a long-running
backend pays). For the warm song it reports wall seconds and CPU seconds (all threads) per
second of song: the wall figure is what a listener waits on an idle machine, the CPU figure
stays meaningful when other work shares the cores. Then it times `nemo-song make` from the
short lyric to a 1080p MP4 of a 30 s song (the same command as benchmarks/render.py's "make"
row). Prints medians and the targets: compute <= 0.3 s per song second on 2 cores, peak memory
< 1.5 GB, lyrics to MP4 under 15 s. Peak memory is the process's high-water mark (VmHWM: every
allocation counts, numpy's, onnxruntime's and pedalboard's included), read after each pipeline
stage, so the stage that set the peak is named. `--case longest` adds the longest song the
engine allows (MAX_MINUTES; several minutes per run).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LYRICS = ROOT / "nemo_widgets" / "data" / "lyrics"
CASES = {  # lyrics, description, length asked for
    "short": (LYRICS / "summer.txt", "an upbeat pop song with vocals", None),
    "full": (LYRICS / "city_lights.txt", "an upbeat pop song with vocals", None),
    "longest": (LYRICS / "city_lights.txt", "an upbeat pop song with vocals", "max"),
}
DEFAULT_CASES = ["short", "full"]
TARGET_RATIO = 0.3  # seconds of compute per second of song
TARGET_PEAK_MB = 1536
TARGET_MAKE_SECONDS = 15.0


def high_water_mb() -> float:
    """The process's peak resident memory so far (Linux VmHWM; elsewhere ru_maxrss)."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(status.split("VmHWM:")[1].split()[0]) / 1024
    except (OSError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(case: str, voice: str) -> None:
    started = time.perf_counter()
    from nemo_widgets.engine.pipeline import compose_song
    from nemo_widgets.engine.request import MAX_MINUTES

    lyrics_path, prompt, length = CASES[case]
    text = lyrics_path.read_text(encoding="utf-8")
    target = MAX_MINUTES * 60 if length == "max" else None
    peak_stage = ["start", 0.0]
    stage = ["start"]

    def progress(name: str, fraction: float) -> None:
        """The stage that just ended set the peak if the high-water mark rose during it."""
        high = high_water_mb()
        if high > peak_stage[1]:
            peak_stage[:] = [stage[0], high]
        stage[0] = name

    with tempfile.TemporaryDirectory() as tmp:
        song = compose_song(text, prompt, Path(tmp) / "cold", voice=voice, seed=1, target_seconds=target,
                            progress=progress)
        cold = time.perf_counter() - started
        started, cpu_started = time.perf_counter(), time.process_time()
        compose_song(text, prompt, Path(tmp) / "warm", voice=voice, seed=1, target_seconds=target, progress=progress)
        warm, warm_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(json.dumps({"cold": cold, "warm": warm, "warm_cpu": warm_cpu, "peak_mb": high_water_mb(),
                      "peak_stage": peak_stage[0], "duration": song.duration}))


def make_seconds(runs: int) -> list[tuple[float, float]]:
    """Wall and CPU seconds (all its processes, ffmpeg included) of `nemo-song make` from the short lyric to a 30 s
    song's MP4 (benchmarks/render.py's command)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from render import LYRICS as MAKE_LYRICS
    from render import PROMPT, timed

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    measured = []
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "nemo_widgets.cli", "make", str(MAKE_LYRICS), "--prompt", PROMPT, "-q",
                   "-o", f"{tmp}/song.mp4"]
        for _ in range(runs):
            before = cpu()
            wall = timed(command)[0]
            measured.append((wall, cpu() - before))
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per case (default 3)")
    parser.add_argument("--case", choices=sorted(CASES), action="append",
                        help="only this case (repeatable; default short and full, longest is opt-in)")
    parser.add_argument("--voice", choices=("female", "male"), action="append", help="only this voice (repeatable)")
    parser.add_argument("--no-make", action="store_true", help="skip the lyrics-to-MP4 timing")
    parser.add_argument("--worker", choices=sorted(CASES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    voices = args.voice or ["female", "male"]
    if args.worker:
        worker(args.worker, voices[0])
        return
    from tqdm import tqdm

    cases = args.case or DEFAULT_CASES
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
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} cores, load average {load:.1f} at the end (figures are inflated while other work runs); "
          f"median of {args.runs}")
    print(f"{'case':<8} {'voice':<7} {'song s':>7} {'cold s':>7} {'warm s':>7} {'wall/s':>7} {'cpu/s':>7} "
          f"{'peak MB':>8} {'max MB':>7}  peak set in")
    ratios, peaks = [], []
    for (case, voice), runs in results.items():
        med = {k: statistics.median(r[k] for r in runs) for k in ("cold", "warm", "warm_cpu", "peak_mb", "duration")}
        ratio, cpu_ratio = med["warm"] / med["duration"], med["warm_cpu"] / med["duration"]
        ratios.append(ratio)
        peaks.append(max(r["peak_mb"] for r in runs))
        stages = sorted({r["peak_stage"] for r in runs})
        print(f"{case:<8} {voice:<7} {med['duration']:7.1f} {med['cold']:7.2f} {med['warm']:7.2f} {ratio:7.3f} "
              f"{cpu_ratio:7.3f} {med['peak_mb']:8.0f} {peaks[-1]:7.0f}  {', '.join(stages)}")
    print(f"compute per second of song (warm, wall): at most {max(ratios):.3f} s (target <= {TARGET_RATIO})")
    print(f"peak memory: {max(peaks):.0f} MB (target < {TARGET_PEAK_MB} MB)")
    if not args.no_make:
        runs = make_seconds(args.runs)
        wall, cpu = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
        print(f"30 s song from lyrics to MP4 (nemo-song make, 1080p): {wall:.1f} s, {cpu:.1f} s of CPU "
              f"(target < {TARGET_MAKE_SECONDS:g} s)")


if __name__ == "__main__":
    main()
