#!/usr/bin/env bash
# Run the whole suite; PostgreSQL tests inside a throwaway cluster when
# Debian's pg_virtualenv is available (COLDCHECK_TEST_PG_URL wins if set).
set -euo pipefail
cd "$(dirname "$0")/.."
pytest=(.venv/bin/python -m pytest "$@")
if [ -z "${COLDCHECK_TEST_PG_URL:-}" ] && command -v pg_virtualenv >/dev/null 2>&1; then
    exec pg_virtualenv -t -v 15 "${pytest[@]}"
fi
exec "${pytest[@]}"
