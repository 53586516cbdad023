"""The studio in a real JupyterLab driven in a real Chromium: run the quickstart, make a song from the widget,
play it and export it. Screenshots are kept in out/test-artifacts (or NEMO_TEST_ARTIFACTS)."""

import re
import shutil
import time

import pytest

from tests.browser.pages import (CHROMIUM, CODE_CELLS, LYRIC_LINES, LYRICS, ROOT, artifacts_dir, browser_page,
                                 click_generate, generate_and_time, interrupts_leave_the_backend_answering,
                                 jupyter_server, notebook_source, run_cell, send_in_chat, song_video_box, type_lines,
                                 wait_playable)

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not CHROMIUM.exists(), reason="make installs Debian's chromium")]


@pytest.fixture()
def lab(tmp_path):
    """JupyterLab on a free loopback port with an empty token, over a copy of the quickstart."""
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(ROOT / "notebooks" / "quickstart.ipynb", work)
    options = ["--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    with jupyter_server(tmp_path, "lab", work, options) as base:
        yield base, work


def to_dark_theme(page) -> None:
    from playwright.sync_api import expect

    page.evaluate("document.activeElement?.blur()")  # typing in the studio keeps its keys from JupyterLab
    page.keyboard.press("Escape")
    page.keyboard.press("Control+Shift+C")
    page.locator(".lm-CommandPalette-input").fill("JupyterLab Dark")
    page.locator(".lm-CommandPalette-item", has_text="JupyterLab Dark").first.click()
    expect(page.locator("body[data-jp-theme-light='false']")).to_have_count(1, timeout=30_000)


def run_all_cells(page) -> None:
    """Run > Run All Cells, again if the kernel was not listening yet (the first cell's prompt did not change)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    expect(page.get_by_text("Python 3 (ipykernel) | Idle")).to_be_visible(timeout=60_000)
    first_prompt = page.locator(CODE_CELLS).first.locator(".jp-InputPrompt")
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
    from playwright.sync_api import expect

    base, work = lab
    artifacts = artifacts_dir()
    with browser_page("quickstart", accept_downloads=True) as page:
        page.goto(f"{base}/lab/tree/quickstart.ipynb")
        page.locator(".jp-Notebook").wait_for(timeout=60_000)
        expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(1, timeout=60_000)

        run_all_cells(page)
        last_prompt = page.locator(CODE_CELLS).last.locator(".jp-InputPrompt")
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
        feedback, first_progress, playable = generate_and_time(page, studio)
        player = studio.locator("video.nemo-player")
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
        to_dark_theme(page)
        page.wait_for_function("([el, light]) => getComputedStyle(el).backgroundColor !== light",
                               arg=[studio.element_handle(), light], timeout=30_000)
        studio.screenshot(path=str(artifacts / "studio-dark.png"))

        page.set_viewport_size({"width": 520, "height": 1000})
        page.wait_for_timeout(500)
        assert studio.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), "the studio fits a narrow cell"
        studio.screenshot(path=str(artifacts / "studio-narrow.png"))
        (artifacts / "timings.txt").write_text(
            f"click to feedback: {feedback['ms']:.0f} ms\n"
            f"click to first progress: {first_progress:.2f} s\nclick to playable video: {playable:.2f} s\n"
            f"video duration: {duration:.2f} s (song track {song_end:.1f} s)\n")
        print(f"click to first progress {first_progress:.2f} s, to playable video {playable:.2f} s")


SLEEP_SECONDS = 15
EVERYDAY = notebook_source([
    "%load_ext nemo_widgets\nfrom nemo_widgets import SongStudio\nfirst = SongStudio()\nfirst",
    "second = SongStudio()\nsecond",
    f"import time\ntime.sleep({SLEEP_SECONDS})",
    "%%song --aspect 9:16 --seed 2\n" + LYRICS,
    "time.sleep(600)",
    "%nemo credits",
])


def test_everyday_habits_in_jupyterlab(lab, tmp_path):
    """Keys typed in the studio, Generate while a cell sleeps, two studios, a 9:16 %%song, dark and narrow."""
    from playwright.sync_api import expect

    base, work = lab
    (work / "everyday.ipynb").write_text(EVERYDAY, encoding="utf-8")
    artifacts = artifacts_dir()
    with browser_page("everyday") as page:
        page.goto(f"{base}/lab/tree/everyday.ipynb")
        expect(page.get_by_text("Python 3 (ipykernel) | Idle")).to_be_visible(timeout=90_000)
        cells = page.locator(CODE_CELLS)
        run_cell(page, 0)
        expect(page.locator(".nemo-studio")).to_have_count(1, timeout=120_000)
        run_cell(page, 1)
        first, second = page.locator(".nemo-studio").nth(0), page.locator(".nemo-studio").nth(1)
        for studio in (first, second):
            expect(studio.locator(".nemo-status")).to_have_text("Ready.", timeout=120_000)
        prompts = [cells.nth(i).locator(".jp-InputPrompt").inner_text() for i in range(2)]

        # item 1: the real keyboard; Enter makes lines, Shift+Enter stays in the box, nothing reaches the notebook
        lyrics = first.locator("textarea.nemo-lyrics")
        type_lines(page, lyrics, LYRIC_LINES)
        assert lyrics.input_value().split("\n") == LYRIC_LINES
        first.locator("input.nemo-prompt").click()
        page.keyboard.press("Control+A")
        page.keyboard.type("a chill lo-fi song")
        assert first.locator("input.nemo-prompt").input_value() == "a chill lo-fi song"
        assert [cells.nth(i).locator(".jp-InputPrompt").inner_text() for i in range(2)] == prompts
        assert cells.count() == 6, "no cell was run, added or removed by keys typed in the studio"
        send_in_chat(page, second, "what can you do")
        expect(second.locator(".nemo-turn.nemo-user")).to_have_text(re.compile("what can you do"), timeout=60_000)
        expect(second.locator(".nemo-turn.nemo-assistant")).to_have_count(1, timeout=60_000)
        assert first.locator(".nemo-turn").count() == 0, "the other studio's turns stay in it"

        # item 3: Generate while the kernel sleeps in another cell: feedback at once, more requests ignored
        run_cell(page, 2)
        expect(cells.nth(2).locator(".jp-InputPrompt")).to_have_text("[*]:", timeout=30_000)
        run_cell(page, 3)  # the 9:16 %%song waits behind the sleeping cell
        clicked = time.monotonic()
        sleeping = click_generate(page, first)
        assert sleeping["ms"] < 200 and sleeping["disabled"], sleeping
        lyrics.click()
        page.keyboard.press("Control+Enter")  # ignored: one request is on its way
        first.locator("button.nemo-generate").click(force=True)
        expect(first.locator(".nemo-stage")).to_have_text(re.compile(r"\d+%"), timeout=240_000)
        busy_first_progress = time.monotonic() - clicked

        # Ctrl+Enter generates (the second studio has no lyrics: the error shows by its Generate button)
        second.locator("input.nemo-prompt").click()
        page.keyboard.press("Control+Enter")
        expect(second.locator(".nemo-error")).to_contain_text("lyrics", timeout=240_000)
        banner = second.locator(".nemo-error")
        assert banner.evaluate("b => b.previousElementSibling.classList.contains('nemo-controls')")

        # item 7 via %%song: the 9:16 video fits on screen and does not autoplay
        box = song_video_box(page, cells.nth(3))
        assert box["height"] <= 490 and box["width"] < box["height"], box
        page.screenshot(path=str(artifacts / "everyday-song-9x16.png"), full_page=True)

        wait_playable(page, first.locator("video.nemo-player"), timeout=240_000)
        assert first.locator(".nemo-turn.nemo-user").count() == 1, "one request, one song"
        assert second.locator(".nemo-player").is_hidden(), "the first studio's song stays in it"
        assert first.locator(".nemo-download").is_hidden(), "a preview is not offered as a download"

        # warm kernel: click to feedback, to first progress, to a playable video
        second.locator("input[type=file]").set_input_files(  # item 4: a dropped .txt fills the box visibly
            files=[{"name": "words.txt", "mimeType": "text/plain", "buffer": LYRICS.encode()}])
        expect(second.locator("textarea.nemo-lyrics")).to_have_value(LYRICS, timeout=60_000)
        warm, warm_first_progress, warm_playable = generate_and_time(page, second)
        assert warm["ms"] < 200, warm
        expect(second.locator(".nemo-status")).to_have_text("Ready.", timeout=60_000)
        send_in_chat(page, second, "make it 1:1")
        expect(second.locator("select[aria-label=Aspect]")).to_have_value("1:1", timeout=120_000)
        expect(first.locator("select[aria-label=Aspect]")).to_have_value("16:9")
        expect(second.locator(".nemo-status")).to_have_text("Ready.", timeout=240_000)

        # item 2: interrupts, idle then during a cell, leave the embedded backend answering
        interrupts_leave_the_backend_answering(page, sleeping_cell=4, credits_cell=5)

        # item 8: no wrapped buttons at 480 px, errors readable in the dark theme
        to_dark_theme(page)
        second.locator("textarea.nemo-lyrics").fill("")
        second.locator("button.nemo-generate").click()
        expect(banner).to_be_visible(timeout=60_000)
        page.wait_for_timeout(500)
        dark = banner.evaluate("""b => {
          const lum = (c) => { const [r, g, b2] = c.match(/[\\d.]+/g).map(Number);
            return (0.2126 * r + 0.7152 * g + 0.0722 * b2) / (c.startsWith("color(") ? 1 : 255); };
          return [lum(getComputedStyle(b).backgroundColor), lum(getComputedStyle(b).color)]; }""")
        assert dark[0] < 0.35 < dark[1], dark
        second.screenshot(path=str(artifacts / "everyday-dark-error.png"))
        # a narrow window: no file list
        page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click()
        page.set_viewport_size({"width": 480, "height": 1000})
        page.wait_for_timeout(500)
        for studio in (first, second):
            assert studio.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), "the studio fits a narrow cell"
            one_line = studio.evaluate("""el => [...el.querySelectorAll('button:not(.nemo-chip), .nemo-button')]
              .filter((b) => b.offsetParent !== null)
              .every((b) => getComputedStyle(b).whiteSpace === 'nowrap' && b.scrollWidth <= b.clientWidth + 1)""")
            assert one_line, "a button wrapped"
        first.screenshot(path=str(artifacts / "everyday-narrow.png"))
        figures = (f"click to feedback: {warm['ms']:.0f} ms warm, {sleeping['ms']:.0f} ms while a cell sleeps\n"
                   f"click to first progress: {warm_first_progress:.2f} s warm "
                   f"({busy_first_progress:.2f} s behind a {SLEEP_SECONDS} s cell and a %%song)\n"
                   f"click to playable video: {warm_playable:.2f} s warm\n"
                   f"%%song 9:16 video on screen: {box['width']:.0f}x{box['height']:.0f} px\n")
        (artifacts / "everyday-timings.txt").write_text(figures)
        print(figures)

        # item 3: a kernel restart is said, with how to recover
        page.get_by_role("menuitem", name="Kernel", exact=True).click()
        page.get_by_role("menuitem", name=re.compile(r"^Restart Kernel")).first.click()
        page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").click()
        for studio in (first, second):
            expect(studio.locator(".nemo-status")).to_have_text("Disconnected.", timeout=60_000)
            expect(studio.locator(".nemo-error")).to_contain_text("Re-run this cell")
            assert studio.locator("button.nemo-generate").is_disabled()
        first.screenshot(path=str(artifacts / "everyday-restarted.png"))
