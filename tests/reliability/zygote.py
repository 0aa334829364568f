"""A pre-imported ``coldcheck`` that forks: real servers and CLI runs in ~0.3 s, not ~5 s.

Importing coldcheck, FastAPI, SQLAlchemy and Alembic costs seconds on a
busy 2-core machine; the crash suite restarts the server dozens of times.
This process imports everything once and then, per request, ``fork()``s a
child that runs the real command line (``coldcheck serve`` / ``coldcheck
verify`` — the same ``cli`` object the console script calls) in a fresh
process with its own database connections. The test SIGKILLs that child,
exactly as it would a server started from the shell.

Protocol: one JSON object per line on stdin, one JSON reply per line on stdout.
``{"op": "serve", "args": [...], "env": {...}, "log": path}`` → ``{"pid": n}``
``{"op": "run", "args": [...], "env": {...}}`` → ``{"rc": n, "stdout": s, "stderr": s}``
``{"op": "reap", "pid": n}`` → ``{"status": n}`` (waits for a child that was killed)
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Sequence
from typing import Any

import typer
import uvicorn  # noqa: F401  (imported before fork on purpose)

from coldcheck.entrypoints import api, http, pages
from coldcheck.entrypoints.cli import cli

#: Imported before any fork on purpose: a child would import them anew (seconds on a busy
#: machine) and miss the readiness deadline.
PRELOADED = (api, http, pages)

COMMAND = typer.main.get_command(cli)


def _child(args: Sequence[str], env: dict[str, str], out_fd: int, err_fd: int) -> None:
    """In the forked child: become ``coldcheck <args>`` and never return."""
    code = 1
    try:
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.environ.update(env)
        sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
        sys.stderr = os.fdopen(2, "w", buffering=1, closefd=False)
        try:
            COMMAND.main(args=list(args), prog_name="coldcheck", standalone_mode=True)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # pragma: no cover - reported through the exit code
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _serve(req: dict[str, Any]) -> dict[str, Any]:
    log = os.open(req["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    pid = os.fork()
    if pid == 0:
        _child(req["args"], req.get("env", {}), log, log)
    os.close(log)
    return {"pid": pid}


def _run(req: dict[str, Any]) -> dict[str, Any]:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        pid = os.fork()
        if pid == 0:
            _child(req["args"], req.get("env", {}), out.fileno(), err.fileno())
        _, status = os.waitpid(pid, 0)
        out.seek(0)
        err.seek(0)
        return {
            "rc": os.waitstatus_to_exitcode(status),
            "stdout": out.read().decode(errors="replace"),
            "stderr": err.read().decode(errors="replace"),
        }


def main() -> None:
    """Serve requests until stdin closes."""
    reply = sys.stdout
    print(json.dumps({"ready": True}), file=reply, flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        try:
            if req["op"] == "serve":
                answer = _serve(req)
            elif req["op"] == "run":
                answer = _run(req)
            elif req["op"] == "reap":
                _, status = os.waitpid(int(req["pid"]), 0)
                answer = {"status": os.waitstatus_to_exitcode(status)}
            else:
                answer = {"error": f"unknown op {req['op']}"}
        except Exception as exc:  # reported to the test, which fails with it
            answer = {"error": repr(exc)}
        print(json.dumps(answer), file=reply, flush=True)


if __name__ == "__main__":
    main()
