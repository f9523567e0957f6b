#!/usr/bin/env bash
# Set up everything the tests need and run the whole suite:
#   system packages (Chromium, Redis, PostgreSQL 15 binaries, poppler) when missing,
#   a virtual environment with the project and its test extras,
#   then pytest: unit, integration on SQLite and PostgreSQL, realtime, scale-out,
#   and, as a separate invocation, the browser tests (Playwright + Debian's Chromium).
# `bash scripts/test.sh --fast [pytest args]` runs only the fast tier (unit, domain and
# web tests on SQLite; see tests/conftest.py), for the inner loop.
# The tests start their own PostgreSQL cluster and Redis on free loopback ports and stop
# them by PID.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v redis-server >/dev/null || need+=(redis-server)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing system packages: ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "missing system packages: ${need[*]} (run as root, or: sudo apt-get install ${need[*]})" >&2
    exit 1
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

# Both invocations run in parallel (pytest-xdist): one worker per CPU by default
# (MOVEMENTS_TEST_WORKERS=N to choose, 0 for one process).  Each worker has its own
# PostgreSQL cluster, temporary directory and free ports; tests are handed out one by one
# to whichever worker is free, except a module whose tests share a module-scoped fixture
# (they stay together: see pytest_collection_modifyitems in tests/conftest.py).
parallel=(-n "${MOVEMENTS_TEST_WORKERS:-auto}" --dist loadgroup)

if [ "${1:-}" = "--fast" ]; then
  shift
  exec .venv/bin/python -m pytest "${parallel[@]}" --fast -m "not browser and not slow" "$@"
fi

status=0
.venv/bin/python -m pytest "${parallel[@]}" -m "not browser" "$@" || status=$?
.venv/bin/python -m pytest "${parallel[@]}" -m browser tests/browser tests/journeys "$@" \
  || status=$?
exit $status
