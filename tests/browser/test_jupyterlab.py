"""The studio in a real JupyterLab driven in a real Chromium: run the quickstart, make a song from the widget,
play it and export it. Screenshots are kept in out/test-artifacts (or NEMO_TEST_ARTIFACTS)."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
LYRICS = (ROOT / "nemo_widgets" / "data" / "lyrics" / "summer.txt").read_text(encoding="utf-8")  # the bundled 4-line lyric
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not CHROMIUM.exists(), reason="make installs Debian's chromium")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def lab(tmp_path):
    """JupyterLab on a free loopback port with an empty token, over a copy of the quickstart."""
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(ROOT / "notebooks" / "quickstart.ipynb", work)
    settings = tmp_path / "lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    port = free_port()
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "lab-settings"), "NEMO_DATA_DIR": str(tmp_path / "data"), "NEMO_CONFIG_DIR": str(tmp_path / "config"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    env.pop("NEMO_TOKEN", None)
    env.pop("NEMO_API_BASE", None)
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               "--ServerApp.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
               f"--ServerApp.root_dir={work}", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
               "jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = (tmp_path / "jupyterlab.log").open("w")
    server = subprocess.Popen(command, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{base}/api/status", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "jupyterlab.log").read_text()
        time.sleep(0.3)
    yield base, work
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


def run_all_cells(page) -> None:
    """Run > Run All Cells, again if the kernel was not listening yet (the first cell's prompt did not change)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    expect(page.get_by_text("Python 3 (ipykernel) | Idle")).to_be_visible(timeout=60_000)
    first_prompt = page.locator(".jp-Cell.jp-CodeCell").first.locator(".jp-InputPrompt")
    for _ in range(3):
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
        try:
            expect(first_prompt).not_to_have_text("[ ]:", timeout=20_000)
            return
        except (AssertionError, PlaywrightTimeout):
            page.keyboard.press("Escape")
    raise AssertionError("Run All Cells did not start the notebook")


def test_quickstart_and_the_studio_in_jupyterlab(lab, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    base, work = lab
    artifacts = Path(os.environ.get("NEMO_TEST_ARTIFACTS", ROOT / "out" / "test-artifacts"))
    artifacts.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
        try:
            page.goto(f"{base}/lab/tree/quickstart.ipynb")
            page.locator(".jp-Notebook").wait_for(timeout=60_000)
            expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(1, timeout=60_000)

            run_all_cells(page)
            last_prompt = page.locator(".jp-Cell.jp-CodeCell").last.locator(".jp-InputPrompt")
            expect(last_prompt).to_have_text(re.compile(r"\[\d+\]"), timeout=300_000)
            expect(page.locator(".jp-OutputArea-output video:not(.nemo-player)")).to_have_count(1, timeout=60_000)
            assert page.locator(".jp-OutputArea-error").count() == 0
            page.screenshot(path=str(artifacts / "quickstart-run.png"), full_page=True)

            studio = page.locator(".nemo-studio").first
            studio.scroll_into_view_if_needed()
            expect(studio.locator(".nemo-status")).to_have_text("Ready.", timeout=60_000)
            studio.locator("textarea.nemo-lyrics").fill(LYRICS)
            studio.locator("input.nemo-prompt").fill("an upbeat pop song with vocals")
            studio.locator("input.nemo-seed").fill("1")
            studio.locator("input.nemo-seed").dispatch_event("change")
            clicked = time.monotonic()
            studio.locator("button.nemo-generate").click()
            expect(studio.locator(".nemo-stage")).to_have_text(re.compile(r"\d+%"), timeout=60_000)
            first_progress = time.monotonic() - clicked
            player = studio.locator("video.nemo-player")
            page.wait_for_function("v => v.readyState >= 1 && v.duration > 0", arg=player.element_handle(),
                                   timeout=240_000)
            playable = time.monotonic() - clicked
            song_row = studio.locator(".nemo-tracks tbody tr", has_text="Song")
            song_end = float(song_row.locator("td").nth(4).inner_text().removesuffix(" s"))
            duration = player.evaluate("v => v.duration")
            assert abs(duration - song_end) <= 1.0, (duration, song_end)
            assert studio.locator(".nemo-turn.nemo-assistant").count() >= 1
            studio.screenshot(path=str(artifacts / "studio-song.png"))

            with page.expect_download(timeout=240_000) as download_info:
                studio.locator("button.nemo-export").click()
            download = download_info.value
            saved = tmp_path / download.suggested_filename
            download.save_as(saved)
            assert saved.suffix == ".mp4" and saved.stat().st_size > 100_000
            assert saved.read_bytes()[4:8] == b"ftyp"
            studio.screenshot(path=str(artifacts / "studio-exported.png"))

            light = studio.evaluate("el => getComputedStyle(el).backgroundColor")
            page.keyboard.press("Escape")
            page.keyboard.press("Control+Shift+C")
            palette = page.locator(".lm-CommandPalette-input")
            palette.fill("JupyterLab Dark")
            page.locator(".lm-CommandPalette-item", has_text="JupyterLab Dark").first.click()
            expect(page.locator("body[data-jp-theme-light='false']")).to_have_count(1, timeout=30_000)
            page.wait_for_function("([el, light]) => getComputedStyle(el).backgroundColor !== light",
                                   arg=[studio.element_handle(), light], timeout=30_000)
            studio.screenshot(path=str(artifacts / "studio-dark.png"))

            page.set_viewport_size({"width": 520, "height": 1000})
            page.wait_for_timeout(500)
            assert studio.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), "the studio fits a narrow cell"
            studio.screenshot(path=str(artifacts / "studio-narrow.png"))
            (artifacts / "timings.txt").write_text(
                f"click to first progress: {first_progress:.2f} s\nclick to playable video: {playable:.2f} s\n"
                f"video duration: {duration:.2f} s (song track {song_end:.1f} s)\n")
            print(f"click to first progress {first_progress:.2f} s, to playable video {playable:.2f} s")
        except Exception:
            page.screenshot(path=str(artifacts / "failure.png"), full_page=True)
            raise
        finally:
            browser.close()
