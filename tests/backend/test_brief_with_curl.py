"""The brief's call sequence, done with real curl against `nemo-song serve`."""

import http.server
import json
import subprocess
import sys
import threading
import time
from functools import partial

import pytest

from nemo_widgets.render.ffmpeg import ffmpeg_exe
from tests.conftest import LYRICS_DIR

pytestmark = pytest.mark.slow
ATTRIBUTION = ["-H", "X-Skill-Source: ai-song-generator", "-H", "X-Skill-Version: 0.1.0", "-H", "X-Skill-Platform: unknown"]


def curl(*args: str) -> str:
    result = subprocess.run(["curl", "-sS", "--max-time", "300", *args], capture_output=True, text=True, check=True)
    return result.stdout


@pytest.fixture
def served(tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "nemo_widgets.cli", "serve", "--port", "0", "--data-dir",
                                str(tmp_path / "data"), "--allow-private-urls"], stdout=subprocess.PIPE, text=True)
    try:
        yield process.stdout.readline().split()[5]
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture
def media_site(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "testsrc=s=320x240:r=24:d=1", "-pix_fmt", "yuv420p",
                    str(folder / "clip.mp4")], check=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(http.server.SimpleHTTPRequestHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_the_brief_call_sequence_with_curl(served, media_site, tmp_path):
    base = served
    folder, site = media_site
    token = json.loads(curl("-X", "POST", "-H", "X-Client-Id: curl-client", f"{base}/api/auth/anonymous-token"))["data"]["token"]
    auth = ["-H", f"Authorization: Bearer {token}", *ATTRIBUTION]
    session = json.loads(curl("-X", "POST", *auth, "-H", "Content-Type: application/json", "-d",
                              '{"task_name":"project","language":"en"}', f"{base}/api/tasks/me/with-session/nemo_agent"))
    sid = session["data"]["session_id"]

    message = "generate an upbeat pop song with vocals from these lyrics:\n" + (LYRICS_DIR / "summer.txt").read_text()
    body = json.dumps({"app_name": "nemo_agent", "user_id": "me", "session_id": sid, "new_message": {"parts": [{"text": message}]}})
    stream = curl("-N", "-X", "POST", *auth, "-H", "Accept: text/event-stream", "-H", "Content-Type: application/json",
                  "-d", body, f"{base}/run_sse")
    events = [json.loads(line[len("data: "):]) for line in stream.split("\n\n") if line.startswith("data: ")]
    assert events[-1]["turnComplete"] is True and any("functionCall" in p for e in events for p in e.get("content", {}).get("parts", []))

    uploaded = json.loads(curl("-X", "POST", *auth, "-F", f"files=@{folder / 'clip.mp4'}",
                               f"{base}/api/upload-video/nemo_agent/me/{sid}"))
    assert uploaded["data"]["files"][0]["file_type"] == "video"
    by_url = json.loads(curl("-X", "POST", *auth, "-H", "Content-Type: application/json", "-d",
                             json.dumps({"urls": [f"{site}/clip.mp4"], "source_type": "url"}),
                             f"{base}/api/upload-video/nemo_agent/me/{sid}"))
    assert by_url["data"]["files"][0]["width"] == 320

    credits = json.loads(curl(*auth, f"{base}/api/credits/balance/simple"))["data"]
    assert credits["available"] == 80
    state = json.loads(curl(*auth, f"{base}/api/state/nemo_agent/me/{sid}/latest"))["data"]["state"]
    assert len(state["video_infos"]) == 2 and state["draft"]["t"]

    render_id = f"render_{int(time.time() * 1000)}"
    export = json.dumps({"id": render_id, "sessionId": sid, "draft": state["draft"], "output": {"format": "mp4", "quality": "high"}})
    created = json.loads(curl("-X", "POST", *auth, "-H", "Content-Type: application/json", "-d", export,
                              f"{base}/api/render/proxy/lambda"))
    assert created["data"]["status"] in ("pending", "processing")
    deadline = time.monotonic() + 180
    while True:
        poll = json.loads(curl(*auth, f"{base}/api/render/proxy/lambda/{render_id}"))
        if poll["status"] in ("completed", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert poll["status"] == "completed", poll
    out = tmp_path / "song.mp4"
    curl(*auth, "-o", str(out), poll["output"]["url"])
    assert out.read_bytes()[4:8] == b"ftyp" and out.stat().st_size == poll["output"]["size"]
