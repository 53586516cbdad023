"""The studio's Python side: traits and messages, driven against the real embedded backend."""

import asyncio
import time

import numpy as np
import pytest
import soundfile as sf

from nemo_widgets.controller import kernel_session
from nemo_widgets.controller.session import AsyncSession
from nemo_widgets.protocol.names import ASPECTS, VOICES
from nemo_widgets.widget import SongStudio
from tests.client.conftest import client_for


def studio_on(server, identity, tmp_path, **kwargs):
    session = AsyncSession(client_for(server, identity), poll_interval=0.1)
    studio = SongStudio(session=session, export_dir=tmp_path / "exports", **kwargs)
    studio.sent = []
    studio.send = lambda content, buffers=None: studio.sent.append((content, buffers or []))
    return studio


def press(studio, content, buffers=()):
    """A message from the browser; waits until the work it started is over."""
    studio._on_message(studio, content, list(buffers))
    deadline = time.monotonic() + 180
    time.sleep(0.05)
    while studio._tasks or studio.busy:
        assert time.monotonic() < deadline, "the studio did not finish"
        time.sleep(0.05)


def sent(studio, kind):
    return [(c, b) for c, b in studio.sent if c.get("type") == kind]


def test_generate_without_lyrics_shows_an_error(backend, identity, tmp_path):
    studio = studio_on(backend, identity, tmp_path)
    press(studio, {"type": "generate"})
    assert "lyrics" in studio.error["message"].lower()
    assert not studio.busy and studio.percent == -1
    assert sent(studio, "generate_done")  # the browser's "Waiting for the kernel..." ends


@pytest.mark.slow
def test_generate_refine_and_export(backend, identity, tmp_path, short_lyrics):
    studio = studio_on(backend, identity, tmp_path, lyrics=short_lyrics, prompt="a chill lo-fi song", seed=1)
    songs, exports = [], []
    studio.on_song(songs.append)
    studio.on_export(exports.append)
    percents = []
    studio.observe(lambda change: percents.append(change["new"]), "percent")
    press(studio, {"type": "generate"})
    assert studio.error == {}
    assert [e["role"] for e in studio.transcript][:2] == ["user", "assistant"]
    assert "ready" in studio.transcript[1]["text"]
    assert [row["name"] for row in studio.tracks] == ["Background", "Song", "Title", "Lyrics"]
    assert studio.credits == 80 and studio.has_song and studio.status == "Ready."
    assert any(0 < p < 100 for p in percents) and studio.percent == -1
    (video, buffers), = sent(studio, "video")
    assert buffers[0][4:8] == b"ftyp" and video["name"].endswith(".mp4")
    assert len(songs) == 1 and songs[0].tools[0] == "generate_song"

    assert (studio.aspect, studio.voice) == ("16:9", "female")
    press(studio, {"type": "refine", "text": "make it 9:16 and add the title Summer Nights"})
    assert studio.transcript[-2] == {"role": "user", "text": "make it 9:16 and add the title Summer Nights"}
    assert "9:16" in studio.transcript[-1]["text"]
    assert [row["text"] for row in studio.tracks if row["name"] == "Title"] == ["Summer Nights"]
    assert len(sent(studio, "video")) == 2
    assert studio.aspect == "9:16"  # the chat's edit moved the control

    press(studio, {"type": "refine", "text": "credits"})
    assert studio.transcript[-1] == {"role": "assistant", "text": "Credits: 80 available."}
    assert len(sent(studio, "video")) == 2

    press(studio, {"type": "export"})
    (download, buffers), = sent(studio, "download")
    assert download["name"] == "summer_nights.mp4"  # named after the title on screen
    exported = tmp_path / "exports" / download["name"]
    assert exported.read_bytes() == buffers[0]
    assert studio.transcript[-1]["text"] == f"Exported to {exported.resolve()}"
    assert len(songs) == 2 and [e.path for e in exports] == [exported.resolve()]  # "credits" made no song

    studio.sent.clear()
    press(studio, {"type": "ready"})
    assert len(sent(studio, "video")) == 1


