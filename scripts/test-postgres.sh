#!/usr/bin/env bash
# The tests that touch the database, again on PostgreSQL: a throwaway cluster from Debian's
# package (scripts/postgres.sh), each test in a database of its own. Arguments go to pytest
# (default: the integration and browser tests). A cluster already started with
# `bash scripts/postgres.sh start` is used and left running; otherwise one is started and stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-packages.sh
bash scripts/install.sh dev

if url=$(bash scripts/postgres.sh url 2>/dev/null); then
  echo "Using the running PostgreSQL cluster: $url"
else
  trap 'bash scripts/postgres.sh stop' EXIT
  url=$(bash scripts/postgres.sh start)
  echo "Started PostgreSQL: $url"
fi
if [ $# -eq 0 ]; then
  set -- -q tests/integration tests/e2e
fi
NURTURE_TEST_DATABASE_URL=$url .venv/bin/pytest "$@"
