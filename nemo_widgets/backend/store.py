"""Users, tokens, sessions, credits and render jobs in SQLite (WAL), under the server's data directory.

Tokens are long random strings; only their SHA-256 is stored, so a copy of the database
gives nobody a working token. Every query that touches a session is scoped by its owner.

Several backends may share one data folder (one per notebook). Each registers itself in
`backends` with its process, owns the renders it queued, and at start-up fails only the
renders of backends whose process is gone. Writes go through one connection in real
transactions (BEGIN IMMEDIATE ... COMMIT, rolled back on any error); reads use a second
connection, so a write waiting for another backend's lock never holds up a read.
Chat turns are journaled in `turns`, their credits taken in the same transaction; a turn
whose backend is gone is found by `orphaned_turns` and settled at the next start.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from nemo_widgets.backend.data_dir import make_private, private_file
from nemo_widgets.backend.media_refs import ids_for_paths
from nemo_widgets.backend.processes import ProcessId
from nemo_widgets.protocol.names import TURN_LIMIT_SECONDS

ANONYMOUS_CREDITS = 100
TOKEN_LIFETIME = 7 * 24 * 3600
TOKENS_PER_CLIENT_WINDOW = 7 * 24 * 3600
TOKENS_PER_ADDRESS_WINDOW = 3600
DATABASE = "nemo.sqlite3"
STATE_VERSION = 1  # PRAGMA user_version: 1 = session states name media by id, never by server path
BUSY_TIMEOUT = 10.0  # seconds a write waits for another backend's transaction on the same database

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
CREATE TABLE IF NOT EXISTS token_grants (address TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS token_grants_by_address ON token_grants (address, at);
CREATE TABLE IF NOT EXISTS backends (id TEXT PRIMARY KEY, pid INTEGER NOT NULL, started TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS renders (
    id TEXT NOT NULL, user_id TEXT NOT NULL REFERENCES users(id), session_id TEXT NOT NULL,
    status TEXT NOT NULL, progress REAL NOT NULL DEFAULT 0, error TEXT, output TEXT, duration REAL, size INTEGER,
    created REAL NOT NULL, owner TEXT, PRIMARY KEY (user_id, id)
);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, task_id TEXT NOT NULL, user_id TEXT NOT NULL REFERENCES users(id),
    created REAL NOT NULL, language TEXT NOT NULL, state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    invocation_id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), session_id TEXT NOT NULL,
    cost INTEGER NOT NULL, song_id TEXT, status TEXT NOT NULL, started REAL NOT NULL, backend TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS open_turns ON turns (session_id) WHERE status = 'running';
CREATE TABLE IF NOT EXISTS projects (id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS project_sessions (
    session_id TEXT PRIMARY KEY REFERENCES sessions(id), project_id TEXT NOT NULL REFERENCES projects(id)
);
CREATE INDEX IF NOT EXISTS sessions_of_project ON project_sessions (project_id);
CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL);
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
class TokenRefused:
    """No token now: `reason` is "client" (this client id had one this week) or "address" (too many from this
    address this hour); `retry_after` is the number of seconds until one would be issued."""

    reason: str
    retry_after: float


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


@dataclass(frozen=True)
class ProjectSession:
    id: str
    created: float
    state: dict[str, Any]


@dataclass(frozen=True)
class Project:
    """The API-key gateway's project: a thin layer over the sessions it wraps (oldest first)."""

    id: str
    created: float
    updated: float  # the latest of its creation, its sessions' turns and its renders
    sessions: tuple[ProjectSession, ...]

    @property
    def name(self) -> str | None:
        """The title of its latest song, once there is one."""
        songs = [m for s in self.sessions for m in s.state["generated_media"] if m.get("kind") == "song"]
        return songs[-1].get("title") if songs else None