def test_uploads_arrive_in_acknowledged_chunks(backend, identity, tmp_path):
    tone = tmp_path / "tone.wav"
    sf.write(tone, 0.2 * np.sin(np.linspace(0, 2000, 44100)), 44100)
    data = tone.read_bytes()
    studio = studio_on(backend, identity, tmp_path)
    half = len(data) // 2
    for offset, chunk, last in ((0, data[:half], False), (half, data[half:], True)):
        press(studio, {"type": "upload_chunk", "id": "u1", "name": "tone.wav", "size": len(data), "offset": offset,
                       "last": last}, [memoryview(chunk)])
    assert [(c["id"], c["ok"]) for c, _ in sent(studio, "upload_ack")] == [("u1", True), ("u1", True)]
    assert sent(studio, "upload_done")[0][0]["text"] == "tone.wav: uploaded."
    assert len(studio.session.uploads) == 1 and studio.session.uploads.loc[0, "file_type"] == "audio"
    assert "Uploaded tone.wav (audio)" in studio.transcript[-1]["text"]


def test_a_lyrics_file_fills_the_lyrics_box(backend, identity, tmp_path):
    studio = studio_on(backend, identity, tmp_path)
    text = "Line one of the song\nline two of the song\n".encode()
    press(studio, {"type": "upload_chunk", "id": "l1", "name": "words.txt", "size": len(text), "offset": 0,
                   "last": True}, [text])
    assert studio.lyrics == text.decode()


def test_an_out_of_order_chunk_is_refused(backend, identity, tmp_path):
    studio = studio_on(backend, identity, tmp_path)
    press(studio, {"type": "upload_chunk", "id": "u2", "name": "clip.mp4", "size": 100, "offset": 50, "last": False},
          [b"x" * 50])
    assert "out of order" in studio.error["message"]
    (ack, _), = sent(studio, "upload_ack")
    assert ack["ok"] is False and "out of order" in ack["error"]  # the browser stops sending this file


def test_out_of_credits_offers_the_registration_link(variant, identity, tmp_path):
    server, script = variant
    script.faults["run_sse"].append((402, {"code": 2001, "message": "no credits", "data": {"bind_id": "user-7"}}))
    studio = studio_on(server, identity, tmp_path, lyrics="one line\nanother line")
    press(studio, {"type": "generate"})
    assert studio.error["action_url"] == "https://nemovideo.com/register?bind=user-7"
    assert studio.error["action_label"] == "Register"
    assert studio.transcript[-1] == {"role": "assistant", "text": studio.error["message"]}  # no "You" left unanswered
    press(studio, {"type": "dismiss_error"})
    assert studio.error == {}


def test_work_runs_on_the_loop_that_made_the_widget():
    async def make():
        return SongStudio(), asyncio.get_running_loop()

    loop = asyncio.new_event_loop()
    try:
        studio, running = loop.run_until_complete(make())
        assert studio._loop is running
    finally:
        loop.close()


def test_the_public_api_is_importable_from_the_package_and_refuses_unknown_arguments():
    import subprocess
    import sys

    import nemo_widgets
    from nemo_widgets import AsyncSession, Session, SongStudio
    from nemo_widgets.controller import AsyncSession as InController
    from nemo_widgets.widget import SongStudio as InWidget

    assert (SongStudio, AsyncSession) == (InWidget, InController) and callable(Session)
    assert {"SongStudio", "Session", "AsyncSession"} <= set(dir(nemo_widgets))
    with pytest.raises(AttributeError, match="no attribute 'Studio'"):
        nemo_widgets.Studio  # noqa: B018
    with pytest.raises(TypeError, match="unexpected keyword arguments: lyric, promt"):
        SongStudio(lyric="hello", promt="rock")
    studio = SongStudio(lyrics="hello", voice="male", export_dir="unused")
    assert (studio.lyrics, studio.voice) == ("hello", "male")
    studio.close()
    light = subprocess.run([sys.executable, "-c", "import sys, nemo_widgets.cli; print('pandas' in sys.modules, "
                            "'nemo_widgets.widget' in sys.modules)"], capture_output=True, text=True, check=True)
    assert light.stdout.split() == ["False", "False"]  # the CLI and backend stay light


