"""Client-side words: the routing table, GUI-language translation, timeline summaries, platform detection."""

from pathlib import Path

import pytest

from nemo_widgets.client.config import Settings, detect_platform
from nemo_widgets.controller.routing import Action, route
from nemo_widgets.controller.tables import tracks_frame
from nemo_widgets.controller.timeline import describe_changes, summarize
from nemo_widgets.controller.translate import translate


@pytest.mark.parametrize(("text", "action"), [
    ("export", Action.EXPORT), ("导出", Action.EXPORT), ("download it", Action.EXPORT),
    ("send me the video", Action.EXPORT), ("credits", Action.CREDITS), ("积分", Action.CREDITS),
    ("what's my balance", Action.CREDITS), ("余额", Action.CREDITS), ("status", Action.STATE), ("状态", Action.STATE),
    ("show tracks", Action.STATE), ("upload", Action.UPLOAD), ("上传", Action.UPLOAD),
    ("add BGM at 35%", Action.CHAT), ("make it slower", Action.CHAT),
    ("pop song:\nI will export my heart\nto you", Action.CHAT),
])
def test_routing_table(text, action):
    assert route(text) is action


def test_files_always_route_to_upload():
    assert route("use this as the background", has_files=True) is Action.UPLOAD


def test_gui_language_becomes_what_this_tool_offers():
    assert "%nemo export" in translate("Done! Click the Export button to download.")
    assert "%nemo export" in translate("完成，点击导出")
    assert "%nemo status" in translate("Open the media panel to see it.")
    assert translate("Drag the clip onto the timeline.") == "describe the change in a message."
    assert "%nemo tracks" in translate("You can preview in the timeline.")


def test_timeline_summary_reads_like_the_protocol():
    draft = {"t": [{"tt": 0, "sg": [{"st": 0, "d": 10000, "role": "background", "src": "/u/city timelapse.mp4"}]},
                   {"tt": 1, "sg": [{"st": 0, "d": 10000, "role": "bgm", "src": "/u/Lo-fi.mp3", "vol": 0.35}]},
                   {"tt": 7, "sg": [{"st": 0, "d": 3000, "role": "title", "text": "Urban Dreams"}]}]}
    assert summarize(draft) == ('Timeline (3 tracks): 1. Background: city timelapse.mp4 (0-10s) '
                                '2. BGM: Lo-fi.mp3 (0-10s, 35%) 3. Title: "Urban Dreams" (0-3s)')


def test_summaries_of_a_cloud_draft_that_does_not_validate_show_what_does():
    cloud = {"t": [{"tt": 4, "sg": [{"st": 0, "d": 1000, "role": "sticker"}]},
                   {"tt": 1, "n": "Mix", "sg": [{"st": 0, "d": 8000, "role": "bgm", "src": "/m/beat.mp3", "vol": 0.5},
                                                {"st": "soon", "role": "bgm"}, None]},
                   "junk"],
             "d": -1, "m": None}
    assert summarize(cloud) == "Timeline (1 tracks): 1. BGM: beat.mp3 (0-8s, 50%)"
    assert list(tracks_frame(cloud)["source"]) == ["beat.mp3"]
    assert describe_changes(None, cloud).startswith("Updated: added BGM: beat.mp3")
    for junk in (None, "draft", [], {"t": {"tt": 1}}):
        assert summarize(junk) == "Timeline (0 tracks): empty."


def test_platform_from_the_install_path(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert detect_platform(tmp_path / ".clawhub" / "skills" / "x" / "api.py") == "clawhub"
    assert detect_platform(tmp_path / ".cursor" / "skills" / "x" / "api.py") == "cursor"
    assert detect_platform(Path("/opt/site-packages/nemo_widgets/client/api.py")) == "unknown"


def test_configuration_precedence(monkeypatch):
    monkeypatch.delenv("NEMO_API_BASE", raising=False)
    monkeypatch.delenv("NEMO_TOKEN", raising=False)
    assert Settings.from_env().embedded
    monkeypatch.setenv("NEMO_TOKEN", "abc")
    assert Settings.from_env().base_url == "https://mega-api-prod.nemovideo.ai"
    monkeypatch.setenv("NEMO_API_BASE", "http://team:8765/")
    assert Settings.from_env().base_url == "http://team:8765"
    assert Settings.from_env(base_url="http://other").base_url == "http://other"
