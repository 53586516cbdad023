"""What the browser tests share across front ends (JupyterLab 4, Notebook 7): a Jupyter server isolated under
tmp_path, a Chromium page that leaves a screenshot when it fails, notebooks written for a test, and the studio's
habits measured the same way in both (typing, click-to-feedback, a `%%song` video on screen)."""

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
LYRICS = (ROOT / "nemo_widgets" / "data" / "lyrics" / "summer.txt").read_text(encoding="utf-8")  # the bundled 4-line lyric
LYRIC_LINES = [line for line in LYRICS.splitlines() if line.strip()]
CODE_CELLS = ".jp-Cell.jp-CodeCell"  # the same cell markup in JupyterLab and Notebook 7

# the time from the click (a capture listener sees it first) to the next frame with the status saying so
WATCH_FEEDBACK = """el => {
  const button = el.querySelector("button.nemo-generate");
  const status = el.querySelector(".nemo-status");
  let clicked = null;
  el.nemoFeedback = null;
  button.addEventListener("click", () => { clicked = performance.now(); }, { capture: true, once: true });
  new MutationObserver((_, observer) => {
    if (clicked !== null && status.textContent.startsWith("Waiting for the kernel")) {
      observer.disconnect();
      requestAnimationFrame(() => {
        el.nemoFeedback = { ms: performance.now() - clicked, disabled: button.disabled };
      });
    }
  }).observe(status, { childList: true, characterData: true, subtree: true });
}"""
FEEDBACK = "el => el.nemoFeedback"


