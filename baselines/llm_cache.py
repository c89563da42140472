"""The ``openai`` model's answers, kept in a SQLite file so that a rerun asks nothing twice.

Two tables. ``completions``: one row per request, keyed by ``request_key`` (the base URL as
recorded, the served model's identity and the request body, hashed), holding the chat
completion as JSON; only complete, well-formed completions are written, so a response that
was cut, too large or not JSON is asked again next time. ``servers``: what each base URL
served under each model name, when it was last seen, and the response format it was found to
accept, so that a rerun finds the same keys without asking, and a run warns when the model
behind a name changed. Every write is committed at once (an interrupted run keeps what it
got); the file holds no credential: URLs are stored redacted and answers with the key masked.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from bench.exceptions import InputError

CACHE_FORMAT = 2
# what a request body holds that is about transport, not about the answer
TRANSPORT_FIELDS = ("stream", "stream_options")


def canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def request_key(base_url: str, served: str, body: Mapping) -> str:
    """The cache key of a request: the server, the model it serves, and everything in the body that
    can change the answer, hashed."""
    asked = {k: v for k, v in body.items() if k not in TRANSPORT_FIELDS}
    payload = {"cache_format": CACHE_FORMAT, "base_url": base_url, "served": served, "body": asked}
    return hashlib.sha256(canonical(payload).encode("utf-8")).hexdigest()


class ResponseCache:
    """Completions by request key, and servers by URL and model name, in one SQLite file. Thread-safe."""

    def __init__(self, path: Path):
        import sqlite3

        self.path = path
        self._lock = threading.Lock()
        self._error = sqlite3.Error
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
            with contextlib.suppress(sqlite3.DatabaseError):
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS completions (key TEXT PRIMARY KEY, created REAL NOT NULL, "
                             "base_url TEXT NOT NULL, model TEXT NOT NULL, served TEXT NOT NULL, "
                             "request TEXT NOT NULL, response TEXT NOT NULL)")
            self._db.execute("CREATE TABLE IF NOT EXISTS servers (base_url TEXT NOT NULL, model TEXT NOT NULL, "
                             "served TEXT NOT NULL, identity TEXT NOT NULL, response_format TEXT, "
                             "seen REAL NOT NULL, PRIMARY KEY (base_url, model, served))")
        except (OSError, sqlite3.Error) as exc:
            raise InputError(f'model "openai": cannot use the cache {path}: {exc} (--model-arg cache=PATH)') from None
        self._closed = False

    def _run(self, what: str, sql: str, args: tuple = ()) -> list:
        try:
            with self._lock:
                if self._closed:
                    raise InputError(f'model "openai": the cache {self.path} is closed (the run is over)')
                return self._db.execute(sql, args).fetchall()
        except self._error as exc:
            raise InputError(f'model "openai": cannot {what} the cache {self.path}: {exc}') from None

    def get(self, key: str) -> str | None:
        rows = self._run("read", "SELECT response FROM completions WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def put(self, key: str, base_url: str, served: str, body: Mapping, response: str) -> None:
        self._run("write", "INSERT OR REPLACE INTO completions VALUES (?, ?, ?, ?, ?, ?, ?)",
                  (key, time.time(), base_url, str(body.get("model")), served, canonical(body), response))

    def last_served(self, base_url: str, model: str) -> tuple[str, dict] | None:
        """The model last seen behind ``model`` at ``base_url``: (its identity hash, its identity)."""
        rows = self._run("read", "SELECT served, identity FROM servers WHERE base_url = ? AND model = ? "
                                 "ORDER BY seen DESC LIMIT 1", (base_url, model))
        if not rows:
            return None
        try:
            identity = json.loads(rows[0][1])
        except ValueError:
            identity = {}
        return rows[0][0], identity if isinstance(identity, dict) else {}

    def response_format(self, base_url: str, model: str, served: str) -> str | None:
        rows = self._run("read", "SELECT response_format FROM servers WHERE base_url = ? AND model = ? AND served = ?",
                         (base_url, model, served))
        return rows[0][0] if rows else None

    def saw(self, base_url: str, model: str, served: str, identity: Mapping,
            response_format: str | None = None) -> None:
        """Record that ``model`` at ``base_url`` is ``served`` now (and the response format it takes, once known)."""
        self._run("write", "INSERT INTO servers VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (base_url, model, served) "
                           "DO UPDATE SET seen = excluded.seen, identity = excluded.identity, "
                           "response_format = COALESCE(excluded.response_format, servers.response_format)",
                  (base_url, model, served, canonical(dict(identity)), response_format, time.time()))

    def add_from(self, source: Path) -> int:
        """Every answer and server record of the cache ``source`` copied in, in one transaction; an answer
        already here is kept (the same key is the same request). Returns how many answers were added."""
        import sqlite3

        try:
            db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            try:
                completions = db.execute("SELECT * FROM completions").fetchall()
                servers = db.execute("SELECT * FROM servers").fetchall()
            finally:
                db.close()
            with self._lock:
                before = self._db.execute("SELECT COUNT(*) FROM completions").fetchone()[0]
                self._db.execute("BEGIN")
                try:
                    self._db.executemany("INSERT OR IGNORE INTO completions VALUES (?, ?, ?, ?, ?, ?, ?)",
                                         completions)
                    self._db.executemany(
                        "INSERT INTO servers VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (base_url, model, served) DO "
                        "UPDATE SET identity = CASE WHEN excluded.seen > servers.seen THEN excluded.identity ELSE "
                        "servers.identity END, response_format = COALESCE(servers.response_format, "
                        "excluded.response_format), seen = MAX(servers.seen, excluded.seen)", servers)
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
                return self._db.execute("SELECT COUNT(*) FROM completions").fetchone()[0] - before
        except (sqlite3.Error, ValueError) as exc:
            raise InputError(f"{source}: not a cache of the openai model ({exc})") from None

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._db.close()


def merge_caches(into: Path | str, sources: list[Path | str]) -> int:
    """The caches of a run's shards copied into one (``bench merge-cache``); how many answers were added."""
    into = Path(into)
    for source in map(Path, sources):
        if not source.is_file():
            raise InputError(f"{source}: no such cache file")
        if source.resolve() == into.resolve():
            raise InputError(f"{source}: is the cache merged into (--into)")
    target = ResponseCache(into)  # creates the file and its tables when new
    try:
        return sum(target.add_from(Path(source)) for source in sources)
    finally:
        target.close()