def test_a_closed_studio_and_session_refuse_more_work_clearly(backend, identity, tmp_path):
    from nemo_widgets.client.errors import SessionClosed

    session = AsyncSession(client_for(backend, identity), poll_interval=0.1)
    asyncio.run(session.close())
    with pytest.raises(SessionClosed, match="This session is closed: start a new one"):
        asyncio.run(session.credits())
    studio = SongStudio(session=session, export_dir=tmp_path / "exports", lyrics="one line")
    studio.send = lambda content, buffers=None: None
    press(studio, {"type": "generate"})
    assert studio.error["message"].startswith("This session is closed")
    studio.close()


@pytest.mark.slow
def test_generate_clicks_queued_while_a_song_is_made_make_one_song(backend, identity, tmp_path, short_lyrics):
    studio = studio_on(backend, identity, tmp_path, lyrics=short_lyrics, prompt="a chill lo-fi song", seed=1)
    for _ in range(3):  # three clicks that reach the kernel together (it was busy, or a double click)
        studio._on_message(studio, {"type": "generate"}, [])
    press(studio, {"type": "dismiss_error"})
    assert studio.error == {} and studio.credits == 80  # one song, charged once
    notices = [e["text"] for e in studio.transcript if e["role"] == "notice"]
    assert notices == ["A song is already being made: that click was ignored."] * 2
    assert len(sent(studio, "video")) == 1


def test_the_price_is_shown_and_a_short_balance_is_said_before_trying(variant, identity, tmp_path):
    server, script = variant  # its balance is 5 credits
    script.prices = {"generate_song": 20, "new_version": 10}
    session = AsyncSession(client_for(server, identity, kind="embedded"), poll_interval=0.1)
    studio = SongStudio(session=session, export_dir=tmp_path / "exports", lyrics="one line\nanother line")
    studio.sent = []
    studio.send = lambda content, buffers=None: studio.sent.append((content, buffers or []))
    press(studio, {"type": "ready"})
    assert studio.generate_cost == 20
    assert studio.credits_short.startswith("This needs 20 credits and you have 5.")
    assert "nemo-song credits --add" in studio.credits_short  # what to do offline
    press(studio, {"type": "generate"})
    assert studio.error["message"] == studio.credits_short
    assert "run_sse" not in [name for name, _ in script.calls]
    assert sent(studio, "generate_done")

    script.prices = None
    elsewhere = studio_on(server, identity, tmp_path)  # a server whose prices the client is not told
    press(elsewhere, {"type": "ready"})
    assert elsewhere.generate_cost is None and elsewhere.credits_short == ""


def test_two_studios_own_their_sessions_and_share_one_token(backend, tmp_path, monkeypatch):
    monkeypatch.setenv("NEMO_API_BASE", backend.base_url)
    monkeypatch.setenv("NEMO_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("NEMO_TOKEN", raising=False)
    monkeypatch.setattr(kernel_session, "_session_id", None)
    first, second = SongStudio(export_dir=tmp_path / "a"), SongStudio(export_dir=tmp_path / "b")
    for studio in (first, second):
        studio.send = lambda content, buffers=None: None
        studio._on_message(studio, {"type": "ready"}, [])  # both connect at once, as two cells shown together
    for studio in (first, second):
        press(studio, {"type": "dismiss_error"})
        assert studio.status == "Ready." and studio.error == {}
    assert first.session.session_id != second.session.session_id  # their turns never mix
    assert first.session.client._token == second.session.client._token  # one anonymous token for the kernel
    third = SongStudio(export_dir=tmp_path / "c")
    third.send = lambda content, buffers=None: None
    press(third, {"type": "ready"})  # the kernel's session belongs to a live studio: the third gets its own
    assert third.session.session_id not in {first.session.session_id, second.session.session_id}
    assert kernel_session.current_session_id() != third.session.session_id  # %nemo and %%song keep theirs
    for studio in (first, second, third):
        studio.close()


def test_each_example_sets_the_controls_its_words_name():
    chips = {example["prompt"]: example for example in SongStudio().examples}
    assert all(set(example) <= {"prompt", "voice", "aspect"} for example in chips.values())
    assert chips["a chill lo-fi song, male vocals"]["voice"] == "male"
    assert chips["an energetic EDM track for TikTok"]["aspect"] == "9:16"
    assert all(example.get("voice", "female") in VOICES and example.get("aspect", "16:9") in ASPECTS
               for example in chips.values())
