"""Render benchmark: wall seconds and peak memory to render the bundled song at 1080p.

Composes the bundled 4-line lyric once (a 26-30 s song, its folder reused), renders it at
16:9 and 9:16 with waveform and karaoke several times, and times `nemo-song make` end to
end. Peak memory is that of the largest process each command ran (ru_maxrss). Prints medians.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LYRICS = ROOT / "nemo_widgets" / "data" / "lyrics" / "summer.txt"
PROMPT = "an upbeat pop song with vocals, 30 seconds"


MEASURE = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds, and the peak resident memory in MB of the largest process the command ran (ffmpeg included)."""
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", MEASURE, *command], check=True, cwd=ROOT, capture_output=True, text=True)
    return time.perf_counter() - started, int(out.stdout.split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs per case (default 3)")
    parser.add_argument("--quality", default="standard", help="render quality preset (default standard)")
    args = parser.parse_args()
    from tqdm import tqdm

    song = [sys.executable, "-m", "nemo_widgets.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "song"
        subprocess.run([*song, "compose", str(LYRICS), "--prompt", PROMPT, "-o", str(folder), "-q"], check=True,
                       cwd=ROOT, stdout=subprocess.DEVNULL)
        draft = Path(tmp) / "draft.json"
        subprocess.run([sys.executable, "-c", "import json,sys; from nemo_widgets.render import song_draft; "
                        f"open({str(draft)!r}, 'w').write(json.dumps(song_draft({str(folder)!r}).to_wire()))"], check=True, cwd=ROOT)
        import json

        length = json.loads((folder / "timing.json").read_text())["duration"]
        cases = {
            "render 16:9": [*song, "render", str(draft), "--aspect", "16:9", "--quality", args.quality, "-q", "-o", f"{tmp}/a.mp4"],
            "render 9:16": [*song, "render", str(draft), "--aspect", "9:16", "--quality", args.quality, "-q", "-o", f"{tmp}/b.mp4"],
            "make (compose+render)": [*song, "make", str(LYRICS), "--prompt", PROMPT, "-q", "-o", f"{tmp}/c.mp4"],
        }
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        with tqdm(total=len(cases) * args.runs, desc="rendering", file=sys.stderr) as bar:
            for name, command in cases.items():
                for _ in range(args.runs):
                    results[name].append(timed(command))
                    bar.update()
    print(f"song length {length:.1f} s, 1080p, quality {args.quality}, median of {args.runs}")
    print(f"{'case':<22} {'seconds':>8} {'peak MB':>8}")
    for name, runs in results.items():
        print(f"{name:<22} {statistics.median(r[0] for r in runs):8.2f} {max(r[1] for r in runs):8.0f}")


if __name__ == "__main__":
    main()
