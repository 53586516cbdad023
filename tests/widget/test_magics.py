"""%load_ext nemo_widgets, %nemo and %%song in a real kernel against the embedded backend."""

import os
import time
import textwrap

import numpy as np
import pytest
import soundfile as sf
from jupyter_client.manager import start_new_kernel


class Kernel:
    def __init__(self, cwd, env):
        self.manager, self.client = start_new_kernel(kernel_name="python3", cwd=str(cwd), env=env)
        self.comms: list[dict] = []  # the state of every widget the kernel made, in order

    def run(self, code):
        """(stdout text, rich outputs, error names) of one cell."""
        messages = []
        reply = self.client.execute_interactive(textwrap.dedent(code), timeout=300, output_hook=messages.append)
        text = "".join(m["content"].get("text", "") for m in messages if m["msg_type"] == "stream")
        self.comms += [m["content"]["data"]["state"] for m in messages if m["msg_type"] == "comm_open"]
        rich = [m["content"]["data"] for m in messages if m["msg_type"] in ("display_data", "execute_result")]
        errors = [m["content"]["ename"] for m in messages if m["msg_type"] == "error"]
        assert reply["content"]["status"] == "ok" or errors, reply
        return text, rich, errors

    def close(self):
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


@pytest.fixture()
def kernel(tmp_path):
    env = {**os.environ, "NEMO_DATA_DIR": str(tmp_path / "data"), "NEMO_CONFIG_DIR": str(tmp_path / "config")}
    env.pop("NEMO_TOKEN", None)
    env.pop("NEMO_API_BASE", None)
    running = Kernel(tmp_path, env)
    yield running
    running.close()


def test_song_help_and_an_empty_song_cell_reach_the_magic(kernel):
    kernel.run("%load_ext nemo_widgets\n%load_ext nemo_widgets")
    text, _, errors = kernel.run("%%song --help")
    assert errors == [] and text.startswith("usage: %%song [--prompt PROMPT]") and "--instrumental" in text
    text, _, errors = kernel.run("%%song -p rock")
    assert errors == [] and text.strip() == "%%song: There are no lyrics: type or paste at least one line."
    _, _, errors = kernel.run("%%time\n%%song --help")  # other cell magics are left alone
    assert errors == []


@pytest.mark.slow
def test_magics(kernel, tmp_path):
    sf.write(tmp_path / "tone.wav", 0.2 * np.sin(np.linspace(0, 2000, 44100)), 44100)
    assert kernel.run("%load_ext nemo_widgets\n%load_ext nemo_widgets")[2] == []

    text, _, _ = kernel.run("%nemo --help")
    assert "studio (default)" in text and "export [PATH]" in text
    text, _, _ = kernel.run("%nemo dance")
    assert "invalid choice: 'dance'" in text

    _, rich, errors = kernel.run("%nemo")
    assert errors == [] and "application/vnd.jupyter.widget-view+json" in rich[0]

    text, rich, errors = kernel.run('''
        %%song --prompt "a chill lo-fi song" --aspect 9:16 --seed 2 --out made.mp4
        Lights on the water
        we sing until the morning
    ''')
    assert errors == []
    assert "SongResult(path=" in rich[-1]["text/plain"] and "made.mp4" in rich[-1]["text/plain"]
    assert "<b>Saved</b>" in rich[-1]["text/html"] and "<table" in rich[-1]["text/html"]
    video = next(c for c in kernel.comms if c.get("_model_name") == "VideoModel")
    assert (video["autoplay"], video["loop"]) == (False, False)
    layout = next(c for c in kernel.comms if c.get("_model_name") == "LayoutModel" and c.get("max_height"))
    assert (layout["max_height"], layout["height"], layout["width"]) == ("480px", "auto", "auto")
    assert sum("application/vnd.jupyter.widget-view+json" in r for r in rich) == 2  # progress, then the player
    assert (tmp_path / "made.mp4").stat().st_size > 50_000

    text, rich, _ = kernel.run("result = _\nprint(result.path.name, len(result.tracks), result.session.session_id is not None)")
    assert text.strip() == "made.mp4 4 True"

    text, rich, _ = kernel.run("%nemo status")
    assert text.startswith("Timeline (4 tracks)") and "text/html" in rich[-1]
    _, rich, _ = kernel.run("%nemo tracks")
    assert "Lyrics" in rich[-1]["text/plain"]
    _, rich, _ = kernel.run("%nemo credits")
    assert rich[-1]["text/plain"].split() == ["available", "frozen", "total", "credits", "80", "0", "100"]
    _, rich, _ = kernel.run("%nemo backend")
    assert "embedded backend http://127.0.0.1:" in rich[-1]["text/plain"]
    _, rich, _ = kernel.run("%nemo upload tone.wav")
    assert "tone.wav" in rich[-1]["text/plain"] and "audio" in rich[-1]["text/plain"]
    text, _, _ = kernel.run("%nemo upload missing.mp4")
    assert "missing.mp4 is not a file" in text
    _, rich, _ = kernel.run("%nemo export again.mp4")
    assert "again.mp4" in rich[-1]["text/plain"] and (tmp_path / "again.mp4").stat().st_size > 50_000
    assert any("application/vnd.jupyter.widget-view+json" in r for r in rich[:-1])  # its progress shows here,
    # not in the %%song cell above

    text, _, errors = kernel.run("%%song\n   \n")
    assert errors == [] and text.strip() == "%%song: There are no lyrics: type or paste at least one line."


