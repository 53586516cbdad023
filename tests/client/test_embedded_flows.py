"""Real flows against the embedded backend over HTTP: tokens, songs, state as DataFrames, uploads, export, resume;
the client's flows run once per dialect (the bootstrap over SSE, the gateway over its WebSocket)."""

import asyncio
import os
import stat

from pathlib import Path

import av
import pytest

from nemo_widgets.client.config import Identity, Settings
from nemo_widgets.client.connection import open_client
from nemo_widgets.client.embedded import stop_embedded_backend
from nemo_widgets.client.errors import SessionNotFound, UnsupportedFile
from nemo_widgets.controller.routing import Action
from nemo_widgets.controller.session import AsyncSession
from tests.client.conftest import client_for


def run(coroutine):
    return asyncio.run(coroutine)


def test_anonymous_token_is_cached_privately_and_reused(backend, identity, dialect):
    async def go():
        async with client_for(backend, identity, dialect=dialect) as first:
            await first.credits()
        async with client_for(backend, identity, dialect=dialect) as second:  # the backend allows one token per client id a week
            return await second.credits()

    credits = run(go())
    assert credits.available == 100
    assert credits.prices == {"generate_song": 20, "new_version": 10, "draft_edit": 0, "export": 0}
    for name in ("tokens.json", "client_id"):
        assert stat.S_IMODE(os.stat(identity.folder / name).st_mode) == 0o600


def test_a_session_the_backend_does_not_know_is_replaced(backend, identity, dialect):
    async def go():
        async with client_for(backend, identity, dialect=dialect) as client:
            client.use_session("sess_does_not_exist")
            await client.state()
            return client.session_id

    assert run(go()) != "sess_does_not_exist"


def test_session_bound_1002_is_not_retried_twice(backend, identity, monkeypatch, dialect):
    async def go():
        async with client_for(backend, identity, dialect=dialect) as client:
            async def gone(language="en"):
                client.session_id = "sess_gone_again"
                return client.session_id

            monkeypatch.setattr(client, "new_session", gone)
            client.use_session("sess_gone")
            await client.state()

    with pytest.raises(SessionNotFound):
        run(go())


@pytest.mark.slow
def test_generate_refine_state_and_export(backend, identity, short_lyrics, tmp_path, monkeypatch, dialect):
    monkeypatch.chdir(tmp_path)  # "export" with no path writes ./nemo_exports/<render id>.mp4
    updates = []

    async def go():
        session = AsyncSession(client_for(backend, identity, dialect=dialect), on_update=updates.append, poll_interval=0.2)
        try:
            turn = await session.generate(short_lyrics, "an upbeat pop song", voice="female", seed=1, aspect="9:16",
                                          title="Summer Test")
            credits = await session.say("credits")
            status = await session.say("show tracks")
            refined = await session.say("make it slower")
            exported = await session.say("export")
            return session, turn, credits, status, refined, exported
        finally:
            await session.close()

    session, turn, credits, status, refined, exported = run(go())
    assert turn.tools == ["generate_song", "set_aspect", "set_title"]
    assert "ready" in turn.text
    progress = [u for u in updates if u.kind == "progress" and u.stage == "singing"]
    assert progress and 0 < progress[0].percent <= 100
    assert credits.action is Action.CREDITS and credits.table.loc["credits", "available"] == 100 - 20
    assert status.action is Action.STATE and status.text.startswith("Timeline (4 tracks)")
    tracks = session.tracks
    assert list(tracks["type"]) == ["video", "audio", "text", "text"]
    assert tracks.loc[tracks["name"] == "Title", "text"].item() == "Summer Test"
    assert tracks["end_s"].max() == pytest.approx(session.media["duration_s"].iloc[-1], abs=0.6)
    assert refined.turn.tools == ["generate_song"]
    media = session.media
    assert len(media) == 2 and media["bpm"].iloc[1] < media["bpm"].iloc[0]
    with av.open(str(exported.export.path)) as container:
        video = container.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == (1080, 1920)
        assert float(container.duration / 1e6) == pytest.approx(media["duration_s"].iloc[1], abs=0.2)
    assert not (identity.folder / "renders.json").read_text().count("render_")


def test_uploads_are_checked_and_listed(backend, identity, tmp_path, dialect):
    import numpy as np
    import soundfile as sf

    tone = tmp_path / "tone.wav"
    sf.write(tone, 0.2 * np.sin(np.linspace(0, 2000, 44100)), 44100)
    fake = tmp_path / "notes.mp4"
    fake.write_text("not a video")
    seen = []

    async def go():
        session = AsyncSession(client_for(backend, identity, dialect=dialect), on_update=seen.append)
        try:
            table = await session.upload([tone])
            with pytest.raises(UnsupportedFile, match="Supported formats"):
                await session.upload([fake])
            return table, session.uploads
        finally:
            await session.close()

    table, after = run(go())
    assert list(table["file_type"]) == ["audio"] and table.loc[0, "duration_s"] == pytest.approx(1.0, abs=0.05)
    assert len(after) == 1
    assert [u.percent for u in seen if u.stage == "uploading"][-1] == 100


