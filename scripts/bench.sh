#!/usr/bin/env bash
# Install with the dev tools (psutil samples CPU and memory), then run the benchmark harness:
# Nurture against bare Temporal on this machine, one table, figures as JSON in bench/results/.
#   bash scripts/bench.sh                      # default sizes, under 10 minutes on two cores
#   bash scripts/bench.sh --scale 0.05         # a smoke run of every scenario (1-2 minutes)
#   bash scripts/bench.sh --only ingestion latency --json /tmp/run.json
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh dev
exec .venv/bin/python -m bench "$@"
