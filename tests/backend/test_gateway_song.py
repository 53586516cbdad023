"""The gateway dialect end to end, as the official CLI runs it against `nemo-song serve`: a project, one short song
made over the chat socket from a one-line prompt with the CLI's hints, an edit, the credit history, an export polled
to completion and its signed output link downloaded without a bearer header (expired and tampered links refused)."""

import asyncio
import json
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from nemo_widgets.backend import prices
from nemo_widgets.protocol.names import MIN_SONG_SECONDS, OUTPUT_LINK_SECONDS
from tests.backend.conftest import serving
from tests.backend.gateway_calls import bearer, chat_socket, chat_turns, new_key, new_project

pytestmark = pytest.mark.slow
PROMPT = ("a chill lofi song: the sun is warm / we walk along the shore / the night is young. "
          "Duration: 5 seconds. Aspect ratio: 9:16")  # the CLI's hints: its default length and a --ratio


class Clock:
    """The backend's clock, moved forward by tests to expire a link."""

    def __init__(self) -> None:
        self.ahead = 0.0

    def __call__(self) -> float:
        return time.time() + self.ahead


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """One short song made over the socket, then a title edit on a second socket: everything the tests read."""
    clock = Clock()
    with serving(tmp_path_factory.mktemp("gateway-song"), clock=clock) as (client, _):
        key = new_key(client, "gateway-song")
        project_id, session_id = new_project(client, key)
        song, edit = chat_turns(client, key, session_id, PROMPT, 'add the title "Shore"')
        yield client, clock, key, project_id, session_id, song, edit


def _state(client, key, project_id):
    return client.get(f"/api/v1/state/frontend/{project_id}", headers=bearer(key)).json()["data"]["project"]


def test_the_socket_turn_makes_the_song_with_tools_progress_and_done(made):
    client, _, key, project_id, _, song, _ = made
    kinds = [m["type"] for m in song]
    assert kinds[0] == "text" and kinds[-1] == "done" and "error" not in kinds, song
    tools = [(m["type"], m["tool"]) for m in song if m["type"] in ("tool_start", "tool_end")]
    assert tools == [("tool_start", "generate_song"), ("tool_end", "generate_song"),
                     ("tool_start", "set_aspect"), ("tool_end", "set_aspect")]
    percents = [m["percent"] for m in song if m["type"] == "status"]
    assert percents and percents == sorted(percents) and percents[-1] == 100
    assert all(isinstance(m["status"], str) for m in song if m["type"] == "status")
    assert "is ready" in [m["text"] for m in song if m["type"] == "text"][-1]


def test_the_hints_were_options_and_the_slashes_lines(made):
    client, _, key, project_id, _, song, _ = made
    [asked] = [m["args"] for m in song if m["type"] == "tool_start" and m["tool"] == "generate_song"]
    assert asked["duration"] == MIN_SONG_SECONDS and asked["lyrics"] == "3 lines"  # 5 s is below a song's least
    state = _state(client, key, project_id)
    [media] = state["generated_media"]
    assert media["lyrics"].splitlines() == ["the sun is warm", "we walk along the shore", "the night is young"]
    assert "Duration" not in media["lyrics"] and "Aspect" not in media["prompt"]
    assert state["canvas_config"]["aspect"] == "9:16"


def test_the_edit_reached_the_project_and_the_project_is_named_after_the_song(made):
    client, _, key, project_id, _, _, edit = made
    assert [(m["type"], m.get("tool")) for m in edit if m["type"].startswith("tool")] == [
        ("tool_start", "set_title"), ("tool_end", "set_title")]
    titles = [s["text"] for t in _state(client, key, project_id)["timeline_draft"]["t"] for s in t["sg"]
              if s.get("role") == "title"]
    assert titles == ["Shore"]
    [media] = _state(client, key, project_id)["generated_media"]
    project = client.get(f"/projects/{project_id}", headers=bearer(key)).json()["data"]
    assert project["name"] == media["title"] and project["updated_at"] >= project["created_at"]


