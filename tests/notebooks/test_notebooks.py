"""The example notebooks, executed top to bottom by nbclient against the embedded backend."""

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
pytestmark = pytest.mark.slow


def execute(name: str, tmp_path: Path, monkeypatch) -> nbformat.NotebookNode:
    monkeypatch.setenv("NEMO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEMO_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("NEMO_TOKEN", raising=False)
    monkeypatch.delenv("NEMO_API_BASE", raising=False)
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(NOTEBOOKS / name, work / name)
    notebook = nbformat.read(work / name, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
    return notebook


def outputs(notebook, kind: str) -> list:
    return [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs if o.output_type == kind]


def test_notebooks_are_stored_without_outputs():
    for path in NOTEBOOKS.glob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        assert all(not c.get("outputs") and c.get("execution_count") is None
                   for c in notebook.cells if c.cell_type == "code"), path.name


def test_quickstart(tmp_path, monkeypatch):
    notebook = execute("quickstart.ipynb", tmp_path, monkeypatch)
    work = tmp_path / "work"
    assert (work / "quickstart.mp4").stat().st_size > 100_000
    assert (work / "quickstart_final.mp4").stat().st_size > 100_000
    shown = outputs(notebook, "display_data") + outputs(notebook, "execute_result")
    widget_views = [o for o in shown if "application/vnd.jupyter.widget-view+json" in o.data]
    assert len(widget_views) >= 3  # the studio, the progress of %%song and its player
    text = "".join(o.get("text", "") for o in outputs(notebook, "stream"))
    assert "Summer Nights" in text


def test_batch(tmp_path, monkeypatch):
    execute("batch.ipynb", tmp_path, monkeypatch)
    assert sorted(p.name for p in (tmp_path / "work" / "batch_out").glob("*.mp4")) == \
        ["ocean.mp4", "pattern.mp4", "sunrise.mp4"]


def test_lyrics_lab(tmp_path, monkeypatch):
    notebook = execute("lyrics_lab.ipynb", tmp_path, monkeypatch)
    assert len(list((tmp_path / "work").glob("lab_*.mp4"))) == 3
    table = outputs(notebook, "execute_result")[0].data["text/plain"]
    assert "lofi" in table and "folk" in table and "ballad" in table
