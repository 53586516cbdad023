"""The protocol's names and limits, defined once. Every layer imports these instead of keeping a copy."""

from __future__ import annotations

from typing import Final, Literal

APP_NAME: Final = "nemo_agent"
ATTRIBUTION_HEADERS: Final = ("x-skill-source", "x-skill-version", "x-skill-platform")

# the draft's track types (`tt`) and the segment roles each may hold
TRACK_VIDEO: Final = 0
TRACK_AUDIO: Final = 1
TRACK_TEXT: Final = 7
TRACK_TYPE_NAMES: Final = {TRACK_VIDEO: "video", TRACK_AUDIO: "audio", TRACK_TEXT: "text"}
TRACK_ROLES: Final = {TRACK_VIDEO: ("background",), TRACK_AUDIO: ("song", "bgm", "voice"),
                      TRACK_TEXT: ("title", "lyrics", "text")}

Aspect = Literal["16:9", "9:16", "1:1"]
ASPECTS: Final[tuple[Aspect, ...]] = ("16:9", "9:16", "1:1")
Voice = Literal["female", "male"]
VOICES: Final[tuple[Voice, ...]] = ("female", "male")
Quality = Literal["draft", "standard", "high"]
QUALITIES: Final[tuple[Quality, ...]] = ("draft", "standard", "high")
EXPORT_QUALITIES: Final = {"draft": "draft", "high": "standard", "best": "high"}  # the protocol's word -> ours

# uploads
MAX_UPLOAD_BYTES: Final = 200 * 1024 * 1024
MAX_UPLOAD_MB: Final = MAX_UPLOAD_BYTES // (1024 * 1024)
MAX_UPLOAD_FILES: Final = 20
UPLOAD_FORMATS: Final = ("mp4", "mov", "avi", "webm", "mkv", "jpg", "png", "gif", "webp", "mp3", "wav", "m4a", "aac")
SUPPORTED_FORMATS: Final = "MP4, MOV, AVI, WebM, MKV, JPG, PNG, GIF, WebP, MP3, WAV, M4A, AAC"
MAX_IMAGE_PIXELS: Final = 40_000_000
MAX_IMAGE_SIDE: Final = 8192

# ids the server hands out or accepts are names, never paths
ID_PATTERN: Final = r"[A-Za-z0-9_-]{1,100}"

# what one request may ask for
MAX_MESSAGE_CHARS: Final = 20_000
MAX_MEDIA_SECONDS: Final = 15 * 60
MAX_SEGMENTS: Final = 200
MAX_TOOL_CALLS: Final = 12
TURN_LIMIT_SECONDS: Final = 15 * 60
MIN_SONG_SECONDS: Final = 10  # the shortest song length a request may ask for
MAX_SONG_SECONDS: Final = 8 * 60  # the longest song length a request may ask for (the engine's limit)
MAX_SEED: Final = 2**31 - 1  # seeds are 0..MAX_SEED
MAX_TITLE_CHARS: Final = 100  # a title card's longest text
SONG_OPTIONS_KEY: Final = "song_options"  # the key of a song request's options in the /run_sse `state_delta`
UPLOAD_SUFFIXES: Final = (*UPLOAD_FORMATS, "jpeg")  # file name endings a front end lets through for those formats
MAX_ACTIVE_RENDERS: Final = 2  # renders one user may have queued or running at once

# the cloud's two faces: the anonymous bootstrap (`/api/...`, `/run_sse`) and the API-key gateway (`/auth/verify`,
# `/projects`, `/ws/chat`...; docs: ../shared/PROTOCOL.md, "The second dialect")
Dialect = Literal["bootstrap", "gateway"]
DIALECTS: Final[tuple[Dialect, ...]] = ("bootstrap", "gateway")
CHAT_PING_SECONDS: Final = 30  # a client pings the gateway's chat socket this often
WS_CLOSE_AUTH: Final = 4001  # the chat socket's close code for a missing, unknown or expired token
WS_CLOSE_NO_SESSION: Final = 4002  # ... for a missing session id
WS_CLOSE_UNKNOWN_SESSION: Final = 4004  # ... for a session that does not exist or is another user's
OUTPUT_LINK_SECONDS: Final = 3600  # how long a signed output link (a render's `outputUrl`) works
MAX_LEDGER_PAGE: Final = 100  # the most credit-history items one page of `/billing/usage/conversations` holds
