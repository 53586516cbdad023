"""The studio and %%song: updates handled by kind, server text never taken as HTML, temporary files removed."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from nemo_widgets.controller import kernel_session
from nemo_widgets.controller.session import AsyncSession
from nemo_widgets.controller.updates import Update, UpdateKind
from nemo_widgets.magics import nemo_magics
from nemo_widgets.magics.nemo_magics import CellProgress, NemoMagics
from nemo_widgets.protocol.names import ASPECTS, MAX_UPLOAD_BYTES, VOICES
from nemo_widgets.widget import SongStudio
from tests.client.conftest import client_for

ATTACK = "<img src=x onerror=alert(document.domain)>"


def _typed(**payload):
    return json.dumps(payload)


def test_the_studio_reacts_to_kinds_whatever_the_text(backend, identity, tmp_path):
    studio = SongStudio(session=AsyncSession(client_for(backend, identity)), export_dir=tmp_path)
    try:
        studio._show(Update(UpdateKind.ACKNOWLEDGED, "On it."))
        assert studio.status == "On it." and studio.transcript == []
        studio._show(Update(UpdateKind.REPLY, "On it."))
        studio._show(Update(UpdateKind.STATUS, "Done."))
        studio._show(Update(UpdateKind.NOTICE, "A new session was started."))
        assert studio.transcript == [{"role": "assistant", "text": "On it."},
                                     {"role": "notice", "text": "A new session was started."}]
        studio._show(Update(UpdateKind.PROGRESS, "Singing", "singing", 40))
        assert (studio.stage, studio.percent, studio.status) == ("Singing", 40.0, "Done.")
    finally:
        studio.close()


def test_the_studio_sends_the_protocols_names_to_the_browser(tmp_path):
    studio = SongStudio(export_dir=tmp_path)
    try:
        state = studio.get_state()
        assert state["voices"] == list(VOICES) and state["aspects"] == list(ASPECTS)
        assert state["max_upload_bytes"] == MAX_UPLOAD_BYTES and "mp4" in state["upload_suffixes"]
    finally:
        studio.close()


def test_cell_progress_shows_server_text_as_text():
    cell = CellProgress()
    cell(Update(UpdateKind.PROGRESS, ATTACK, "singing", 50))
    assert "<img" not in cell.label.value and "&lt;img src=x onerror=alert(document.domain)&gt; 50%" == cell.label.value
    cell(Update(UpdateKind.STATUS, ATTACK))
    assert "<img" not in cell.label.value
    cell(Update(UpdateKind.REPLY, "On it."))
    assert cell.replies.outputs[-1]["text"] == "On it.\n"
    cell.show(ATTACK, lead="Stopped:")
    assert cell.label.value == "<b>Stopped:</b> &lt;img src=x onerror=alert(document.domain)&gt;"


def test_song_magic_escapes_what_a_hostile_backend_says(variant, tmp_path, monkeypatch):
    server, script = variant
    script.sse = [_typed(type="progress", stage=ATTACK, percent=30), _typed(type="text", content=ATTACK),
                  json.dumps({"error": f"ValueError: {ATTACK}"})]
    monkeypatch.setenv("NEMO_API_BASE", server.base_url)
    monkeypatch.setenv("NEMO_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("NEMO_TOKEN", raising=False)
    monkeypatch.setattr(kernel_session, "_blocking", None)
    monkeypatch.setattr(kernel_session, "_session_id", None)
    labels = []

    def display(box):  # IPython's display: keep every value the cell's status line takes
        box.children[0].observe(lambda change: labels.append(change["new"]), "value")

    monkeypatch.setattr(nemo_magics, "display", display)
    try:
        assert NemoMagics(shell=None).song("--seed 1", "Lights on the water\nwe sing until the morning") is None
    finally:
        if kernel_session._blocking is not None:
            kernel_session._blocking.close()
    assert labels[-1].startswith("<b>Stopped:</b> ") and "onerror" in labels[-1]
    assert any("30%" in label for label in labels)
    assert not any("<img" in label for label in labels)


def test_closing_the_studio_removes_its_previews_and_unfinished_uploads(tmp_path):
    studio = SongStudio(export_dir=tmp_path)
    studio.send = lambda content, buffers=None: None
    preview = studio._preview_dir
    (preview / "preview.mp4").write_bytes(b"video")
    studio._receive_chunk({"id": "u1", "name": "clip.mp4", "size": 10, "offset": 0}, [b"12345"])
    upload = studio._uploads["u1"].folder
    assert preview.is_dir() and upload.is_dir()
    studio.close()
    assert not preview.exists() and not upload.exists()


def test_temporary_files_go_when_the_interpreter_exits_without_close(tmp_path):
    code = textwrap.dedent("""
        from nemo_widgets.widget import SongStudio
        from nemo_widgets.widget.upload_buffer import UploadBuffer
        studio = SongStudio()
        buffer = UploadBuffer("clip.mp4", 10)
        buffer.add(0, b"12345")
        print(studio._preview_dir, buffer.folder)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "TMPDIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    preview, upload = done.stdout.split()
    assert preview.startswith(str(tmp_path)) and not any(tmp_path.iterdir())


@pytest.mark.parametrize("kind", [UpdateKind.SUMMARY, UpdateKind.NOTICE, UpdateKind.ERROR])
def test_cell_progress_keeps_messages_by_kind(kind):
    cell = CellProgress()
    cell(Update(kind, "Done."))
    assert cell.replies.outputs[-1]["text"] == "Done.\n" and cell.label.value == "Connecting..."
