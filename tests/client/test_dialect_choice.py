"""Which dialect the client speaks, and how the gateway's shapes read as the same events and state."""

import asyncio
import json

import pytest

from nemo_widgets.client import gateway
from nemo_widgets.client.config import CLOUD_BASE, GATEWAY_BASE, Settings, check_dialect
from nemo_widgets.client.errors import AuthError
from nemo_widgets.client.events import Progress, StreamError, Text, ToolCall, ToolResult, TurnComplete, parse_data
from nemo_widgets.client.multipart import MultipartBody
from nemo_widgets.protocol.options import SongOptions
from tests.client.conftest import client_for


def run(coroutine):
    return asyncio.run(coroutine)


def test_nemo_dialect_is_read_and_checked(monkeypatch):
    monkeypatch.setenv("NEMO_DIALECT", " Gateway ")
    assert Settings.from_env().dialect == "gateway"
    monkeypatch.setenv("NEMO_DIALECT", "websocket")
    with pytest.raises(ValueError, match="NEMO_DIALECT is 'websocket': use one of bootstrap, gateway"):
        Settings.from_env()
    monkeypatch.delenv("NEMO_DIALECT")
    assert Settings.from_env().dialect is None and check_dialect(None) is None


def test_a_key_alone_goes_to_the_cloud_host_of_its_dialect(monkeypatch):
    monkeypatch.delenv("NEMO_API_BASE", raising=False)
    monkeypatch.delenv("NEMO_DIALECT", raising=False)
    assert Settings.from_env(token="nmv_usr_k").base_url == CLOUD_BASE
    assert Settings.from_env(token="nmv_usr_k", dialect="gateway").base_url == GATEWAY_BASE
    assert Settings.from_env(dialect="gateway").embedded  # no key: the embedded backend, whatever the dialect


def test_socket_messages_read_as_the_sse_events():
    def read(**message):
        return parse_data(json.dumps(message))

    assert read(type="session_ready") == read(type="pong") == read(type="thinking_start") == parse_data("")
    assert read(type="chunk", text="Hel") == [Text("Hel", partial=True)]
    assert read(type="text", content="Hello") == [Text("Hello")]
    assert read(type="tool_start", tool="generate_song") == [ToolCall("generate_song")]
    assert read(type="toolcall_start", tool_name="set_title") == [ToolCall("set_title")]
    assert read(type="tool_end", name="generate_song") == [ToolResult("generate_song")]
    assert read(type="status", status="singing", percent=40) == [Progress("singing", 40.0)]
    assert read(type="error", error="Insufficient credits: 20 needed, 10 left", code=2001) == \
        [StreamError("Error", "Insufficient credits: 20 needed, 10 left", {"code": 2001})]
    assert read(type="done") == [TurnComplete()]


def test_a_chat_message_carries_options_as_metadata():
    plain = json.loads(gateway.chat_message("make it slower", None))
    assert plain == {"type": "message", "content": "make it slower", "metadata": {}}
    with_options = json.loads(gateway.chat_message("a song", SongOptions(voice="male", aspect="9:16")))
    assert with_options["metadata"]["song_options"] == SongOptions(voice="male", aspect="9:16").to_wire()


def test_socket_url_carries_the_key_in_the_query_only():
    assert gateway.socket_url("https://api.example.com/", "nmv_usr_a b", "sess/1") == \
        "wss://api.example.com/ws/chat?token=nmv_usr_a%20b&session_id=sess%2F1"
    assert gateway.socket_url("http://127.0.0.1:8000", "k", "s").startswith("ws://127.0.0.1:8000/ws/chat?")


def test_project_state_reads_as_session_state():
    draft = {"t": [], "d": 0}
    state = gateway.project_state({"project": {"timeline_draft": draft, "files:video": [{"cdn_url": "/u/a.mp4"}],
                                               "generated_media": [{"id": "song_1"}]}})
    assert state == {"draft": draft, "video_infos": [{"cdn_url": "/u/a.mp4"}], "generated_media": [{"id": "song_1"}]}
    assert gateway.project_state({}) == {}


def test_multipart_fields_come_before_the_file(tmp_path):
    song = tmp_path / 'a"b.wav'
    song.write_bytes(b"RIFF" + bytes(100))
    body = MultipartBody("file", [song], fields={"session_id": "sess_1"})

    async def collect():
        return b"".join([chunk async for chunk in body.stream()])

    data = run(collect())
    assert len(data) == body.length
    assert data.index(b'name="session_id"\r\n\r\nsess_1\r\n') < data.index(b'name="file"; filename="a_b.wav"')


