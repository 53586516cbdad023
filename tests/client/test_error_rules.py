"""Each error rule of the protocol, provoked on the variant server; every test fails if its rule is removed."""

import asyncio

import pytest

from nemo_widgets.client.errors import (
    AuthError,
    ExportBlocked,
    FileTooLarge,
    NoCredits,
    RateLimited,
    UnsupportedFile,
)
from tests.client.conftest import client_for


DRAFT = {"t": [{"tt": 1, "sg": [{"st": 0, "d": 1000}]}]}


def run(coroutine):
    return asyncio.run(coroutine)


def call(server, identity, method, *args, **client_options):
    """One client method on a fresh client, run to completion."""
    async def go():
        async with client_for(server, identity, **client_options) as client:
            return await getattr(client, method)(*args)

    return run(go())


def test_1001_reauthenticates_once_and_retries(variant, identity):
    server, script = variant
    script.faults["credits"].append((401, {"code": 1001, "message": "token expired"}))

    credits = call(server, identity, "credits")
    assert credits.available == 5
    assert script.tokens == 2
    assert identity.cached_token(server.base_url).token == "tok-2"


def test_1010_and_401_count_as_auth_errors_too(variant, identity):
    server, script = variant
    script.faults["credits"].append((200, {"code": 1010, "message": "invalid token"}))

    assert call(server, identity, "credits").total == 100
    assert script.tokens == 2


def test_a_refused_nemo_token_is_reported_not_replaced(variant, identity):
    server, script = variant
    script.faults["credits"].append((401, {"code": 1001, "message": "token expired"}))

    with pytest.raises(AuthError, match="NEMO_TOKEN"):
        call(server, identity, "credits", token="registered-token")
    assert script.tokens == 0


def test_1002_starts_a_new_session_and_retries(variant, identity, sleeps):
    server, script = variant

    async def go():
        async with client_for(server, identity, notify=notes.append) as client:
            first = await client.ensure_session()
            script.faults["state"].append((404, {"code": 1002, "message": "session not found"}))
            await client.state()
            return first, client.session_id

    notes: list[str] = []
    first, second = run(go())
    assert (first, second) == ("sess-1", "sess-2")
    assert any("new one" in n for n in notes)


def test_2001_gives_anonymous_users_the_registration_link_with_bind_id(variant, identity):
    server, script = variant
    script.faults["run_sse"].append((402, {"code": 2001, "message": "no credits", "data": {}}))

    async def go():
        async with client_for(server, identity) as client:
            return [e async for e in client.run_turn("make a song")]

    with pytest.raises(NoCredits) as caught:
        run(go())
    assert caught.value.register_url == "https://nemovideo.com/register?bind=user-7"
    assert "register" in str(caught.value).lower() and "?bind=user-7" in str(caught.value)


def test_2001_tells_registered_users_to_top_up(variant, identity):
    server, script = variant
    script.faults["credits"].append((402, {"code": 2001, "message": "no credits"}))

    with pytest.raises(NoCredits, match="Top up credits in your account") as caught:
        call(server, identity, "credits", token="registered-token")
    assert caught.value.register_url is None


def test_400_from_the_token_route_makes_a_new_client_id_and_retries(variant, identity):
    server, script = variant
    old_id = identity.client_id()
    script.faults["token"].append((400, {"code": 400, "message": "X-Client-Id required"}))

    call(server, identity, "credits")
    new_id = identity.client_id()
    assert new_id != old_id
    assert [h["x-client-id"] for name, h in script.calls if name == "token"] == [old_id, new_id]


def test_429_waits_30_seconds_once_then_retries(variant, identity, sleeps):
    server, script = variant
    script.faults["credits"].append((429, {"code": 429, "message": "slow down"}))

    assert call(server, identity, "credits", sleep=sleeps).available == 5
    assert sleeps == [30.0]


def test_429_twice_is_reported(variant, identity, sleeps):
    server, script = variant
    script.faults["credits"] += [(429, {"code": 429, "message": "slow down"})] * 2

    with pytest.raises(RateLimited):
        call(server, identity, "credits", sleep=sleeps)
    assert sleeps == [30.0]


def test_402_on_export_says_register_or_upgrade(variant, identity):
    server, script = variant
    script.faults["render"].append((402, {"code": 402, "message": "free plan"}))

    with pytest.raises(ExportBlocked, match="Register or upgrade your plan to unlock export."):
        call(server, identity, "create_render", DRAFT)


def test_a_duplicate_render_id_is_retried_with_a_new_id(variant, identity):
    server, script = variant
    script.faults["render"].append((409, {"code": 409, "message": "render id already exists"}))

    status = call(server, identity, "create_render", DRAFT)
    assert status.status == "pending" and status.id.startswith("render_")
    assert len([c for c in script.calls if c[0] == "render"]) == 2


def test_4001_and_4002_messages_say_what_to_do(variant, identity, tmp_path):
    server, script = variant
    media = tmp_path / "clip.mp4"
    media.write_bytes(b"0" * 1000)
    script.faults["upload"] += [(415, {"code": 4001, "message": "Unsupported file"}),
                                (413, {"code": 4002, "message": "File too large"})]

    async def go():
        async with client_for(server, identity) as client:
            with pytest.raises(UnsupportedFile, match="Supported formats: MP4, MOV"):
                await client.upload_files([media])
            with pytest.raises(FileTooLarge, match="200 MB limit: compress it or trim it"):
                await client.upload_files([media])

    run(go())
