"""Users, tokens, sessions and credits in SQLite (WAL), under the server's data directory.

Tokens are long random strings; only their SHA-256 is stored, so a copy of the database
gives nobody a working token. Every query that touches a session is scoped by its owner.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ANONYMOUS_CREDITS = 100
TOKEN_LIFETIME = 7 * 24 * 3600
TOKENS_PER_CLIENT_WINDOW = 7 * 24 * 3600

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, created REAL NOT NULL,
    credits_granted INTEGER NOT NULL, credits_consumed INTEGER NOT NULL DEFAULT 0,
    credits_frozen INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), expires REAL, created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS client_ids (client_id TEXT PRIMARY KEY, last_token REAL NOT NULL);
CREATE TABLE IF NOT EXISTS renders (
    id TEXT NOT NULL, user_id TEXT NOT NULL REFERENCES users(id), session_id TEXT NOT NULL,
    status TEXT NOT NULL, progress REAL NOT NULL DEFAULT 0, error TEXT, output TEXT, duration REAL, size INTEGER,
    created REAL NOT NULL, PRIMARY KEY (user_id, id)
);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, task_id TEXT NOT NULL, user_id TEXT NOT NULL REFERENCES users(id),
    created REAL NOT NULL, language TEXT NOT NULL, state TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class User:
    id: str
    kind: str  # "anonymous" or "static"


@dataclass(frozen=True)
class IssuedToken:
    token: str
    user_id: str
    expires_at: float
    credits: int


@dataclass(frozen=True)
class RenderJob:
    id: str
    session_id: str
    status: str  # pending, processing, completed, failed
    progress: float  # 0..1
    error: str | None
    output: str | None  # path of the finished MP4
    duration: float | None
    size: int | None
    created: float


INTERRUPTED = "The server stopped while this video was rendering: export it again."


@dataclass(frozen=True)
class Credits:
    available: int
    frozen: int
    total_granted: int
    total_consumed: int


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def empty_state() -> dict[str, Any]:
    """A new session's state, in the shape the protocol's state route returns."""
    return {"draft": {"t": [], "m": {}}, "video_infos": [], "canvas_config": {"aspect": "16:9", "width": 1920, "height": 1080},
            "video_analyses": [], "generated_media": []}


class Store:
    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(data_dir / "nemo.sqlite3", check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SCHEMA)
        self._db.execute("UPDATE renders SET status = 'failed', error = ? WHERE status IN ('pending', 'processing')",
                         (INTERRUPTED,))
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    def issue_anonymous_token(self, client_id: str, now: float) -> IssuedToken | None:
        """A new anonymous user with its token, or None when this client id already had one this week."""
        with self._lock, self._db:
            row = self._db.execute("SELECT last_token FROM client_ids WHERE client_id = ?", (client_id,)).fetchone()
            if row and now - row[0] < TOKENS_PER_CLIENT_WINDOW:
                return None
            user_id = f"usr_{secrets.token_hex(8)}"
            token = f"nmv_usr_{secrets.token_urlsafe(32)}"
            expires = now + TOKEN_LIFETIME
            self._db.execute("INSERT INTO users (id, kind, created, credits_granted) VALUES (?, 'anonymous', ?, ?)",
                             (user_id, now, ANONYMOUS_CREDITS))
            self._db.execute("INSERT INTO tokens (hash, user_id, expires, created) VALUES (?, ?, ?, ?)",
                             (token_hash(token), user_id, expires, now))
            self._db.execute("INSERT OR REPLACE INTO client_ids (client_id, last_token) VALUES (?, ?)", (client_id, now))
        return IssuedToken(token, user_id, expires, ANONYMOUS_CREDITS)

    def add_static_token(self, token: str, credits: int, now: float) -> str:
        """A team member's fixed token (never expires); the same token always maps to the same user."""
        user_id = f"usr_static_{token_hash(token)[:12]}"
        with self._lock, self._db:
            self._db.execute("INSERT OR IGNORE INTO users (id, kind, created, credits_granted) VALUES (?, 'static', ?, ?)",
                             (user_id, now, credits))
            self._db.execute("INSERT OR IGNORE INTO tokens (hash, user_id, expires, created) VALUES (?, ?, NULL, ?)",
                             (token_hash(token), user_id, now))
        return user_id

    def user_for_token(self, token: str, now: float) -> User | None:
        with self._lock:
            row = self._db.execute(
                "SELECT users.id, users.kind, tokens.expires FROM tokens JOIN users ON users.id = tokens.user_id "
                "WHERE tokens.hash = ?", (token_hash(token),)).fetchone()
        if row is None or (row[2] is not None and row[2] <= now):
            return None
        return User(row[0], row[1])

    def create_session(self, user: User, language: str, now: float) -> tuple[str, str]:
        task_id, session_id = f"task_{secrets.token_hex(8)}", f"sess_{secrets.token_hex(12)}"
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO sessions (id, task_id, user_id, created, language, state) VALUES (?, ?, ?, ?, ?, ?)",
                (session_id, task_id, user.id, now, language, json.dumps(empty_state())))
        return task_id, session_id

    def session_state(self, user: User, session_id: str) -> dict[str, Any] | None:
        """The session's state, or None when it does not exist or belongs to someone else."""
        with self._lock:
            row = self._db.execute("SELECT state FROM sessions WHERE id = ? AND user_id = ?", (session_id, user.id)).fetchone()
        return json.loads(row[0]) if row else None

    def save_state(self, user: User, session_id: str, state: dict[str, Any]) -> None:
        with self._lock, self._db:
            self._db.execute("UPDATE sessions SET state = ? WHERE id = ? AND user_id = ?",
                             (json.dumps(state), session_id, user.id))

    def spend(self, user: User, amount: int) -> bool:
        """Take `amount` credits if the user has them; False (and nothing taken) otherwise."""
        with self._lock, self._db:
            cursor = self._db.execute(
                "UPDATE users SET credits_consumed = credits_consumed + ? "
                "WHERE id = ? AND credits_granted - credits_consumed - credits_frozen >= ?", (amount, user.id, amount))
        return cursor.rowcount == 1

    def refund(self, user: User, amount: int) -> None:
        with self._lock, self._db:
            self._db.execute("UPDATE users SET credits_consumed = MAX(0, credits_consumed - ?) WHERE id = ?",
                             (amount, user.id))

    def add_render(self, user: User, render_id: str, session_id: str, now: float) -> bool:
        """Queue a render; False when this user already has a render with that id."""
        with self._lock, self._db:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO renders (id, user_id, session_id, status, created) VALUES (?, ?, ?, 'pending', ?)",
                (render_id, user.id, session_id, now))
        return cursor.rowcount == 1

    def update_render(self, user: User, render_id: str, **fields: Any) -> None:
        columns = ", ".join(f"{name} = ?" for name in fields)
        with self._lock, self._db:
            self._db.execute(f"UPDATE renders SET {columns} WHERE user_id = ? AND id = ?",  # column names come from code
                             (*fields.values(), user.id, render_id))

    def render(self, user: User, render_id: str) -> RenderJob | None:
        with self._lock:
            row = self._db.execute(
                "SELECT id, session_id, status, progress, error, output, duration, size, created FROM renders "
                "WHERE user_id = ? AND id = ?", (user.id, render_id)).fetchone()
        return RenderJob(*row) if row else None

    def queue_position(self, job: RenderJob) -> int:
        """How many renders (of anyone) wait before this pending one."""
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM renders WHERE status = 'pending' AND created < ?",
                                    (job.created,)).fetchone()[0]

    def credits(self, user: User) -> Credits:
        with self._lock:
            granted, consumed, frozen = self._db.execute(
                "SELECT credits_granted, credits_consumed, credits_frozen FROM users WHERE id = ?", (user.id,)).fetchone()
        return Credits(granted - consumed - frozen, frozen, granted, consumed)
