#!/usr/bin/env bash
# Run the whole suite; PostgreSQL tests inside a throwaway cluster when
# Debian's pg_virtualenv is available (COLDCHECK_TEST_PG_URL wins if set).
# Two pytest-xdist workers (COLDCHECK_TEST_WORKERS, 0 runs in one process), each
# taking whole test files (--dist loadfile) so module and session fixtures are
# built once per worker; the tests themselves share nothing (temp dirs, random
# ports, a schema of their own on PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."
workers="${COLDCHECK_TEST_WORKERS:-2}"
pytest=(.venv/bin/python -m pytest -n "$workers" --dist loadfile "$@")
if [ -z "${COLDCHECK_TEST_PG_URL:-}" ] && command -v pg_virtualenv >/dev/null 2>&1; then
    exec pg_virtualenv -t -v 15 "${pytest[@]}"
fi
exec "${pytest[@]}"