@dataclass(frozen=True)
class LedgerEntry:
    """One line of a user's credit history: a grant, or a chat turn that took credits (refunded turns cost nothing
    and are left out)."""

    kind: str  # "grant" or "conversation"
    at: float
    amount: int  # credits added (positive) or taken (negative)
    invocation_id: str | None = None
    session_id: str | None = None
    project_id: str | None = None
    status: str | None = None  # a turn's: running or committed
    made_song: bool = False  # the turn made a song (what every priced turn does today)


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


def _connect(path: Path) -> sqlite3.Connection:
    """A connection that leaves transactions to us (`_transaction`), shareable between the server's threads."""
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT)
    db.execute("PRAGMA foreign_keys=ON")
    return db


_OPEN_BACKENDS: set[str] = set()  # backends of this process whose store is open


def _backend_alive(backend_id: str, process: ProcessId) -> bool:
    """A backend of this process is alive while its store is open; another process's while that process runs."""
    if process == ProcessId.current():
        return backend_id in _OPEN_BACKENDS
    return process.alive()


def _take_credits(db: sqlite3.Connection, user: User, amount: int) -> bool:
    """Inside a transaction: take `amount` credits if the user has them; False (and nothing taken) otherwise."""
    return db.execute("UPDATE users SET credits_consumed = credits_consumed + ? "
                      "WHERE id = ? AND credits_granted - credits_consumed - credits_frozen >= ?",
                      (amount, user.id, amount)).rowcount == 1