def artifacts_dir() -> Path:
    """Screenshots and timings go to out/test-artifacts, or NEMO_TEST_ARTIFACTS."""
    artifacts = Path(os.environ.get("NEMO_TEST_ARTIFACTS", ROOT / "out" / "test-artifacts"))
    artifacts.mkdir(parents=True, exist_ok=True)
    return artifacts


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def jupyter_server(tmp_path: Path, app: str, work: Path, options: list[str]) -> Iterator[str]:
    """`jupyter <app>` on a free loopback port with an empty token, serving `work`; yields its base URL.

    Everything it and its kernels write (settings, runtime files, the embedded backend's data and config) stays
    under tmp_path, and a NEMO_TOKEN or NEMO_API_BASE of the caller's shell does not leak in."""
    settings = tmp_path / "lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    port = free_port()
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "lab-settings"),
           "NEMO_DATA_DIR": str(tmp_path / "data"), "NEMO_CONFIG_DIR": str(tmp_path / "config"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    env.pop("NEMO_TOKEN", None)
    env.pop("NEMO_API_BASE", None)
    command = [sys.executable, "-m", "jupyter", app, "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               "--ServerApp.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
               f"--ServerApp.root_dir={work}", *options]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log_path = tmp_path / f"jupyter-{app}.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(command, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/api/status", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


@contextmanager
def browser_page(name: str, **page_options):
    """A Chromium page; when the test fails in it, a full-page screenshot `<name>-failure.png` is kept."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(**{"viewport": {"width": 1280, "height": 1000}, **page_options})
        try:
            yield page
        except Exception:
            page.screenshot(path=str(artifacts_dir() / f"{name}-failure.png"), full_page=True)
            raise
        finally:
            browser.close()


def notebook_source(cells: list[str]) -> str:
    """An .ipynb of code cells on the python3 kernel."""
    import nbformat

    book = nbformat.v4.new_notebook()
    book.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    return nbformat.writes(book)


def run_cell(page, index: int) -> None:
    """Put the caret in a cell and run it with the real keyboard, as a user does."""
    page.locator(CODE_CELLS).nth(index).locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")


def wait_kernel_listening(base: str, timeout: float = 120) -> None:
    """Wait until a kernel is idle with a front end connected: before that, a front end shows the kernel idle but
    a cell run waits, unseen, until the kernel has started (which takes long on busy cores)."""
    deadline = time.monotonic() + timeout
    while not any(kernel["execution_state"] == "idle" and kernel["connections"] >= 1
                  for kernel in httpx.get(f"{base}/api/kernels", timeout=5).json()):
        assert time.monotonic() < deadline, "no kernel started and connected"
        time.sleep(0.3)


def type_lines(page, box, lines: list[str]) -> None:
    """Type lines into a box with the real keyboard, Enter between them; a Shift+Enter then Backspace at the end
    must leave the text as it was (Shift+Enter runs a cell in both front ends)."""
    box.click()
    for i, line in enumerate(lines):
        page.keyboard.type(line)
        if i < len(lines) - 1:
            page.keyboard.press("Enter")
    page.keyboard.press("Shift+Enter")
    page.keyboard.press("Backspace")


def send_in_chat(page, studio, text: str) -> None:
    """Type a request in the studio's chat box and send it with Enter."""
    studio.locator("input.nemo-refine-input").click()
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def click_generate(page, studio) -> dict:
    """Click Generate; the in-page click-to-feedback `{"ms", "disabled"}` ("Waiting for the kernel..." drawn)."""
    studio.evaluate(WATCH_FEEDBACK)
    studio.locator("button.nemo-generate").click()
    page.wait_for_function(FEEDBACK, arg=studio.element_handle(), timeout=10_000)
    return studio.evaluate(FEEDBACK)


def generate_and_time(page, studio) -> tuple[dict, float, float]:
    """Click Generate; the in-page click-to-feedback, then seconds to the first progress and to a playable video."""
    from playwright.sync_api import expect

    clicked = time.monotonic()
    feedback = click_generate(page, studio)
    expect(studio.locator(".nemo-stage")).to_have_text(re.compile(r"\d+%"), timeout=120_000)
    first_progress = time.monotonic() - clicked
    wait_playable(page, studio.locator("video.nemo-player"), timeout=240_000)
    return feedback, first_progress, time.monotonic() - clicked


def wait_playable(page, video, timeout: float) -> None:
    page.wait_for_function("v => v.readyState >= 1 && v.duration > 0", arg=video.element_handle(), timeout=timeout)


def song_video_box(page, cell) -> dict:
    """The on-screen box of the video a `%%song` cell shows, once it has its size; it must not autoplay or loop."""
    from playwright.sync_api import expect

    video = cell.locator(".jp-OutputArea-output video")
    expect(video).to_have_count(1, timeout=300_000)
    page.wait_for_function("v => v.readyState >= 1", arg=video.element_handle(), timeout=60_000)
    assert video.evaluate("v => !v.autoplay && !v.loop && v.paused")
    return video.bounding_box()


def interrupt(page) -> None:
    """The notebook toolbar's Interrupt button, as a user clicks it (the same item in JupyterLab and Notebook 7)."""
    page.locator(".jp-Toolbar-item[data-jp-item-name=interrupt] jp-button, "
                 ".jp-Toolbar-item[data-jp-item-name=interrupt] button").first.click()


def interrupts_leave_the_backend_answering(page, sleeping_cell: int, credits_cell: int) -> None:
    """Interrupt the idle kernel, then a cell that sleeps; `%nemo credits` must still reach the embedded backend
    (it once shared the kernel's process group and died of the first interrupt)."""
    from playwright.sync_api import expect

    cells = page.locator(CODE_CELLS)
    interrupt(page)
    run_cell(page, sleeping_cell)
    expect(cells.nth(sleeping_cell).locator(".jp-InputPrompt")).to_have_text("[*]:", timeout=30_000)
    interrupt(page)
    expect(cells.nth(sleeping_cell).locator(".jp-OutputArea-output")).to_contain_text("KeyboardInterrupt",
                                                                                     timeout=30_000)
    run_cell(page, credits_cell)
    credits = cells.nth(credits_cell).locator(".jp-OutputArea-output")
    expect(credits).to_contain_text("available", timeout=60_000)
    assert "Cannot reach" not in credits.inner_text()
