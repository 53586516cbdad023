"""The cloud's documented variants: the success envelope, typed SSE events, heartbeats, outputUrl."""

import asyncio
import json

import pytest

from nemo_widgets.client import api
from nemo_widgets.client.errors import TurnFailed, TurnTimedOut
from nemo_widgets.client.events import Heartbeat, Progress, Text, ToolCall, ToolResult, parse_data
from nemo_widgets.controller.session import AsyncSession
from nemo_widgets.controller.updates import UpdateKind
from tests.client.conftest import client_for
from tests.client.variant_server import VIDEO_BYTES

DRAFT = {"d": 10000, "t": [{"tt": 1, "sg": [{"st": 0, "d": 10000, "role": "bgm", "src": "/m/lofi.mp3", "vol": 1.0}]}]}


def run(coroutine):
    return asyncio.run(coroutine)


def chat_on(server, identity, message, updates=None, still_working_every=None):
    """One chat turn through a fresh AsyncSession."""
    async def go():
        session = AsyncSession(client_for(server, identity), on_update=updates.append if updates is not None else None)
        if still_working_every is not None:
            session.still_working_every = still_working_every
        try:
            return await session.chat(message)
        finally:
            await session.close()

    return run(go())


def typed(**payload) -> str:
    return json.dumps(payload)


def test_both_event_shapes_parse_to_the_same_objects():
    adk = json.dumps({"content": {"parts": [{"text": "Hi"}, {"functionCall": {"name": "generate_song", "args": {}}}]},
                      "actions": {"stateDelta": {"progress": {"stage": "singing", "percent": 40}}}})
    assert parse_data(adk) == [Text("Hi"), ToolCall("generate_song"), Progress("singing", 40.0)]
    assert parse_data(typed(type="text", content="Hi")) == [Text("Hi")]
    assert parse_data(typed(type="tool_call", name="generate_song", args={})) == [ToolCall("generate_song")]
    assert parse_data(typed(type="tool_result", name="x", result={"ok": 1})) == [ToolResult("x", {"ok": 1})]
    assert parse_data(typed(type="heartbeat")) == [Heartbeat()]
    assert parse_data("") == [Heartbeat()]
    error = parse_data(json.dumps({"error": "ValueError: bad lyrics", "error_details": {}}))[0]
    assert (error.kind, error.message) == ("ValueError", "bad lyrics")


def test_success_envelope_and_total_granted(variant, identity):
    server, _ = variant

    async def go():
        async with client_for(server, identity) as client:
            return await client.credits()

    credits = run(go())
    assert (credits.available, credits.frozen, credits.total) == (5, 1, 100)


def test_typed_events_with_heartbeats_and_partial_text_shown_once(variant, identity):
    server, script = variant
    script.sse = [typed(type="text", content="Working", partial=True), "", typed(type="heartbeat"),
                  typed(type="tool_call", name="set_volume", args={"role": "bgm"}),
                  typed(type="tool_result", name="set_volume", result={"status": "ok"}),
                  typed(type="text", content="Working on it. Click the Export button when ready.")]
    updates = []

    turn = chat_on(server, identity, "BGM to 35%", updates)
    assert turn.replies == ["Working on it. export it (the Export button, `%nemo export` or `session.export()`) when ready."]
    assert turn.tools == ["set_volume"]
    assert [u.text for u in updates if u.kind == "reply"] == turn.replies
    assert not any("set_volume" in u.text or "tool" in u.text for u in updates)


def test_a_turn_without_text_is_summarised_from_the_state_diff(variant, identity):
    server, script = variant
    script.draft = DRAFT
    script.draft_after_turn = json.loads(json.dumps(DRAFT))
    script.draft_after_turn["t"][0]["sg"][0]["vol"] = 0.35
    script.draft_after_turn["t"].append({"tt": 7, "sg": [{"st": 0, "d": 3000, "role": "title", "text": "Urban Dreams"}]})
    script.sse = [typed(type="tool_call", name="set_volume", args={}), "", typed(type="tool_result", name="set_volume")]

    turn = chat_on(server, identity, "BGM to 35% and add the title Urban Dreams")
    assert turn.replies == []
    assert turn.summary == ('Updated: changed BGM: lofi.mp3 (0-10s, 35%); added Title: "Urban Dreams" (0-3s). '
                            'Timeline (2 tracks): 1. BGM: lofi.mp3 (0-10s, 35%) 2. Title: "Urban Dreams" (0-3s)')


def test_still_working_after_silence(variant, identity, monkeypatch):
    server, script = variant
    monkeypatch.setattr(api, "IDLE_TICK", 0.05)
    script.sse_delay = 0.5
    script.sse = ["", typed(type="text", content="Done.")]
    updates = []

    chat_on(server, identity, "make it longer", updates, still_working_every=0.2)
    assert any(u.kind is UpdateKind.STILL_WORKING for u in updates)


def test_the_15_minute_cap_stops_a_turn(variant, identity, monkeypatch):
    server, script = variant
    monkeypatch.setattr(api, "TURN_CAP", 0.3)
    script.sse_delay = 1.0
    script.sse = [typed(type="heartbeat")] * 3

    async def go():
        async with client_for(server, identity) as client:
            return [e async for e in client.run_turn("hello")]

    with pytest.raises(TurnTimedOut, match="15 minutes"):
        run(go())


def test_a_mid_stream_error_is_raised_with_its_reason(variant, identity):
    server, script = variant
    script.sse = [typed(type="text", content="On it."), json.dumps({"error": "EngineInputError: Lyrics are empty."})]

    with pytest.raises(TurnFailed, match="Lyrics are empty"):
        chat_on(server, identity, "make a song")


def test_export_reads_data_status_and_output_url_and_downloads(variant, identity, tmp_path):
    server, script = variant
    script.draft = DRAFT

    async def go():
        session = AsyncSession(client_for(server, identity), poll_interval=0.01)
        try:
            return await session.export(tmp_path / "out" / "video.mp4")
        finally:
            await session.close()

    result = run(go())
    assert result.path.read_bytes() == VIDEO_BYTES
    assert script.status_polls == 2
    assert not list((tmp_path / "out").glob(".*part"))


def test_attribution_headers_on_every_call(variant, identity, tmp_path):
    server, script = variant
    script.draft = DRAFT
    script.sse = [typed(type="text", content="ok")]

    async def go():
        session = AsyncSession(client_for(server, identity), poll_interval=0.01)
        try:
            await session.credits()
            await session.chat("hello")
            await session.export(tmp_path / "v.mp4")
        finally:
            await session.close()

    run(go())
    api_calls = [headers for name, headers in script.calls if name != "file"]
    assert len(api_calls) >= 6
    for headers in api_calls:
        assert headers["x-skill-source"] == "ai-song-generator"
        assert headers["x-skill-version"] and headers["x-skill-platform"] == "unknown"
        assert headers["x-client-id"]


def test_cancelling_a_turn_closes_the_stream(variant, identity, monkeypatch):
    server, script = variant
    script.sse_delay = 0.3
    script.sse = [typed(type="heartbeat")] * 20

    async def go():
        client = client_for(server, identity)
        seen = []

        async def consume():
            async for event in client.run_turn("make a long song"):
                seen.append(event)

        task = asyncio.create_task(consume())
        await asyncio.sleep(1.0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        await client.aclose()
        return seen, others

    seen, others = run(go())
    assert 1 <= len(seen) < 20
    assert others == []
