"""Where the client connects and who it is: base URL, token source, client id, cached token.

The client id is created once per installation and kept in the user's config folder; an
anonymous token is cached there with its expiry (mode 0600) so kernels reuse it instead of
asking for a new one, which the protocol allows only once a week per client id.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from nemo_widgets import __version__

try:
    import fcntl
except ImportError:  # Windows: the in-process lock alone
    fcntl = None  # type: ignore[assignment]
from nemo_widgets.protocol.names import ATTRIBUTION_HEADERS, DIALECTS, Dialect

CLOUD_BASE = "https://mega-api-prod.nemovideo.ai"
GATEWAY_BASE = "https://mega-x-api.nemovideo.ai"  # the cloud's API-key gateway (the official CLI's default)
CLOUD_BASES = (CLOUD_BASE, GATEWAY_BASE)
SKILL_SOURCE = "ai-song-generator"
REGISTER_URL = "https://nemovideo.com/register"
EMBEDDED = "embedded"
EXPIRY_MARGIN = 3600.0  # a cached token this close to expiry is replaced before use


def config_dir() -> Path:
    """`NEMO_CONFIG_DIR`, else the platform's per-user config folder."""
    if os.environ.get("NEMO_CONFIG_DIR"):
        return Path(os.environ["NEMO_CONFIG_DIR"]).expanduser()
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "nemo_widgets"
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / "nemo_widgets"
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "nemo_widgets"


def detect_platform(install_path: Path | None = None) -> str:
    """The X-Skill-Platform value, read from where the package is installed."""
    where = str((install_path or Path(__file__)).resolve())
    home = str(Path.home())
    if where.startswith(os.path.join(home, ".clawhub") + os.sep):
        return "clawhub"
    if where.startswith(os.path.join(home, ".cursor", "skills") + os.sep):
        return "cursor"
    return "unknown"


def attribution_headers(platform: str | None = None) -> dict[str, str]:
    return dict(zip(ATTRIBUTION_HEADERS, (SKILL_SOURCE, __version__, platform or detect_platform()), strict=True))


@dataclass(frozen=True)
class Settings:
    """How to reach a backend. `base_url=None` means the embedded backend on loopback; `dialect=None` means the
    bootstrap without a key, and with one whichever dialect the backend answers (probed once, then remembered)."""

    base_url: str | None = None
    token: str | None = None
    config_dir: Path | None = None
    dialect: Dialect | None = None

    @classmethod
    def from_env(cls, base_url: str | None = None, token: str | None = None,
                 dialect: str | None = None) -> Settings:
        """Arguments first, then `NEMO_API_BASE`, `NEMO_TOKEN` and `NEMO_DIALECT`. A token without a base URL means
        the cloud: its gateway when that dialect is asked for, else its bootstrap host."""
        token = token or os.environ.get("NEMO_TOKEN") or None
        chosen = check_dialect(dialect or os.environ.get("NEMO_DIALECT") or None)
        cloud = GATEWAY_BASE if chosen == "gateway" else CLOUD_BASE
        base_url = base_url or os.environ.get("NEMO_API_BASE") or (cloud if token else None)
        return cls(base_url.rstrip("/") if base_url else None, token, config_dir(), chosen)

    @property
    def embedded(self) -> bool:
        return self.base_url is None

    @property
    def folder(self) -> Path:
        return self.config_dir or config_dir()


def check_dialect(value: str | None) -> Dialect | None:
    """`value` as a dialect name, or a ValueError naming the choices (NEMO_DIALECT is typed by hand)."""
    if value is None:
        return None
    name = value.strip().lower()
    for dialect in DIALECTS:
        if name == dialect:
            return dialect
    raise ValueError(f"NEMO_DIALECT is {value!r}: use one of {', '.join(DIALECTS)} (or leave it unset to probe).")


@dataclass(frozen=True)
class CachedToken:
    token: str
    user_id: str
    expires_at: float

    def fresh(self, now: float) -> bool:
        return self.expires_at - EXPIRY_MARGIN > now


class FetchLock:
    """Held while a token is fetched, so two studios, the magics' loop and other kernels of this installation never
    ask for two tokens at once (the protocol gives one a week per client id): a lock per config folder for the
    threads of this process, and an exclusive `flock` on the folder's `tokens.lock` for other processes.
    `acquire` blocks: call it on a worker thread."""

    _process_locks: dict[Path, threading.Lock] = {}
    _guard = threading.Lock()

    def __init__(self, folder: Path) -> None:
        self.path = folder / "tokens.lock"
        with self._guard:
            self._lock = self._process_locks.setdefault(folder.resolve(), threading.Lock())
        self._fd: int | None = None

    def acquire(self) -> None:
        self._lock.acquire()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            if fcntl is not None:
                fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self.release()
            raise

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file drops its flock
            self._fd = None
        self._lock.release()


class Identity:
    """The installation's client id, its cached anonymous tokens and the dialect of each backend it probed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def fetch_lock(self) -> FetchLock:
        return FetchLock(self.folder)

    @property
    def _id_file(self) -> Path:
        return self.folder / "client_id"

    @property
    def _token_file(self) -> Path:
        return self.folder / "tokens.json"

    def client_id(self) -> str:
        try:
            value = self._id_file.read_text().strip()
        except FileNotFoundError:
            value = ""
        return value or self.new_client_id()

    def new_client_id(self) -> str:
        value = f"nw-{uuid.uuid4()}"
        _write_private(self._id_file, value + "\n")
        return value

    def cached_token(self, key: str, now: float | None = None) -> CachedToken | None:
        entry = self._tokens().get(key)
        if not isinstance(entry, dict):
            return None
        try:
            cached = CachedToken(str(entry["token"]), str(entry.get("user_id", "")), float(entry["expires_at"]))
        except (KeyError, TypeError, ValueError):
            return None
        return cached if cached.fresh(time.time() if now is None else now) else None

    def save_token(self, key: str, token: CachedToken) -> None:
        tokens = self._tokens()
        tokens[key] = {"token": token.token, "user_id": token.user_id, "expires_at": token.expires_at}
        _write_private(self._token_file, json.dumps(tokens, indent=1))

    def forget_token(self, key: str) -> None:
        tokens = self._tokens()
        if tokens.pop(key, None) is not None:
            _write_private(self._token_file, json.dumps(tokens, indent=1))

    def _tokens(self) -> dict:
        return _read_json(self._token_file)

    @property
    def _dialect_file(self) -> Path:
        return self.folder / "dialects.json"

    def cached_dialect(self, key: str) -> Dialect | None:
        """The dialect a backend answered in when it was probed, so each backend is probed once."""
        value = _read_json(self._dialect_file).get(key)
        return next((d for d in DIALECTS if d == value), None)

    def save_dialect(self, key: str, dialect: Dialect) -> None:
        dialects = _read_json(self._dialect_file)
        dialects[key] = dialect
        _write_private(self._dialect_file, json.dumps(dialects, indent=1))


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_private(path: Path, text: str) -> None:
    """Write a secret readable by its owner only (0600), replacing the file atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(temp, 0o600)
    os.replace(temp, path)
