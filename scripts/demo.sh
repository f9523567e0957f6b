#!/usr/bin/env bash
# Set up (virtual environment + install) and run the console on the embedded SQLite
# database with today's demo day.  Usage: bash scripts/demo.sh [--port 8000]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
export MOVEMENTS_SECURE_COOKIES=${MOVEMENTS_SECURE_COOKIES:-false}  # plain http on a laptop
exec .venv/bin/movements --data-dir "${MOVEMENTS_DATA_DIR:-data}" serve --demo "$@"
