"""The Nemo protocol on the kernel side: one async client for the cloud and the embedded backend.

Nothing here imports the engine, the renderer or the backend; the embedded backend is
started as a separate process and spoken to over HTTP like the cloud.
"""

from nemo_widgets.client.api import NemoClient
from nemo_widgets.client.config import Settings
from nemo_widgets.client.errors import (
    AuthError,
    ExportBlocked,
    FileTooLarge,
    NemoError,
    NoCredits,
    RateLimited,
    RenderFailed,
    SessionClosed,
    SessionNotFound,
    TurnTimedOut,
    UnsupportedFile,
)
from nemo_widgets.client.events import Heartbeat, Progress, StreamError, Text, ToolCall, ToolResult, TurnComplete

__all__ = [
    "AuthError", "ExportBlocked", "FileTooLarge", "Heartbeat", "NemoClient", "NemoError", "NoCredits", "Progress",
    "RateLimited", "RenderFailed", "SessionClosed", "SessionNotFound", "Settings", "StreamError", "Text", "ToolCall", "ToolResult",
    "TurnComplete", "TurnTimedOut", "UnsupportedFile",
]
