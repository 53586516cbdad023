"""The blocking facade inside a real Jupyter kernel, whose own event loop is already running."""

import os
import textwrap
import time

import pytest
from jupyter_client.manager import start_new_kernel

CODE = textwrap.dedent('''
    import asyncio
    from nemo_widgets.controller import Session
    loop_running = asyncio.get_event_loop().is_running()
    session = Session(on_update=lambda update: None)
    turn = session.generate("Lights on the water\\nwe sing until the morning", "lo-fi, instrumental", seed=2)
    video = session.export("kernel.mp4", quality="draft")
    print("RESULT", loop_running, turn.tools, len(session.tracks), video.path.stat().st_size > 10000)
''')


@pytest.mark.slow
def test_session_blocks_and_finishes_inside_a_running_kernel_loop(tmp_path):
    env = {**os.environ, "NEMO_DATA_DIR": str(tmp_path / "data"), "NEMO_CONFIG_DIR": str(tmp_path / "config")}
    env.pop("NEMO_TOKEN", None)
    env.pop("NEMO_API_BASE", None)
    manager, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path), env=env)
    outputs = []
    try:
        reply = client.execute_interactive(CODE, timeout=300, output_hook=lambda msg: outputs.append(msg))
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    text = "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")
    errors = [m["content"] for m in outputs if m["msg_type"] == "error"]
    assert reply["content"]["status"] == "ok", errors
    assert "RESULT True ['generate_song'] 3 True" in text, text


START = textwrap.dedent('''
    from nemo_widgets.client.embedded import embedded_backend
    from nemo_widgets.controller import Session
    session = Session(on_update=lambda update: print("UPDATE", update.text))
    before = session.credits()
    first = embedded_backend().process.pid
''')
AFTER_INTERRUPT = textwrap.dedent('''
    print("SURVIVED", embedded_backend().process.pid == first, session.credits().equals(before))
''')
AFTER_KILL = textwrap.dedent('''
    import os, signal
    os.kill(first, signal.SIGKILL)
    os.waitpid(first, 0)
    after = session.credits()
    print("RESTARTED", embedded_backend().process.pid != first, after.equals(before))
''')


def test_the_embedded_backend_survives_a_kernel_interrupt_and_restarts_when_killed(tmp_path):
    """Jupyter interrupts a kernel by signalling its process group; the backend must not take that interrupt, and if
    it dies anyway the next call starts a new one with the same data (same token, same credits)."""
    env = {**os.environ, "NEMO_DATA_DIR": str(tmp_path / "data"), "NEMO_CONFIG_DIR": str(tmp_path / "config")}
    env.pop("NEMO_TOKEN", None)
    env.pop("NEMO_API_BASE", None)
    manager, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path), env=env)
    outputs: list[dict] = []

    def run(code: str) -> str:
        outputs.clear()
        reply = client.execute_interactive(code, timeout=120, output_hook=outputs.append)
        errors = [m["content"] for m in outputs if m["msg_type"] == "error"]
        assert reply["content"]["status"] == "ok", errors
        return "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")

    try:
        run(START)
        manager.interrupt_kernel()
        time.sleep(1.0)
        assert "SURVIVED True True" in run(AFTER_INTERRUPT)
        text = run(AFTER_KILL)
        assert "RESTARTED True True" in text, text
        assert "started again" in text
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
