"""A loopback stand-in for the credit platforms (R-R2): it stores what it receives, once per
idempotency key, and refuses a share of requests at random.

Standard library only (an import-linter contract keeps it so). Run:

    python -m receiver.credit_receiver --port 8011 --db var/receiver.sqlite3 --refuse 0.2

- ``POST /<any path>`` with an ``Idempotency-Key`` header and a JSON body: 200 and
  ``{"stored": true}`` the first time, ``{"stored": false}`` for a key already stored; 503 for
  the refused share (nothing stored); 400 without a key or with a body that is not JSON;
  401 when ``--token`` is set and the ``Authorization: Bearer`` header does not match.
- ``GET /stats``: ``{"records": n, "duplicates": n, "refused": n}``.
- ``GET /records``: every stored key with its path, in arrival order.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS record (key TEXT PRIMARY KEY, path TEXT NOT NULL, body TEXT NOT NULL,
                                   received_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counter (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class Store:
    def __init__(self, path: str) -> None:
        self.lock = threading.Lock()
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.executescript(SCHEMA)

    def bump(self, name: str) -> None:
        self.db.execute("INSERT INTO counter(name, value) VALUES (?, 1) "
                        "ON CONFLICT(name) DO UPDATE SET value = value + 1", (name,))

    def put(self, key: str, path: str, body: str) -> bool:
        with self.lock:
            cursor = self.db.execute("INSERT OR IGNORE INTO record(key, path, body, received_at) "
                                     "VALUES (?, ?, ?, ?)",
                                     (key, path, body, datetime.now(UTC).isoformat()))
            stored = cursor.rowcount == 1
            if not stored:
                self.bump("duplicates")
            return stored

    def refused(self) -> None:
        with self.lock:
            self.bump("refused")

    def stats(self) -> dict[str, int]:
        with self.lock:
            counters = dict(self.db.execute("SELECT name, value FROM counter").fetchall())
            records = self.db.execute("SELECT COUNT(*) FROM record").fetchone()[0]
        return {"records": records, "duplicates": counters.get("duplicates", 0),
                "refused": counters.get("refused", 0)}

    def records(self) -> list[dict[str, str]]:
        with self.lock:
            rows = self.db.execute("SELECT key, path, body FROM record ORDER BY rowid").fetchall()
        return [{"key": k, "path": p, "body": b} for k, p, b in rows]


def make_handler(store: Store, refuse: float, token: str, rng: random.Random,
                 delay: float = 0.0) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "credit-receiver/1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _reply(self, status: int, body: Any) -> None:
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/stats":
                self._reply(200, store.stats())
            elif self.path == "/records":
                self._reply(200, store.records())
            else:
                self._reply(404, {"error": "not found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if token and self.headers.get("Authorization") != f"Bearer {token}":
                self._reply(401, {"error": "unauthorized"})
                return
            key = self.headers.get("Idempotency-Key", "")
            if not key:
                self._reply(400, {"error": "Idempotency-Key required"})
                return
            try:
                json.loads(raw or b"null")
            except ValueError:
                self._reply(400, {"error": "body is not JSON"})
                return
            if delay:
                time.sleep(delay)  # a slow platform: senders can be caught mid-request
            with store.lock:
                refused = rng.random() < refuse
            if refused:
                store.refused()
                self._reply(503, {"error": "refused (simulated)"})
                return
            self._reply(200, {"stored": store.put(key, self.path, raw.decode("utf-8", "replace"))})

    return Handler


def serve(port: int, db: str, refuse: float = 0.0, token: str = "", seed: int | None = None,
          host: str = "127.0.0.1", delay: float = 0.0) -> ThreadingHTTPServer:
    """A bound server, not yet serving (call ``serve_forever``); port 0 takes a free one."""
    server = ThreadingHTTPServer((host, port), make_handler(Store(db), refuse, token, random.Random(seed),
                                                            delay))
    server.daemon_threads = True
    return server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Loopback receiver of deliveries to the credit platforms.")
    parser.add_argument("--port", type=int, default=8011)
    parser.add_argument("--db", default="var/receiver.sqlite3")
    parser.add_argument("--refuse", type=float, default=0.0, help="share of requests refused with 503 (0–1)")
    parser.add_argument("--token", default="", help="bearer token required, if any")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds each POST takes")
    args = parser.parse_args(argv)
    server = serve(args.port, args.db, args.refuse, args.token, args.seed, delay=args.delay)
    print(f"credit receiver: http://127.0.0.1:{args.port} (store {args.db}, refusing {args.refuse:.0%})",
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
