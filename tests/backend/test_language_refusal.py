"""Lyrics the voices cannot sing are a 400 naming the language, at once, before any charge or journal entry
(issue 11, item 9), over real HTTP against the real backend, in-process and as its own `nemo-song serve` process."""

import sqlite3
import time
from pathlib import Path

import httpx
import pytest

from tests.backend.conftest import serve_process, serving
from tests.engine import samples

JAPANESE = "これは日本語の歌詞です\n二行目の歌詞です"
REFUSED = {samples.SPANISH: "Spanish", samples.FRENCH: "French", JAPANESE: "Japanese"}
INSTANT = 2.0  # seconds; a generous bound on a loaded machine (a refusal takes ~0.02 s on a warm server)


def _user(client: httpx.Client) -> tuple[dict[str, str], str]:
    token = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "language"}).json()["data"]["token"]
    headers = {"Authorization": f"Bearer {token}"}
    return headers, client.post("/api/tasks/me/with-session/nemo_agent", json={}, headers=headers).json()["data"]["session_id"]


def _ask(client: httpx.Client, headers: dict[str, str], session: str, lyrics: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = client.post("/run_sse", headers=headers,
                           json={"session_id": session, "new_message": {"parts": [{"text": f"a pop song:\n{lyrics}"}]}})
    return response, time.monotonic() - started


def _turns(data: Path) -> int:
    with sqlite3.connect(data / "nemo.sqlite3") as db:
        return db.execute("SELECT COUNT(*) FROM turns").fetchone()[0]


def test_lyrics_in_another_language_are_refused_at_once_uncharged_and_unjournaled(tmp_path):
    with serving(tmp_path) as (client, _):
        headers, session = _user(client)
        for lyrics, language in REFUSED.items():
            response, seconds = _ask(client, headers, session, lyrics)
            assert response.status_code == 400 and response.headers["content-type"] == "application/json", response.text
            assert response.json()["message"] == (f"These lyrics look like {language}; the voices can only sing English "
                                                  "today: write the lyrics in English.")
            assert seconds < INSTANT, (language, seconds)
        assert client.get("/api/credits/balance/simple", headers=headers).json()["data"]["available"] == 100
        assert _turns(tmp_path) == 0


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads which libraries a process loaded from /proc")
def test_a_fresh_backend_process_refuses_without_loading_the_engine(tmp_path):
    """The embedded backend of a notebook or `nemo-song make` starts without the voices, band and mix, so its first
    refusal does not wait for them."""
    process, base = serve_process(tmp_path / "data")
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            headers, session = _user(client)
            for lyrics, language in REFUSED.items():
                response, seconds = _ask(client, headers, session, lyrics)
                assert response.status_code == 400 and language in response.json()["message"]
                assert seconds < INSTANT, (language, seconds)
            assert client.get("/api/credits/balance/simple", headers=headers).json()["data"]["available"] == 100
        loaded = Path(f"/proc/{process.pid}/maps").read_text()
        assert not [name for name in ("onnxruntime", "pedalboard", "tinysoundfont", "pyworld") if name in loaded]
        assert _turns(tmp_path / "data") == 0
    finally:
        process.terminate()
        process.wait(timeout=30)
