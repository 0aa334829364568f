"""The floor: what FastAPI, uvicorn and one durable SQLite commit cost per request.

Any POST with a JSON object body inserts it as one row and commits (WAL,
synchronous=FULL, one writer at a time, as coldcheck opens SQLite); GET
/healthz answers. ``python -m bench.floor DB --port N`` serves it with the
call ``coldcheck serve`` makes, ``uvicorn.run(app, host, port, log_level="warning")``.
The HTTP figures are ratios to it, loaded by the same client loop in the same run.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import threading
from typing import Any

import uvicorn
from fastapi import Body, FastAPI


def create_app(path: str) -> FastAPI:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    lock = threading.Lock()
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/{path:path}")
    def write(path: str, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        with lock:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("INSERT INTO t(body) VALUES (?)", (json.dumps(body),)).lastrowid
            db.execute("COMMIT")
        return {"id": row, "path": path}

    return app


if __name__ == "__main__":
    db_path, port = sys.argv[1], int(sys.argv[sys.argv.index("--port") + 1])
    uvicorn.run(create_app(db_path), host="127.0.0.1", port=port, log_level="warning")
