#!/usr/bin/env bash
# Install with the test tools, then lint, type-check and run the whole test suite against a
# real Temporal dev server, SQLite, an SMTP sink and Debian's Chromium (all local, nothing
# downloaded at run time).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-packages.sh
bash scripts/install.sh dev
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy .
.venv/bin/pytest "$@"
