"""The studio's everyday habits in a real Notebook 7 driven in a real Chromium: keys typed in the studio stay in it,
Generate while a cell sleeps answers at once, a 9:16 `%%song` fits on screen, and the embedded backend survives
kernel interrupts. Screenshots and timings are kept in out/test-artifacts (or NEMO_TEST_ARTIFACTS)."""

import re

import pytest

from tests.browser.pages import (CHROMIUM, CODE_CELLS, LYRIC_LINES, LYRICS, artifacts_dir, browser_page,
                                 click_generate, interrupts_leave_the_backend_answering, jupyter_server,
                                 notebook_source, run_cell, send_in_chat, song_video_box, type_lines,
                                 wait_kernel_listening, wait_playable)

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not CHROMIUM.exists(), reason="make installs Debian's chromium")]

SLEEP_SECONDS = 15
HABITS = notebook_source([
    "%load_ext nemo_widgets\nfrom nemo_widgets import SongStudio\nstudio = SongStudio()\nstudio",
    f"import time\ntime.sleep({SLEEP_SECONDS})",
    "%%song --aspect 9:16 --seed 2\n" + LYRICS,
    "time.sleep(600)",
    "%nemo credits",
])


@pytest.fixture()
def notebook7(tmp_path):
    """Notebook 7 on a free loopback port with an empty token, over a folder with the habits notebook."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "habits.ipynb").write_text(HABITS, encoding="utf-8")
    with jupyter_server(tmp_path, "notebook", work, []) as base:
        yield base


def prompts(cells) -> list[str]:
    return [cells.nth(i).locator(".jp-InputPrompt").inner_text() for i in range(cells.count())]


def test_everyday_habits_in_notebook7(notebook7):
    """Keys, immediate feedback on Generate, a 9:16 %%song on screen, interrupts the backend survives."""
    from playwright.sync_api import expect

    artifacts = artifacts_dir()
    with browser_page("notebook7") as page:
        page.goto(f"{notebook7}/notebooks/habits.ipynb")
        idle = page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")
        wait_kernel_listening(notebook7)
        expect(idle).to_have_count(1, timeout=90_000)
        cells = page.locator(CODE_CELLS)
        run_cell(page, 0)
        studio = page.locator(".nemo-studio")
        expect(studio.locator(".nemo-status")).to_have_text("Ready.", timeout=120_000)
        before = prompts(cells)

        # keys typed in the studio stay in it: Enter makes lines, Shift+Enter and Ctrl+Enter run no cell, letters
        # are no command-mode shortcuts (a, b, d d, m...)
        lyrics = studio.locator("textarea.nemo-lyrics")
        type_lines(page, lyrics, LYRIC_LINES)
        assert lyrics.input_value().split("\n") == LYRIC_LINES
        style = studio.locator("input.nemo-prompt")
        style.click()
        page.keyboard.press("Control+A")
        page.keyboard.type("a bright indie song, add drums")
        assert style.input_value() == "a bright indie song, add drums"
        send_in_chat(page, studio, "what can you do")
        expect(studio.locator(".nemo-turn.nemo-user")).to_have_text(re.compile("what can you do"), timeout=60_000)
        expect(studio.locator(".nemo-turn.nemo-assistant")).to_have_count(1, timeout=60_000)
        # Ctrl+Enter generates (without lyrics, so no song: the error shows by the Generate button)
        lyrics.click()
        page.keyboard.press("Control+A")
        page.keyboard.press("Backspace")
        style.click()
        page.keyboard.press("Control+Enter")
        expect(studio.locator(".nemo-error")).to_contain_text("lyrics", timeout=60_000)
        idle_kernel = click_generate(page, studio)  # the same on a click, with the kernel idle
        assert idle_kernel["ms"] < 200 and idle_kernel["disabled"], idle_kernel
        expect(studio.locator("button.nemo-generate")).to_be_enabled(timeout=60_000)  # the kernel answered
        assert prompts(cells) == before, "no cell ran from keys typed in the studio"
        assert cells.count() == 5, "no cell was added or removed by keys typed in the studio"
        lyrics.fill(LYRICS)

        # Generate while the kernel sleeps in another cell: feedback at once, more requests ignored
        run_cell(page, 1)
        expect(cells.nth(1).locator(".jp-InputPrompt")).to_have_text("[*]:", timeout=30_000)
        run_cell(page, 2)  # the 9:16 %%song waits behind the sleeping cell
        asked = studio.locator(".nemo-turn.nemo-user").count()
        sleeping = click_generate(page, studio)
        assert sleeping["ms"] < 200 and sleeping["disabled"], sleeping
        lyrics.click()
        page.keyboard.press("Control+Enter")  # ignored: one request is on its way
        studio.locator("button.nemo-generate").click(force=True)

        # the 9:16 %%song video fits on screen and does not autoplay
        box = song_video_box(page, cells.nth(2))
        assert box["height"] <= 490 and box["width"] < box["height"], box
        page.screenshot(path=str(artifacts / "notebook7-song-9x16.png"), full_page=True)
        wait_playable(page, studio.locator("video.nemo-player"), timeout=240_000)
        assert studio.locator(".nemo-turn.nemo-user").count() == asked + 1, "one request, one song"
        expect(idle).to_have_count(1, timeout=60_000)

        # interrupts, idle then during a cell, leave the embedded backend answering
        interrupts_leave_the_backend_answering(page, sleeping_cell=3, credits_cell=4)
        page.screenshot(path=str(artifacts / "notebook7-after-interrupts.png"), full_page=True)
        figures = (f"Notebook 7 click to feedback: {idle_kernel['ms']:.0f} ms with the kernel idle, "
                   f"{sleeping['ms']:.0f} ms while a cell sleeps\n"
                   f"Notebook 7 %%song 9:16 video on screen: {box['width']:.0f}x{box['height']:.0f} px\n")
        (artifacts / "notebook7-timings.txt").write_text(figures)
        print(figures)