def test_the_song_is_in_the_balance_and_the_history(made):
    client, _, key, project_id, session_id, _, _ = made
    assert client.get("/billing/balance", headers=bearer(key)).json()["data"]["available"] == 100 - prices.GENERATE_SONG
    items = client.get("/billing/usage/conversations", headers=bearer(key)).json()["data"]["items"]
    assert [(i["kind"], i["amount_delta"]) for i in items] == [("conversation", -prices.GENERATE_SONG), ("grant", 100)]
    assert items[0]["conversation"]["project_id"] == project_id and items[0]["conversation"]["session_id"] == session_id
    assert items[0]["conversation"]["tool_breakdown"] == [{"tool_key": "generate_song", "credits": prices.GENERATE_SONG}]


@pytest.fixture(scope="module")
def exported(made):
    """The project exported as the CLI does: the frontend state's draft, submitted, polled until completed."""
    client, _, key, project_id, session_id, _, _ = made
    draft = _state(client, key, project_id)["timeline_draft"]
    created = client.post("/services/v1/render-proxy/lambda", headers=bearer(key), json={
        "id": f"render_{int(time.time() * 1000)}", "sessionId": session_id, "projectId": project_id, "draft": draft,
        "output": {"format": "mp4", "codec": "h264", "crf": 23}}).json()
    assert created["code"] == 0 and created["data"]["status"] in ("pending", "processing"), created
    render_id, seen = created["data"]["id"], []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        status = client.get(f"/services/v1/render-proxy/lambda/{render_id}", headers=bearer(key)).json()["data"]
        seen.append(status["progress"])
        if status["status"] in ("completed", "failed"):
            break
        time.sleep(0.3)
    assert status["status"] == "completed", status
    return status, seen


def test_export_polls_in_percent_to_a_signed_link_that_needs_no_bearer(made, exported):
    status, seen = exported
    assert seen == sorted(seen) and seen[-1] == 100 and all(0 <= p <= 100 for p in seen)
    assert status["outputUrl"] == status["output"]["url"] and "signature=" in status["outputUrl"]
    video = httpx.get(status["outputUrl"])  # a plain GET, no Authorization header
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4" and video.content[4:8] == b"ftyp"
    assert len(video.content) == status["output"]["size"]


def test_the_project_download_names_the_latest_render(made, exported):
    client, _, key, project_id, _, _, _ = made
    status, _ = exported
    latest = client.get(f"/services/v1/render-proxy/{project_id}/download", headers=bearer(key)).json()["data"]
    assert latest["render_id"] == status["render_id"] and latest["output"]["size"] == status["output"]["size"]
    assert httpx.get(latest["output"]["url"]).status_code == 200


def test_tampered_links_are_refused(made, exported):
    status, _ = exported
    url = status["outputUrl"]
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    signature, expires = query["signature"][0], query["expires"][0]
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    tampered = [url.replace(signature, flipped), url.replace(f"expires={expires}", f"expires={int(expires) + 3600}"),
                url.replace(status["render_id"], "render_0"), url.split("?")[0]]
    for link in tampered:
        refused = httpx.get(link)
        assert refused.status_code == 403 and refused.json()["code"] == 403, link
    assert "signature does not match" in httpx.get(tampered[0]).json()["message"]


def test_an_expired_link_is_refused_and_a_fresh_status_gives_a_new_one(made, exported):
    client, clock, key, _, _, _, _ = made
    status, _ = exported
    clock.ahead = OUTPUT_LINK_SECONDS + 60
    try:
        expired = httpx.get(status["outputUrl"])
        assert expired.status_code == 403 and "expired" in expired.json()["message"]
        fresh = client.get(f"/services/v1/render-proxy/lambda/{status['render_id']}", headers=bearer(key)).json()["data"]
        assert httpx.get(fresh["outputUrl"]).status_code == 200
    finally:
        clock.ahead = 0.0


def test_abort_stops_listening_to_a_running_turn_and_the_socket_stays_open(made):
    client, _, key, _, session_id, _, _ = made

    async def abort_a_new_version():
        async with chat_socket(client, key, session_id) as socket:
            await socket.send(json.dumps({"type": "message", "content": "another version"}))
            first = json.loads(await socket.recv())
            await socket.send(json.dumps({"type": "abort"}))
            received = [first]
            async with asyncio.timeout(30):
                while received[-1]["type"] != "done":
                    received.append(json.loads(await socket.recv()))
                await socket.send(json.dumps({"type": "ping"}))
                return received, json.loads(await socket.recv())

    received, after = asyncio.run(abort_a_new_version())
    assert received[0]["type"] == "text" and received[-1] == {"type": "done", "aborted": True, "session_id": session_id}
    assert after["type"] == "pong"
