"""Backend load test: 20 users calling credits and state while 4 users each make a song and
one more keeps sending a 1 MB chat message.

The embedded backend runs as its own process (as notebooks run it) over a fresh data
folder; every user has its own client id, token and session. Light calls are timed while
the songs are made; the 1 MB message must be refused at once with the size limit, never
parsed. Afterwards every answer is checked for mix-ups (each user sees only its own
session, balance and song). Prints, over several runs, the median of the p50 and p95
latencies of the light routes (target: p95 under 500 ms), how long refusing the 1 MB
message took, songs per minute and the backend's peak memory.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LYRICS = (ROOT / "nemo_widgets" / "data" / "lyrics" / "summer.txt").read_text(encoding="utf-8")
HUGE_MESSAGE = "trim " * (1024 * 1024 // 5)  # 1 MB of the words that made intent parsing quadratic
P95_TARGET_MS = 500.0


def peak_mb(pid: int) -> float:
    """The process's peak resident memory (Linux VmHWM; 0 where /proc is missing)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


async def one_run(folder: Path, light_users: int, song_users: int) -> dict[str, float]:
    from nemo_widgets.client.api import NemoClient
    from nemo_widgets.client.config import Identity
    from nemo_widgets.client.embedded import embedded_backend, stop_embedded_backend
    from nemo_widgets.client.errors import NemoError

    backend = await asyncio.to_thread(embedded_backend, folder / "data")
    clients = [NemoClient(backend.base_url, Identity(folder / f"user{i}"), kind="embedded")
               for i in range(light_users + song_users + 1)]
    try:
        for client in clients:
            await client.new_session()
        light, singers, flooder = clients[:light_users], clients[light_users:-1], clients[-1]
        latencies: list[float] = []
        refusals: list[float] = []
        problems: list[str] = []
        songs_done = asyncio.Event()

        async def sing(client: NemoClient, seed: int) -> None:
            async for _ in client.run_turn(f"an upbeat pop song, seed {seed}:\n{LYRICS}"):
                pass

        async def browse(client: NemoClient) -> None:
            while not songs_done.is_set():
                for call in (client.credits, client.state):
                    started = time.perf_counter()
                    answer = await call()
                    latencies.append(time.perf_counter() - started)
                    if call == client.credits and answer.available != 100:
                        problems.append(f"{client.user_id} sees {answer.available} credits")
                    if call == client.state and answer.get("generated_media"):
                        problems.append(f"{client.user_id} sees a song it did not make")

        async def flood(client: NemoClient) -> None:
            while not songs_done.is_set():
                started = time.perf_counter()
                try:
                    async for _ in client.run_turn(HUGE_MESSAGE):
                        problems.append("a 1 MB message opened a turn")
                        break
                except NemoError as error:
                    if "limit" not in str(error):
                        problems.append(f"the 1 MB message was refused without its limit: {error}")
                refusals.append(time.perf_counter() - started)
                await asyncio.sleep(0.5)

        started = time.perf_counter()
        browsing = [asyncio.create_task(browse(c)) for c in light] + [asyncio.create_task(flood(flooder))]
        await asyncio.gather(*(sing(c, 10 + i) for i, c in enumerate(singers)))
        elapsed = time.perf_counter() - started
        songs_done.set()
        await asyncio.gather(*browsing)
        for i, client in enumerate(singers):
            media = (await client.state())["generated_media"]
            if len(media) != 1 or media[0]["seed"] != 10 + i:
                problems.append(f"singer {i} has {[m.get('seed') for m in media]}")
            if (await client.credits()).available != 80:
                problems.append(f"singer {i} was charged wrongly")
        if problems:
            raise SystemExit("Mix-ups under load: " + "; ".join(problems[:5]))
        ordered = sorted(latencies)
        return {"p50_ms": 1000 * ordered[len(ordered) // 2], "p95_ms": 1000 * ordered[int(len(ordered) * 0.95)],
                "calls": len(latencies), "huge_message_ms": 1000 * statistics.median(refusals),
                "huge_message_max_ms": 1000 * max(refusals), "huge_messages": len(refusals),
                "songs_per_min": song_users / elapsed * 60, "seconds": elapsed, "peak_mb": peak_mb(backend.process.pid)}
    finally:
        for client in clients:
            await client.aclose()
        stop_embedded_backend()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="fresh backends (default 3)")
    parser.add_argument("--users", type=int, default=20, help="users calling credits and state (default 20)")
    parser.add_argument("--songs", type=int, default=4, help="users making a song at the same time (default 4)")
    args = parser.parse_args()
    results = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="nemo-load-") as tmp:
            results.append(asyncio.run(one_run(Path(tmp), args.users, args.songs)))
        print(f"run {run + 1}: " + ", ".join(f"{k} {v:.1f}" for k, v in results[-1].items()), file=sys.stderr)
    print(f"{args.users} users on credits/state while {args.songs} songs generate and a 1 MB chat message is sent "
          f"again and again (median of {args.runs} runs):")
    for key, label in (("p50_ms", "light-route latency p50 (ms)"), ("p95_ms", "light-route latency p95 (ms)"),
                       ("calls", "light calls per run"), ("huge_message_ms", "1 MB message refused in, median (ms)"),
                       ("huge_message_max_ms", "1 MB message refused in, max (ms)"),
                       ("huge_messages", "1 MB messages sent per run"), ("songs_per_min", "songs per minute"),
                       ("seconds", "seconds until all songs were made"), ("peak_mb", "backend peak memory (MB)")):
        print(f"  {label:<40} {statistics.median(r[key] for r in results):8.1f}")
    p95 = statistics.median(r["p95_ms"] for r in results)
    print(f"  light-route p95 {'meets' if p95 < P95_TARGET_MS else 'MISSES'} the {P95_TARGET_MS:g} ms target")


if __name__ == "__main__":
    main()