def test_an_anonymous_client_speaks_the_bootstrap_without_probing(variant, identity):
    server, script = variant

    async def go():
        async with client_for(server, identity) as client:
            await client.credits()
            return await client.dialect()

    assert run(go()) == "bootstrap"
    assert "verify" not in [name for name, _ in script.calls]


def test_a_key_on_a_backend_without_the_gateway_is_probed_once_then_remembered(variant, identity):
    server, script = variant

    async def go():
        for _ in range(2):
            async with client_for(server, identity, token="nmv_usr_key") as client:
                await client.credits()
                yield await client.dialect()

    async def both():
        return [d async for d in go()]

    assert run(both()) == ["bootstrap", "bootstrap"]
    assert json.loads((identity.folder / "dialects.json").read_text()) == {server.base_url: "bootstrap"}


def test_a_configured_dialect_is_never_probed(variant, identity):
    server, _ = variant

    async def go():
        async with client_for(server, identity, token="nmv_usr_key", dialect="bootstrap") as client:
            await client.credits()
            return await client.dialect()

    assert run(go()) == "bootstrap"
    assert not (identity.folder / "dialects.json").exists()


def test_a_refused_key_is_said_plainly_when_probing(backend, identity):
    async def go():
        async with client_for(backend, identity, token="nmv_usr_not_a_key") as client:
            await client.dialect()

    with pytest.raises(AuthError, match="refused your NEMO_TOKEN"):
        run(go())


class CuttingProxy:
    """A TCP relay in front of the real backend whose open connections can be cut, as a flaky network would."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.writers: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.writers += [writer, up_writer]

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def cut(self) -> None:
        for writer in self.writers:
            writer.transport.abort()
        self.writers.clear()

    async def close(self) -> None:
        self.cut()
        self.server.close()


@pytest.mark.slow
def test_a_socket_dropped_mid_turn_is_opened_again_once_and_the_outcome_read_from_state(backend, identity):
    from nemo_widgets.client.api import NemoClient

    port = int(backend.base_url.rsplit(":", 1)[1])

    async def go():
        proxy = CuttingProxy(port)
        said: list[str] = []
        client = NemoClient(await proxy.start(), identity, dialect="gateway", notify=said.append)
        try:
            events = []
            async for event in client.run_turn("a lo-fi song, instrumental, seed 5, 20 seconds"):
                events.append(event)
                if isinstance(event, Progress) and len([e for e in events if isinstance(e, Progress)]) == 1:
                    proxy.cut()
            for _ in range(600):  # the backend goes on with the song; its outcome lands in the session's state
                songs = (await client.state()).get("generated_media") or []
                if songs:
                    return events, said, songs
                await asyncio.sleep(0.2)
            return events, said, []
        finally:
            await client.aclose()
            await proxy.close()

    events, said, songs = run(go())
    assert isinstance(events[-1], TurnComplete)
    assert any("connection dropped during the turn" in s for s in said), said
    assert [s["kind"] for s in songs] == ["song"]


def test_sessions_opened_with_a_dialect_speak_it(backend, tmp_path, monkeypatch):
    from nemo_widgets.controller.session import AsyncSession

    monkeypatch.setenv("NEMO_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("NEMO_TOKEN", raising=False)
    monkeypatch.delenv("NEMO_DIALECT", raising=False)

    async def go(dialect):
        session = await AsyncSession.open(base_url=backend.base_url, dialect=dialect)
        try:
            reply = await session.say("credits")
            return session.client.known_dialect, session.client.project_id, reply.table
        finally:
            await session.close()

    gateway_dialect, project, table = run(go("gateway"))
    assert gateway_dialect == "gateway" and project and table.loc["credits", "available"] == 100
    assert run(go(None))[:2] == ("bootstrap", None)


def test_clients_on_other_threads_and_loops_fetch_one_token_between_them(backend, identity):
    import threading

    from nemo_widgets.client.api import NemoClient

    tokens, errors = [], []
    start = threading.Barrier(4)

    def one_client():
        async def go():
            async with NemoClient(backend.base_url, identity) as client:
                start.wait()
                return await client.token()

        try:
            tokens.append(asyncio.run(go()))
        except Exception as error:  # the backend gives one token a week per client id: a second fetch is refused
            errors.append(error)

    threads = [threading.Thread(target=one_client) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and len(tokens) == 4 and len(set(tokens)) == 1
