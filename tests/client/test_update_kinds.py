"""A session's updates are typed: real turns carry the right kinds, and front ends react to kinds, not text."""

import asyncio

import pytest

from nemo_widgets.controller.console import ConsoleUpdates
from nemo_widgets.controller.session import AsyncSession
from nemo_widgets.controller.updates import Update, UpdateKind
from tests.client.conftest import client_for

K = UpdateKind


def _run(server, identity, work):
    updates = []

    async def go():
        session = AsyncSession(client_for(server, identity), on_update=updates.append, poll_interval=0.1)
        try:
            return await work(session)
        finally:
            await session.close()

    return asyncio.run(go()), updates


def test_an_edit_turn_acknowledges_works_replies_and_finishes(backend, identity):
    turn, updates = _run(backend, identity, lambda session: session.chat("make it 9:16"))
    assert [u.kind for u in updates] == [K.STATUS, K.ACKNOWLEDGED, K.STATUS, K.REPLY, K.DONE]
    assert updates[1].text == "On it." and updates[2].text == "Changing the aspect ratio..."
    assert turn.replies == [updates[3].text] and "9:16" in turn.text


def test_a_turn_without_tools_is_a_reply_not_an_acknowledgement(backend, identity):
    turn, updates = _run(backend, identity, lambda session: session.chat("what is the capital of France?"))
    assert [u.kind for u in updates] == [K.STATUS, K.REPLY, K.DONE]
    assert turn.text.startswith("To make a song, write the style, a colon and the lyrics")


@pytest.mark.slow
def test_a_song_turn_reports_progress_and_its_options_win(backend, identity, short_lyrics):
    async def work(session):
        turn = await session.generate(short_lyrics, "a rock song with male vocals", voice="female", seed=5, aspect="9:16")
        return turn, session.state

    (turn, state), updates = _run(backend, identity, work)
    kinds = [u.kind for u in updates]
    assert kinds[:3] == [K.STATUS, K.ACKNOWLEDGED, K.STATUS] and kinds[-2:] == [K.REPLY, K.DONE]
    progress = [u for u in updates if u.kind is K.PROGRESS]
    assert progress and all(u.stage and u.percent is not None for u in progress) and progress[-1].percent == 100
    song = state["generated_media"][-1]
    assert (song["voice"], song["seed"], state["canvas_config"]["aspect"]) == ("female", 5, "9:16")


def test_the_console_reacts_to_kinds_whatever_the_text(capsys):
    console = ConsoleUpdates()
    console(Update(K.STATUS, "Still working..."))
    console(Update(K.STATUS, "Connecting..."))
    assert capsys.readouterr().out == ""
    console(Update(K.STILL_WORKING, "Toujours en cours"))
    console(Update(K.CONNECTING, "Verbinden"))
    console(Update(K.ACKNOWLEDGED, "On it."))
    assert capsys.readouterr().out.splitlines() == ["Toujours en cours", "Verbinden"]
    console(Update(K.PROGRESS, "Singing", "singing", 40))
    assert console._bar is not None and console._bar.n == 40
    console(Update(K.STATUS, "Done."))
    assert console._bar is not None
    console(Update(K.DONE, "Fertig"))
    assert console._bar is None
    console(Update(K.ERROR, "the lyrics are empty"))
    assert capsys.readouterr().out.strip().endswith("Error: the lyrics are empty")
