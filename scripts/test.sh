#!/usr/bin/env bash
# Set up everything the tests need and run the whole suite:
#   system packages (Chromium, Redis, PostgreSQL 15 binaries, poppler) when missing,
#   a virtual environment with the project and its test extras,
#   then pytest: unit, integration on SQLite and PostgreSQL, realtime, scale-out and
#   the browser tests (Playwright + Debian's Chromium), in one run.
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

# Compiled modules are cached: a run starts dozens of Python processes (xdist workers,
# servers, CLI commands, PDF workers) and each would otherwise compile every module it
# imports, and pytest would rewrite every test module in every worker (17.6 s of CPU per
# collection without a cache, 5.7 s with one).  Where the environment asks for no
# bytecode beside the sources (PYTHONDONTWRITEBYTECODE), the cache goes under .venv.
if [ -n "${PYTHONDONTWRITEBYTECODE:-}" ]; then
  unset PYTHONDONTWRITEBYTECODE
  export PYTHONPYCACHEPREFIX="${PYTHONPYCACHEPREFIX:-$PWD/.venv/pycache}"
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

# The run is parallel (pytest-xdist): one worker per CPU and one more by default
# (MOVEMENTS_TEST_WORKERS=N to choose, 0 for one process): a third of the suite's time is
# spent waiting on servers, sockets, browsers and PostgreSQL, so a third worker on two
# cores keeps them busy (2026-12-01, idle, fresh clone: 17 min 55 s with 3 workers
# against 20 min 11 s with 2, the same tests green).  Each worker has its own
# PostgreSQL cluster, temporary directory and free ports.  Whole files go to one worker
# (--dist loadfile): a module-scoped fixture (a demo year, a live server) is set up once,
# and tests/test_architecture.py's probe files are never scanned by a neighbour.  Files
# are handed out costliest first, in the order tests/conftest.py sorts them
# (--no-loadscope-reorder keeps that order), so no worker ends idle beside a long file.
workers=${MOVEMENTS_TEST_WORKERS:-$(( $(nproc) + 1 ))}
parallel=(-n "$workers" --dist loadfile --no-loadscope-reorder)


if [ "${1:-}" = "--fast" ]; then
  shift
  exec .venv/bin/python -m pytest "${parallel[@]}" --fast -m "not browser and not slow" "$@"
fi

# The browser tests share the run (one start-up, one pool of workers to balance):
# Playwright takes turns with the asyncio tests in a worker (tests/browser_session.py).
exec .venv/bin/python -m pytest "${parallel[@]}" "$@"