class Store:
    def __init__(self, data_dir: Path) -> None:
        make_private(data_dir)
        path = data_dir / DATABASE
        private_file(path)
        self._db = _connect(path)  # the one writer: used inside _transaction only
        self._db.execute("PRAGMA journal_mode=WAL")
        for companion in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if companion.exists():
                companion.chmod(0o600)
        self._db.executescript(SCHEMA)
        self._lock = threading.RLock()
        self._upgrade()
        self._read = _connect(path)
        self._read_lock = threading.Lock()
        self._process = ProcessId.current()
        self.backend_id = f"bk_{secrets.token_hex(8)}"
        self._closed = False
        self._register()

    def _upgrade(self) -> None:
        """Bring a database made by an older version up to this schema."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(renders)")}
        if "owner" not in columns:
            self._db.execute("ALTER TABLE renders ADD COLUMN owner TEXT")
        if self._db.execute("PRAGMA user_version").fetchone()[0] < STATE_VERSION:
            with self._transaction() as db:
                for session_id, state in db.execute("SELECT id, state FROM sessions").fetchall():
                    db.execute("UPDATE sessions SET state = ? WHERE id = ?",
                               (json.dumps(ids_for_paths(json.loads(state))), session_id))
                db.execute(f"PRAGMA user_version = {STATE_VERSION}")

    def _register(self) -> None:
        """Join the backends of this data folder: forget the dead ones and fail the renders they left unfinished."""
        with self._transaction() as db:
            for backend_id, pid, started in db.execute("SELECT id, pid, started FROM backends").fetchall():
                if not _backend_alive(backend_id, ProcessId(pid, started)):
                    db.execute("DELETE FROM backends WHERE id = ?", (backend_id,))
            db.execute("INSERT INTO backends (id, pid, started, created) VALUES (?, ?, ?, ?)",
                       (self.backend_id, self._process.pid, self._process.started, time.time()))
            db.execute("UPDATE renders SET status = 'failed', error = ? WHERE status IN ('pending', 'processing') "
                       "AND (owner IS NULL OR owner NOT IN (SELECT id FROM backends))", (INTERRUPTED,))
        _OPEN_BACKENDS.add(self.backend_id)

    def shares_data_dir(self) -> bool:
        """Whether another live backend works in this data folder now (then its work files are not debris)."""
        rows = self._query("SELECT id, pid, started FROM backends WHERE id != ?", (self.backend_id,))
        return any(_backend_alive(backend_id, ProcessId(pid, started)) for backend_id, pid, started in rows)

    def close(self) -> None:
        """Fail this backend's unfinished renders (their jobs stop with it), leave the data folder, close. Idempotent."""
        with self._lock:
            if self._closed:
                return
            with self._transaction() as db:
                db.execute("UPDATE renders SET status = 'failed', error = ? WHERE owner = ? "
                           "AND status IN ('pending', 'processing')", (INTERRUPTED, self.backend_id))
                db.execute("DELETE FROM backends WHERE id = ?", (self.backend_id,))
            _OPEN_BACKENDS.discard(self.backend_id)
            self._closed = True
            with self._read_lock:
                self._read.close()
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write. BEGIN IMMEDIATE takes the database's write lock up front (another backend's write waits
        up to BUSY_TIMEOUT), so what is read inside still holds at COMMIT; any exception rolls everything back."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    def _query(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read on the reading connection (it sees every committed write)."""
        with self._read_lock:
            return self._read.execute(sql, parameters).fetchall()

    def issue_anonymous_token(self, client_id: str, now: float, address: str | None = None,
                              per_address_hour: int | None = None) -> IssuedToken | TokenRefused:
        """A new anonymous user with its token; refused when this client id already had one this week, or when
        `address` already received `per_address_hour` tokens in the last hour (no limit by address without both)."""
        with self._transaction() as db:
            row = db.execute("SELECT last_token FROM client_ids WHERE client_id = ?", (client_id,)).fetchone()
            if row and now - row[0] < TOKENS_PER_CLIENT_WINDOW:
                return TokenRefused("client", row[0] + TOKENS_PER_CLIENT_WINDOW - now)
            if address is not None and per_address_hour is not None:
                db.execute("DELETE FROM token_grants WHERE at <= ?", (now - TOKENS_PER_ADDRESS_WINDOW,))
                recent = [r[0] for r in db.execute("SELECT at FROM token_grants WHERE address = ? ORDER BY at",
                                                   (address,))]
                if len(recent) >= per_address_hour:
                    oldest_that_counts = recent[len(recent) - per_address_hour] if per_address_hour else now
                    return TokenRefused("address", oldest_that_counts + TOKENS_PER_ADDRESS_WINDOW - now)
                db.execute("INSERT INTO token_grants (address, at) VALUES (?, ?)", (address, now))
            user_id = f"usr_{secrets.token_hex(8)}"
            token = f"nmv_usr_{secrets.token_urlsafe(32)}"
            expires = now + TOKEN_LIFETIME
            db.execute("INSERT INTO users (id, kind, created, credits_granted) VALUES (?, 'anonymous', ?, ?)",
                       (user_id, now, ANONYMOUS_CREDITS))
            db.execute("INSERT INTO tokens (hash, user_id, expires, created) VALUES (?, ?, ?, ?)",
                       (token_hash(token), user_id, expires, now))
            db.execute("INSERT OR REPLACE INTO client_ids (client_id, last_token) VALUES (?, ?)", (client_id, now))
        return IssuedToken(token, user_id, expires, ANONYMOUS_CREDITS)

    def add_static_token(self, token: str, credits: int, now: float) -> str:
        """A team member's fixed token (never expires); the same token always maps to the same user."""
        user_id = f"usr_static_{token_hash(token)[:12]}"
        with self._transaction() as db:
            db.execute("INSERT OR IGNORE INTO users (id, kind, created, credits_granted) VALUES (?, 'static', ?, ?)",
                       (user_id, now, credits))
            db.execute("INSERT OR IGNORE INTO tokens (hash, user_id, expires, created) VALUES (?, ?, NULL, ?)",
                       (token_hash(token), user_id, now))
        return user_id

    def user_for_token(self, token: str, now: float) -> User | None:
        rows = self._query("SELECT users.id, users.kind, tokens.expires FROM tokens JOIN users ON users.id = tokens.user_id "
                           "WHERE tokens.hash = ?", (token_hash(token),))
        if not rows or (rows[0][2] is not None and rows[0][2] <= now):
            return None
        return User(rows[0][0], rows[0][1])

    def create_session(self, user: User, language: str, now: float) -> tuple[str, str]:
        task_id, session_id = f"task_{secrets.token_hex(8)}", f"sess_{secrets.token_hex(12)}"
        with self._transaction() as db:
            db.execute("INSERT INTO sessions (id, task_id, user_id, created, language, state) VALUES (?, ?, ?, ?, ?, ?)",
                       (session_id, task_id, user.id, now, language, json.dumps(empty_state())))
        return task_id, session_id

    def session_state(self, user: User, session_id: str) -> dict[str, Any] | None:
        """The session's state, or None when it does not exist or belongs to someone else."""
        rows = self._query("SELECT state FROM sessions WHERE id = ? AND user_id = ?", (session_id, user.id))
        return json.loads(rows[0][0]) if rows else None

    def update_state(self, user: User, session_id: str,
                     change: Callable[[dict[str, Any]], Change]) -> tuple[dict[str, Any], Change]:
        """Apply `change` to the session's state as it is now and save it, in one transaction, so no other write
        (an upload during a turn, another backend on this folder) is lost; when `change` raises, nothing is saved.
        Returns the saved state and what `change` returned; LookupError when the session is not the user's."""
        with self._transaction() as db:
            row = db.execute("SELECT state FROM sessions WHERE id = ? AND user_id = ?", (session_id, user.id)).fetchone()
            if row is None:
                raise LookupError(f"Session {session_id} was not found.")
            state = json.loads(row[0])
            result = change(state)
            db.execute("UPDATE sessions SET state = ? WHERE id = ?", (json.dumps(state), session_id))
        return state, result

    def begin_turn(self, user: User, session_id: str, invocation_id: str, cost: int, song_id: str | None,
                   now: float) -> TurnRefusal | None:
        """Journal a turn and take its credits in one transaction, before its stream opens. Refused, with nothing
        taken or written, while a live backend runs another turn in this session (one that started within the
        protocol's longest turn, so a turn stuck by a bug cannot lock the session) or when credits are short."""
        with self._transaction() as db:
            running = db.execute("SELECT backends.id, backends.pid, backends.started FROM turns "
                                 "JOIN backends ON backends.id = turns.backend WHERE turns.session_id = ? "
                                 "AND turns.status = 'running' AND turns.started > ?",
                                 (session_id, now - TURN_LIMIT_SECONDS)).fetchall()
            if any(_backend_alive(backend_id, ProcessId(pid, started)) for backend_id, pid, started in running):
                return TurnRefusal.BUSY
            if cost and not _take_credits(db, user, cost):
                return TurnRefusal.NO_CREDITS
            db.execute("INSERT INTO turns (invocation_id, user_id, session_id, cost, song_id, status, started, backend) "
                       "VALUES (?, ?, ?, ?, ?, 'running', ?, ?)",
                       (invocation_id, user.id, session_id, cost, song_id, now, self.backend_id))
        return None

    def commit_turn(self, invocation_id: str) -> None:
        """Close a turn whose results are all in the session's state."""
        with self._transaction() as db:
            db.execute("UPDATE turns SET status = 'committed' WHERE invocation_id = ? AND status = 'running'",
                       (invocation_id,))

    def refund_turn(self, invocation_id: str) -> bool:
        """Close a turn that could not finish and give its credits back, unless its song already reached the
        session's state: then the user keeps the song and the turn counts as committed. True when refunded."""
        with self._transaction() as db:
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
        rows = self._query("SELECT turns.invocation_id, turns.user_id, turns.session_id, turns.cost, turns.song_id, "
                           "backends.id, backends.pid, backends.started FROM turns "
                           "LEFT JOIN backends ON backends.id = turns.backend WHERE turns.status = 'running' "
                           "ORDER BY turns.started")
        return [OpenTurn(*row[:5]) for row in rows
                if row[5] is None or not _backend_alive(row[5], ProcessId(row[6], row[7]))]

    def spend(self, user: User, amount: int) -> bool:
        """Take `amount` credits if the user has them; False (and nothing taken) otherwise."""
        with self._transaction() as db:
            return _take_credits(db, user, amount)

    def add_render(self, user: User, render_id: str, session_id: str, now: float) -> bool:
        """Queue a render owned by this backend; False when this user already has a render with that id."""
        with self._transaction() as db:
            cursor = db.execute("INSERT OR IGNORE INTO renders (id, user_id, session_id, status, created, owner) "
                                "VALUES (?, ?, ?, 'pending', ?, ?)", (render_id, user.id, session_id, now, self.backend_id))
        return cursor.rowcount == 1

    def update_render(self, user: User, render_id: str, **fields: Any) -> None:
        columns = ", ".join(f"{name} = ?" for name in fields)
        with self._transaction() as db:
            db.execute(f"UPDATE renders SET {columns} WHERE user_id = ? AND id = ?",  # column names come from code
                       (*fields.values(), user.id, render_id))

    def render(self, user: User, render_id: str) -> RenderJob | None:
        rows = self._query("SELECT id, session_id, status, progress, error, output, duration, size, created FROM renders "
                           "WHERE user_id = ? AND id = ?", (user.id, render_id))
        return RenderJob(*rows[0]) if rows else None

    def queue_position(self, job: RenderJob) -> int:
        """How many renders (of anyone) wait before this pending one."""
        return self._query("SELECT COUNT(*) FROM renders WHERE status = 'pending' AND created < ?", (job.created,))[0][0]

    def balances(self) -> list[tuple[User, Credits]]:
        """Every account of this data folder with its credits, oldest first (for `nemo-song credits`)."""
        rows = self._query("SELECT id, kind, credits_granted, credits_consumed, credits_frozen FROM users "
                           "ORDER BY created, id")
        return [(User(uid, kind), Credits(granted - consumed - frozen, frozen, granted, consumed))
                for uid, kind, granted, consumed, frozen in rows]

    def grant(self, amount: int, user_id: str | None = None) -> int:
        """Give `amount` more credits to one account (or every account); how many accounts got them."""
        with self._transaction() as db:
            if user_id is None:
                return db.execute("UPDATE users SET credits_granted = credits_granted + ?", (amount,)).rowcount
            return db.execute("UPDATE users SET credits_granted = credits_granted + ? WHERE id = ?",
                              (amount, user_id)).rowcount

    def credits(self, user: User) -> Credits:
        granted, consumed, frozen = self._query(
            "SELECT credits_granted, credits_consumed, credits_frozen FROM users WHERE id = ?", (user.id,))[0]
        return Credits(granted - consumed - frozen, frozen, granted, consumed)

    def project_of(self, user: User, session_id: str) -> str | None:
        """The project wrapping one of the user's sessions, made on first use (a session started in the bootstrap
        dialect becomes a project of its own); None when the session is not the user's."""
        with self._transaction() as db:
            return self._adopt(db, user, session_id)

    @staticmethod
    def _adopt(db: sqlite3.Connection, user: User, session_id: str) -> str | None:
        row = db.execute("SELECT sessions.created, project_sessions.project_id FROM sessions LEFT JOIN project_sessions "
                         "ON project_sessions.session_id = sessions.id WHERE sessions.id = ? AND sessions.user_id = ?",
                         (session_id, user.id)).fetchone()
        if row is None or row[1] is not None:
            return None if row is None else row[1]
        project_id = f"proj_{secrets.token_hex(8)}"
        db.execute("INSERT INTO projects (id, user_id, created) VALUES (?, ?, ?)", (project_id, user.id, row[0]))
        db.execute("INSERT INTO project_sessions (session_id, project_id) VALUES (?, ?)", (session_id, project_id))
        return project_id

    def projects(self, user: User) -> list[Project]:
        """The user's projects, most recently updated first; every session of theirs is in one."""
        with self._transaction() as db:
            for (session_id,) in db.execute("SELECT id FROM sessions WHERE user_id = ? AND id NOT IN "
                                            "(SELECT session_id FROM project_sessions)", (user.id,)).fetchall():
                self._adopt(db, user, session_id)
        return sorted(self._projects(user), key=lambda p: (p.updated, p.id), reverse=True)

    def project(self, user: User, project_id: str) -> Project | None:
        """One of the user's projects; None when it does not exist or belongs to someone else."""
        found = self._projects(user, project_id)
        return found[0] if found else None

    def _projects(self, user: User, project_id: str | None = None) -> list[Project]:
        only = " AND projects.id = ?" if project_id is not None else ""
        rows = self._query("SELECT projects.id, projects.created, sessions.id, sessions.created, sessions.state "
                           "FROM projects JOIN project_sessions ON project_sessions.project_id = projects.id "
                           "JOIN sessions ON sessions.id = project_sessions.session_id "
                           f"WHERE projects.user_id = ?{only} ORDER BY sessions.created, sessions.id",
                           (user.id, *([project_id] if project_id is not None else [])))
        activity: dict[str, float] = {}
        for session_id, at in self._query("SELECT session_id, MAX(started) FROM turns WHERE user_id = ? "
                                          "GROUP BY session_id UNION ALL SELECT session_id, MAX(created) FROM renders "
                                          "WHERE user_id = ? GROUP BY session_id", (user.id, user.id)):
            activity[session_id] = max(at, activity.get(session_id, at))
        grouped: dict[str, tuple[float, list[ProjectSession]]] = {}
        for pid, created, session_id, session_created, state in rows:
            grouped.setdefault(pid, (created, []))[1].append(ProjectSession(session_id, session_created, json.loads(state)))
        return [Project(pid, created, max([created, *(activity.get(s.id, s.created) for s in sessions),
                                           *(s.created for s in sessions)]), tuple(sessions))
                for pid, (created, sessions) in grouped.items()]

    def latest_render(self, user: User, session_ids: Collection[str]) -> RenderJob | None:
        """The user's most recent finished render of any of these sessions."""
        if not session_ids:
            return None
        marks = ", ".join("?" * len(session_ids))
        rows = self._query("SELECT id, session_id, status, progress, error, output, duration, size, created FROM renders "
                           f"WHERE user_id = ? AND status = 'completed' AND session_id IN ({marks}) "
                           "ORDER BY created DESC LIMIT 1", (user.id, *session_ids))
        return RenderJob(*rows[0]) if rows else None

    def ledger(self, user: User) -> list[LedgerEntry]:
        """The user's credit history, newest first: the turns that took credits, then what they were granted."""
        granted, created = self._query("SELECT credits_granted, created FROM users WHERE id = ?", (user.id,))[0]
        turns = self._query("SELECT turns.invocation_id, turns.session_id, project_sessions.project_id, turns.cost, "
                            "turns.status, turns.started, turns.song_id IS NOT NULL FROM turns LEFT JOIN project_sessions "
                            "ON project_sessions.session_id = turns.session_id WHERE turns.user_id = ? AND turns.cost > 0 "
                            "AND turns.status != 'refunded' ORDER BY turns.started DESC, turns.invocation_id",
                            (user.id,))
        return [*(LedgerEntry("conversation", started, -cost, invocation_id, session_id, project_id, status, bool(song))
                  for invocation_id, session_id, project_id, cost, status, started, song in turns),
                LedgerEntry("grant", created, granted)]

    def secret(self, name: str) -> bytes:
        """A random 32-byte key kept in the database (0600) under `name`, made on first use and shared by every
        backend of this data folder."""
        with self._transaction() as db:
            db.execute("INSERT OR IGNORE INTO secrets (name, value) VALUES (?, ?)", (name, secrets.token_bytes(32)))
            return bytes(db.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()[0])
