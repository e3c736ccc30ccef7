#!/usr/bin/env bash
# Quick start: install, then run everything locally (Temporal dev server, worker, API, SMTP
# sink, SQLite) with the demo journeys published. Extra arguments go to `nurture dev`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/nurture dev "$@"
