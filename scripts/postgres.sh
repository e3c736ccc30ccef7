#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, from Debian's `postgresql` package, that leaves
# the system cluster alone: its own data directory, socket directory and free port, trust auth
# on 127.0.0.1 only, durability switched off (nothing in it is worth an fsync).
#   bash scripts/postgres.sh start   # prints postgresql+asyncpg://postgres@127.0.0.1:PORT/nurture
#   bash scripts/postgres.sh url     # the same URL again, for a running cluster
#   bash scripts/postgres.sh stop    # stops it and deletes its files
#   bash scripts/postgres.sh pause   # stops the server, keeping its files (a fault test's outage)
#   bash scripts/postgres.sh resume  # starts it again on the same port
# NURTURE_POSTGRES_DIR chooses where it lives (default: /tmp/nurture-postgres; as root it must be
# a directory the `postgres` user can reach).
set -euo pipefail

state_dir=${NURTURE_POSTGRES_DIR:-/tmp/nurture-postgres}
data_dir=$state_dir/data
port_file=$state_dir/port

pg_bin() {
  # The newest server installed by Debian's postgresql package.
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
    echo "PostgreSQL is not installed: run scripts/system-packages.sh (apt-get install postgresql)" >&2
    exit 1
  fi
  echo "$dir"
}

as_owner() {
  # PostgreSQL refuses to run as root: CI (root) runs it as the package's `postgres` user.
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

url() {
  echo "postgresql+asyncpg://postgres@127.0.0.1:$(cat "$port_file")/nurture"
}

running() {
  [ -f "$port_file" ] && as_owner "$(pg_bin)/pg_ctl" status -D "$data_dir" >/dev/null 2>&1
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  if running; then
    url
    return
  fi
  local bin port
  bin=$(pg_bin)
  rm -rf "$state_dir"
  mkdir -p "$state_dir"
  chmod 700 "$state_dir"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$state_dir"
  fi
  as_owner "$bin/initdb" -D "$data_dir" -U postgres --auth=trust --encoding=UTF8 --no-locale \
    >"$state_dir/initdb.log"
  port=$(free_port)
  launch "$port"
  echo "$port" >"$port_file"
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres nurture
  url
}

launch() {
  # Each test creates and drops its own database; without fsync that costs milliseconds.
  as_owner "$(pg_bin)/pg_ctl" start -D "$data_dir" -w -t 60 -l "$state_dir/server.log" -o \
    "-c listen_addresses=127.0.0.1 -p $1 -k $state_dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    >/dev/null
}

pause() {
  # The server stops (open connections are cut) and its files stay, for `resume`.
  as_owner "$(pg_bin)/pg_ctl" stop -D "$data_dir" -m fast -w >/dev/null
}

resume() {
  launch "$(cat "$port_file")"
}

stop() {
  if [ -d "$data_dir" ]; then
    as_owner "$(pg_bin)/pg_ctl" stop -D "$data_dir" -m fast -w >/dev/null 2>&1 || true
  fi
  rm -rf "$state_dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  pause) pause ;;
  resume) resume ;;
  url)
    if ! running; then
      echo "no cluster is running in $state_dir: run '$0 start'" >&2
      exit 1
    fi
    url
    ;;
  *)
    echo "usage: $0 start|stop|url|pause|resume" >&2
    exit 2
    ;;
esac
