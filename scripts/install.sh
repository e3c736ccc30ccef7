#!/usr/bin/env bash
# Creates .venv (if needed) and installs Nurture into it; pass "dev" to add the test tools (and
# asyncpg, for the tests on PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "${1:-}" = "dev" ]; then
  .venv/bin/python -m pip install --quiet -e ".[dev,postgres]"
else
  .venv/bin/python -m pip install --quiet -e .
fi
