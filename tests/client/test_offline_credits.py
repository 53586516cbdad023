"""Out of credits on the embedded backend: the message says what to do offline, and `nemo-song credits` does it."""

import asyncio
import subprocess
import sys

import pytest

from nemo_widgets.backend.store import Store
from nemo_widgets.client.errors import NoCredits
from tests.client.conftest import client_for


def nemo_song(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nemo_widgets.cli", *args], capture_output=True, text=True)


def test_out_of_credits_offline_names_the_command_that_adds_credits(backend, identity, tmp_path):
    data = tmp_path / "data"

    async def go():
        async with client_for(backend, identity, kind="embedded") as client:
            await client.credits()  # the anonymous account exists now
            admin = Store(data)
            try:
                (user, credits), = admin.balances()
                assert admin.spend(user, credits.available)
            finally:
                admin.close()
            with pytest.raises(NoCredits) as caught:
                async for _ in client.run_turn("a pop song:\nHello there"):
                    pass
            added = nemo_song("credits", "--data-dir", str(data), "--add", "100")
            return caught.value, added, await client.credits()

    error, added, after = asyncio.run(go())
    assert str(error).startswith("This needs 20 credits and you have 0. You are out of credits on this machine's")
    assert error.register_url is None and "`nemo-song credits --add 100`" in str(error)
    assert "nemovideo.com" not in str(error)
    assert added.returncode == 0 and added.stdout.startswith("Added 100 credits to every account.")
    assert after.available == 100


def test_the_credits_command_refuses_bad_input_clearly(tmp_path):
    Store(tmp_path / "data").close()
    for args, message in (
        (["--add", "0"], "--add takes a number of credits from 1 to 1,000,000, not 0."),
        (["--add", "5000000"], "not 5000000"),
        (["--add", "5", "--user", "../etc"], "There is no account '../etc'"),
    ):
        result = nemo_song("credits", "--data-dir", str(tmp_path / "data"), *args)
        assert result.returncode == 2 and message in result.stderr, result.stderr
    missing = nemo_song("credits", "--data-dir", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "has no backend data yet" in missing.stderr
    assert not (tmp_path / "nowhere").exists()
    shown = nemo_song("credits", "--data-dir", str(tmp_path / "data"))
    assert shown.returncode == 0 and shown.stdout.split() == ["account", "kind", "available", "used"]
    assert "usage: nemo-song credits" in nemo_song("credits", "--help").stdout