@pytest.mark.slow
def test_the_kernel_stays_free_while_the_studio_makes_a_song(kernel):
    kernel.run('''
        from nemo_widgets.widget import SongStudio
        studio = SongStudio(lyrics="Lights on the water\\nwe sing until the morning", prompt="a chill lo-fi song")
        studio._on_message(studio, {"type": "generate"}, [])
    ''')
    seen_busy = False
    for _ in range(600):
        text, _, errors = kernel.run("import time\nstarted = time.perf_counter()\n"
                                     "print(studio.busy, studio.has_song, round(time.perf_counter() - started, 3))")
        busy, has_song, _ = text.split()
        seen_busy |= busy == "True"
        if has_song == "True" and busy == "False":
            break
        time.sleep(0.2)
    text, _, _ = kernel.run("print(studio.error, studio.video_path.stat().st_size > 10000, studio.transcript[-1]['role'])")
    assert seen_busy, "cells ran while the song was being made"
    assert text.strip() == "{} True assistant"


@pytest.mark.slow
def test_interrupting_song_says_in_one_line_what_happened_and_the_song_can_be_exported(kernel, tmp_path):
    kernel.run("%load_ext nemo_widgets")
    client = kernel.client
    msg_id = client.execute("%%song --seed 3 --out first.mp4\nLights on the water\nwe sing until the morning\n")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait until the backend reports progress on the song
        message = client.get_iopub_msg(timeout=60)
        state = message["content"].get("data", {}).get("state", {})
        if message["msg_type"] == "comm_msg" and isinstance(state.get("value"), float) and state["value"] > 0:
            break
    kernel.manager.interrupt_kernel()
    texts, errors = [], []
    while True:
        message = client.get_iopub_msg(timeout=60)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        if message["msg_type"] == "stream":
            texts.append(message["content"]["text"])
        elif message["msg_type"] == "error":
            errors.append(message["content"]["ename"])
        elif message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            break
    text = "".join(texts)
    assert errors == [] and text.count("\n") == 1, text
    assert text.startswith("%%song: interrupted; the backend keeps making this song") and "%nemo export" in text
    assert not (tmp_path / "first.mp4").exists()
    for _ in range(120):  # the backend finishes the song it took
        if "Lyrics" in kernel.run("%nemo tracks")[1][-1]["text/plain"]:
            break
        time.sleep(1)
    _, rich, errors = kernel.run("%nemo export after.mp4")
    assert errors == [] and (tmp_path / "after.mp4").stat().st_size > 50_000
    _, rich, _ = kernel.run("%nemo credits")
    assert rich[-1]["text/plain"].split()[4] == "80"  # charged once