@pytest.mark.slow
def test_resume_finishes_an_export_orphaned_by_a_restart(backend, identity, short_lyrics, tmp_path, dialect):
    async def start():
        session = AsyncSession(client_for(backend, identity, dialect=dialect))
        try:
            await session.generate(short_lyrics, "lo-fi, instrumental", seed=2)
            state = await session.refresh()
            status = await session.client.create_render(state["draft"], {"quality": "draft"})
            session.render_log.add(status.id, session.session_id, tmp_path / "resumed.mp4")
            return session.session_id
        finally:
            await session.close()  # the kernel dies here: nobody polls this render

    async def after_restart(session_id):
        session = AsyncSession(client_for(backend, identity, dialect=dialect), poll_interval=0.2)
        session.client.use_session(session_id)
        try:
            return await session.resume()
        finally:
            await session.close()

    session_id = run(start())
    results = run(after_restart(session_id))
    assert [r.path for r in results] == [tmp_path / "resumed.mp4"]
    assert (tmp_path / "resumed.mp4").stat().st_size > 10_000
    assert run(after_restart(session_id)) == []


def test_without_configuration_the_embedded_backend_starts_once_as_a_process(tmp_path, monkeypatch):
    monkeypatch.setenv("NEMO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("NEMO_TOKEN", raising=False)
    monkeypatch.delenv("NEMO_API_BASE", raising=False)
    stop_embedded_backend()
    said = []

    async def go():
        settings = Settings(None, None, tmp_path / "config")
        first = await open_client(settings, announce=said.append)
        second = await open_client(settings, announce=said.append)
        try:
            return first.base_url, second.base_url, first.kind, (await first.credits()).available
        finally:
            await first.aclose()
            await second.aclose()

    try:
        one, two, kind, available = run(go())
    finally:
        stop_embedded_backend()
    assert one == two and one.startswith("http://127.0.0.1:") and kind == "embedded"
    assert len([s for s in said if "embedded backend" in s]) <= 1
    assert available == 100
    assert Identity(tmp_path / "config").cached_token(f"embedded:{tmp_path / 'data'}") is not None


@pytest.mark.slow
def test_cancelling_an_export_cancels_the_render(backend, identity, short_lyrics, tmp_path):
    async def go():
        session = AsyncSession(client_for(backend, identity), poll_interval=0.05)
        try:
            await session.generate(short_lyrics, "lo-fi, instrumental", seed=4)
            task = asyncio.create_task(session.export(tmp_path / "never.mp4", quality="best"))
            while not session.render_log.pending():
                await asyncio.sleep(0.01)
            render_id = session.render_log.pending()[0].render_id
            await asyncio.sleep(0.5)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            for _ in range(100):
                status = await session.client.render_status(render_id)
                if status.finished:
                    return status, session.render_log.pending()
                await asyncio.sleep(0.1)
            return status, session.render_log.pending()
        finally:
            await session.close()

    status, pending = run(go())
    assert (status.status, status.error) == ("failed", "Cancelled.")
    assert pending == []
    assert not (tmp_path / "never.mp4").exists()


@pytest.mark.slow
def test_a_song_waiting_for_a_worker_reports_its_queue_position(backend, tmp_path, short_lyrics):
    from nemo_widgets.client.api import NemoClient
    from nemo_widgets.client.events import Progress

    async def turn(i):
        async with NemoClient(backend.base_url, Identity(tmp_path / f"user{i}")) as client:
            return [e async for e in client.run_turn(f"lo-fi, instrumental, seed {i}:\n{short_lyrics}")]

    async def go():
        return await asyncio.gather(turn(1), turn(2))

    events = [e for batch in run(go()) for e in batch if isinstance(e, Progress)]
    positions = [e.queue_position for e in events if e.queue_position]
    assert positions and set(positions) == {1}  # reported again while it waits longer (a loaded machine)
    assert sum(e.stage == "done" for e in events) == 2


@pytest.mark.slow
def test_batch_gives_each_file_its_instruction_and_its_render(backend, identity, tmp_path):
    from nemo_widgets.controller.batch import run_batch

    first, second = tmp_path / "morning.txt", tmp_path / "night.txt"
    first.write_text("Morning light on the river\nwe wake up with the sun\n")
    second.write_text("Night is falling slowly\nstars are coming out\n")
    items = [(first, "a lo-fi song, seed 1"), (tmp_path / "missing.txt", "pop"), (second, "a folk song, male vocals")]

    async def go():
        session = AsyncSession(client_for(backend, identity), poll_interval=0.1)
        try:
            return await run_batch(session, items, tmp_path / "out", quality="draft", show_progress=False), session.media
        finally:
            await session.close()

    results, media = run(go())
    assert list(results["status"]) == ["ok", "failed", "ok"]
    assert "does not exist" in results.loc[1, "error"]
    assert [Path(p).name for p in results["output"].dropna()] == ["morning.mp4", "night.mp4"]
    assert all(Path(p).stat().st_size > 10_000 for p in results["output"].dropna())
    assert list(media["genre"]) == ["lofi", "folk"] and list(media["voice"]) == ["female", "male"]


def test_a_finished_song_is_announced_at_once(backend, identity, short_lyrics, dialect):
    import time

    from nemo_widgets.client.events import Heartbeat, Progress, ToolResult

    async def go():
        stamps, beats = {}, 0
        async with client_for(backend, identity, dialect=dialect) as client:
            client.ping_every = 0.2  # the gateway's socket is pinged (every 30 s by default) and answers each ping
            async for event in client.run_turn(f"lo-fi, instrumental, seed 3:\n{short_lyrics}"):
                if isinstance(event, Progress) and event.stage == "done":
                    stamps["done"] = time.monotonic()
                if isinstance(event, ToolResult):
                    stamps["result"] = time.monotonic()
                beats += isinstance(event, Heartbeat)
        return stamps, beats

    stamps, beats = run(go())
    assert stamps["result"] - stamps["done"] < 2.0, "the turn waited for a heartbeat after the song was made"
    if dialect == "gateway":
        assert beats >= 5, "the socket was not pinged, or its pongs were lost"
