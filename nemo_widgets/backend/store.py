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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from nemo_widgets.backend.owners import close_owner, is_gone, open_owner
from nemo_widgets.protocol.names import TURN_LIMIT_SECONDS

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

# the journal of chat turns in flight: written (and credits taken) before a turn's stream opens, closed when its
# result reaches the session's state ('committed') or its credits are returned ('refunded'); `pid` and `instance`
# name the backend running it, so a turn left open by a dead backend is found and settled at the next start
TURNS_SCHEMA = """
CREATE TABLE IF NOT EXISTS turns (
    invocation_id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), session_id TEXT NOT NULL,
    cost INTEGER NOT NULL, song_id TEXT, status TEXT NOT NULL, started REAL NOT NULL,
    pid INTEGER NOT NULL, instance TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS open_turns ON turns (session_id) WHERE status = 'running';
"""

Change = TypeVar("Change")


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


class TurnRefusal(Enum):
    """Why a turn may not start; nothing was charged or written."""

    BUSY = "another turn is running in this session"
    NO_CREDITS = "not enough credits"


@dataclass(frozen=True)
class OpenTurn:
    """A turn the journal still shows as running."""

    invocation_id: str
    user_id: str
    session_id: str
    cost: int
    song_id: str | None  # the song folder this turn writes, if it makes one


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
        self._db.executescript(TURNS_SCHEMA)
        self._db.execute("UPDATE renders SET status = 'failed', error = ? WHERE status IN ('pending', 'processing')",
                         (INTERRUPTED,))
        self._lock = threading.Lock()
        self.owner = open_owner()

    def close(self) -> None:
        close_owner(self.owner)
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

    def update_state(self, user: User, session_id: str,
                     change: Callable[[dict[str, Any]], Change]) -> tuple[dict[str, Any], Change]:
        """Apply `change` to the session's state as it is now and save it, in one transaction, so no other write
        (an upload during a turn, another backend on this folder) is lost; when `change` raises, nothing is saved.
        Returns the saved state and what `change` returned; LookupError when the session is not the user's."""
        with self._writing() as db:
            row = db.execute("SELECT state FROM sessions WHERE id = ? AND user_id = ?", (session_id, user.id)).fetchone()
            if row is None:
                raise LookupError(f"Session {session_id} was not found.")
            state = json.loads(row[0])
            result = change(state)
            db.execute("UPDATE sessions SET state = ? WHERE id = ?", (json.dumps(state), session_id))
        return state, result

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: BEGIN IMMEDIATE takes SQLite's write lock at once, so what is read inside is still
        true when it is written, across threads (the store's lock) and across backends sharing the folder."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.rollback()
                raise
            self._db.commit()

    def begin_turn(self, user: User, session_id: str, invocation_id: str, cost: int, song_id: str | None,
                   now: float) -> TurnRefusal | None:
        """Journal a turn and take its credits in one transaction, before its stream opens. Refused, with nothing
        taken or written, while a live backend runs another turn in this session (one that started within the
        protocol's longest turn, so a turn stuck by a bug cannot lock the session) or when credits are short."""
        with self._writing() as db:
            running = db.execute("SELECT pid, instance FROM turns WHERE session_id = ? AND status = 'running' "
                                 "AND started > ?", (session_id, now - TURN_LIMIT_SECONDS)).fetchall()
            if any(not is_gone(pid, instance) for pid, instance in running):
                return TurnRefusal.BUSY
            if cost and db.execute(
                    "UPDATE users SET credits_consumed = credits_consumed + ? "
                    "WHERE id = ? AND credits_granted - credits_consumed - credits_frozen >= ?",
                    (cost, user.id, cost)).rowcount != 1:
                return TurnRefusal.NO_CREDITS
            db.execute("INSERT INTO turns (invocation_id, user_id, session_id, cost, song_id, status, started, pid, "
                       "instance) VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?)",
                       (invocation_id, user.id, session_id, cost, song_id, now, self.owner.pid, self.owner.instance))
        return None

    def commit_turn(self, invocation_id: str) -> None:
        """Close a turn whose results are all in the session's state."""
        with self._writing() as db:
            db.execute("UPDATE turns SET status = 'committed' WHERE invocation_id = ? AND status = 'running'",
                       (invocation_id,))

    def refund_turn(self, invocation_id: str) -> bool:
        """Close a turn that could not finish and give its credits back, unless its song already reached the
        session's state: then the user keeps the song and the turn counts as committed. True when refunded."""
        with self._writing() as db:
            row = db.execute("SELECT turns.user_id, turns.cost, turns.song_id, sessions.state FROM turns "
                             "JOIN sessions ON sessions.id = turns.session_id "
                             "WHERE turns.invocation_id = ? AND turns.status = 'running'", (invocation_id,)).fetchone()
            if row is None:
                return False
            user_id, cost, song_id, state = row
            delivered = song_id is not None and any(m.get("id") == song_id for m in json.loads(state)["generated_media"])
            db.execute("UPDATE turns SET status = ? WHERE invocation_id = ?",
                       ("committed" if delivered else "refunded", invocation_id))
            if not delivered:
                db.execute("UPDATE users SET credits_consumed = MAX(0, credits_consumed - ?) WHERE id = ?",
                           (cost, user_id))
        return not delivered

    def orphaned_turns(self) -> list[OpenTurn]:
        """Turns still running in the journal whose backend is gone (it crashed or was killed mid-turn)."""
        with self._lock:
            rows = self._db.execute("SELECT invocation_id, user_id, session_id, cost, song_id, pid, instance FROM turns "
                                    "WHERE status = 'running' ORDER BY started").fetchall()
        return [OpenTurn(*row[:5]) for row in rows if is_gone(row[5], row[6])]

    def spend(self, user: User, amount: int) -> bool:
        """Take `amount` credits if the user has them; False (and nothing taken) otherwise."""
        with self._lock, self._db:
            cursor = self._db.execute(
                "UPDATE users SET credits_consumed = credits_consumed + ? "
                "WHERE id = ? AND credits_granted - credits_consumed - credits_frozen >= ?", (amount, user.id, amount))
        return cursor.rowcount == 1

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
