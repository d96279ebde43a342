"""Job records in SQLite (`<models-dir>/jobs.sqlite3`), shared by the server and its workers.

A job moves queued -> running -> done | failed, or to cancelled from queued or running.
Every transition is one conditional UPDATE (`... WHERE state IN (...)`), so the server, a
cancelling request and a worker can race without a lock between processes: the first
transition wins and the others change nothing. The server holds one connection behind a
lock; a worker opens its own. WAL mode lets readers and the writer proceed together.
"""

from __future__ import annotations

import datetime as _dt
import json
import sqlite3
import threading
from pathlib import Path

STATES = ("queued", "running", "done", "failed", "cancelled")
ACTIVE = ("queued", "running")

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL,
    state         TEXT NOT NULL,
    trainer       TEXT NOT NULL,
    corpus        TEXT,
    config        TEXT NOT NULL,
    progress      REAL NOT NULL DEFAULT 0,
    epoch         INTEGER,
    epochs        INTEGER,
    words_done    INTEGER,
    words_total   INTEGER,
    words_per_sec REAL,
    loss          REAL,
    eta_seconds   REAL,
    error         TEXT,
    pid           INTEGER,
    created       TEXT NOT NULL,
    started       TEXT,
    finished      TEXT
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, id);
"""

# Columns a client sees (pid stays internal).
PUBLIC = (
    "id name state trainer corpus config progress epoch epochs words_done words_total "
    "words_per_sec loss eta_seconds error created started finished"
).split()
PROGRESS = ("epoch", "epochs", "words_done", "words_total", "words_per_sec", "loss", "eta_seconds")


def now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds")


def connect(path: str | Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
    con.row_factory = sqlite3.Row
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA busy_timeout=10000")
    return con


class JobStore:
    """The jobs table. Methods return plain dicts (config decoded) or None."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._con = connect(self.path)
        self._lock = threading.Lock()
        with self._lock:
            self._con.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def _exec(self, sql: str, args=()) -> sqlite3.Cursor:
        with self._lock:
            return self._con.execute(sql, args)

    def _rows(self, sql: str, args=()) -> list[dict]:
        with self._lock:
            return [_decode(r) for r in self._con.execute(sql, args).fetchall()]

    # ---- reading -------------------------------------------------------------------------

    def get(self, job_id: int) -> dict | None:
        rows = self._rows("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return rows[0] if rows else None

    def list(self, state: str | None = None, limit: int = 100) -> list[dict]:
        if state is None:
            return self._rows("SELECT * FROM jobs ORDER BY id DESC LIMIT ?", (limit,))
        return self._rows(
            "SELECT * FROM jobs WHERE state = ? ORDER BY id DESC LIMIT ?", (state, limit)
        )

    def next_queued(self) -> dict | None:
        rows = self._rows("SELECT * FROM jobs WHERE state = 'queued' ORDER BY id LIMIT 1")
        return rows[0] if rows else None

    def counts(self) -> dict[str, int]:
        with self._lock:
            got = dict(self._con.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state"))
        return {s: int(got.get(s, 0)) for s in STATES}

    def active_names(self) -> set[str]:
        with self._lock:
            rows = self._con.execute("SELECT name FROM jobs WHERE state IN ('queued', 'running')")
            return {r[0] for r in rows}

    # ---- transitions ---------------------------------------------------------------------

    def add(
        self,
        name: str,
        trainer: str,
        corpus: str | None,
        config: dict,
        taken=(),
        max_queued: int | None = None,
    ) -> dict:
        """Insert a queued job. NameTaken when `name` is in `taken` or held by another
        queued or running job, TooManyQueued when `max_queued` jobs are queued already
        (both checked in the same transaction as the insert)."""
        with self._lock:
            self._con.execute("BEGIN IMMEDIATE")
            try:
                busy = self._con.execute(
                    "SELECT 1 FROM jobs WHERE name = ? AND state IN ('queued', 'running')",
                    (name,),
                ).fetchone()
                if busy or name in taken:
                    raise NameTaken(name)
                if max_queued is not None:
                    (queued,) = self._con.execute(
                        "SELECT COUNT(*) FROM jobs WHERE state = 'queued'"
                    ).fetchone()
                    if queued >= max_queued:
                        raise TooManyQueued(queued)
                cur = self._con.execute(
                    "INSERT INTO jobs (name, state, trainer, corpus, config, created) "
                    "VALUES (?, 'queued', ?, ?, ?, ?)",
                    (name, trainer, corpus, json.dumps(config, sort_keys=True), now()),
                )
                self._con.execute("COMMIT")
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
        return self.get(cur.lastrowid)

    def start(self, job_id: int) -> bool:
        """queued -> running; False if the job is no longer queued."""
        cur = self._exec(
            "UPDATE jobs SET state = 'running', started = ? WHERE id = ? AND state = 'queued'",
            (now(), job_id),
        )
        return cur.rowcount == 1

    def requeue(self, job_id: int) -> bool:
        """running -> queued, for a job whose server died and that resumes from its
        checkpoint; False if it was not running."""
        cur = self._exec(
            "UPDATE jobs SET state = 'queued', pid = NULL, eta_seconds = NULL "
            "WHERE id = ? AND state = 'running'",
            (job_id,),
        )
        return cur.rowcount == 1

    def set_pid(self, job_id: int, pid: int | None) -> None:
        self._exec("UPDATE jobs SET pid = ? WHERE id = ?", (pid, job_id))

    def progress(self, job_id: int, fraction: float, **fields) -> None:
        """Record progress of a running job (ignored once it left 'running')."""
        cols = {k: v for k, v in fields.items() if k in PROGRESS}
        sets = "".join(f", {k} = ?" for k in cols)
        self._exec(
            f"UPDATE jobs SET progress = ?{sets} WHERE id = ? AND state = 'running'",
            (fraction, *cols.values(), job_id),
        )

    def note_error(self, job_id: int, error: str) -> None:
        """A worker's last word: why it is about to exit non-zero."""
        self._exec(
            "UPDATE jobs SET error = ? WHERE id = ? AND state = 'running'", (error[:4000], job_id)
        )

    def finish(self, job_id: int, state: str, error: str | None = None) -> bool:
        """running -> done | failed (error kept if none given); False if not running. A
        finished job has no ETA; its words/s stay the last rate measured."""
        assert state in ("done", "failed")
        progress = ", progress = 1" if state == "done" else ""
        cur = self._exec(
            f"UPDATE jobs SET state = ?, error = COALESCE(?, error), finished = ?, pid = NULL, "
            f"eta_seconds = NULL{progress} WHERE id = ? AND state = 'running'",
            (state, error if error is None else error[:4000], now(), job_id),
        )
        return cur.rowcount == 1

    def cancel(self, job_id: int) -> str | None:
        """queued | running -> cancelled; returns the state it was in, None if it was not
        active (or does not exist)."""
        with self._lock:
            self._con.execute("BEGIN IMMEDIATE")
            row = self._con.execute("SELECT state FROM jobs WHERE id = ?", (job_id,)).fetchone()
            before = row[0] if row else None
            if before in ACTIVE:
                self._con.execute(
                    "UPDATE jobs SET state = 'cancelled', finished = ?, error = ?, "
                    "eta_seconds = NULL WHERE id = ?",
                    (now(), "cancelled by a DELETE request", job_id),
                )
            self._con.execute("COMMIT")
        return before if before in ACTIVE else None


class NameTaken(Exception):
    """Another queued or running job will write a model of this name."""


class TooManyQueued(Exception):
    """As many jobs as allowed are queued already."""


def _decode(row: sqlite3.Row) -> dict:
    d = dict(row)
    d["config"] = json.loads(d["config"])
    return d
