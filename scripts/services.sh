#!/usr/bin/env bash
# Starts (or stops) a private PostgreSQL cluster and Redis server for the test suite.
# Usage: scripts/services.sh start|stop|env. Ports come from MOODIFY_PG_PORT / MOODIFY_REDIS_PORT
# so several checkouts can run their suites side by side.
set -euo pipefail
PG_PORT=${MOODIFY_PG_PORT:-55432}
REDIS_PORT=${MOODIFY_REDIS_PORT:-56379}
ROOT=${MOODIFY_SERVICES_DIR:-/tmp/moodify-services}
PG_DIR="$ROOT/pg-$PG_PORT"
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  mkdir -p "$ROOT"
  chmod 777 "$ROOT"
  if [[ ! -f "$PG_DIR/PG_VERSION" ]]; then
    mkdir -p "$PG_DIR"
    [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$PG_DIR"
    as_postgres "$PG_BIN/initdb" -D "$PG_DIR" -U postgres -A trust -E UTF8 >/dev/null
  fi
  if ! as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR" status >/dev/null 2>&1; then
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR" -l "$PG_DIR/server.log" -w \
      -o "-p $PG_PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200" start >/dev/null
  fi
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname='moodify'" | grep -q 1 ||
    psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE ROLE moodify LOGIN SUPERUSER PASSWORD 'moodify'"
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='moodify'" | grep -q 1 ||
    psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE moodify OWNER moodify"
  if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    # appendonly, as in production (docker/compose.yaml): queued tasks survive a Redis restart.
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly yes \
      --appendfilename "appendonly-$REDIS_PORT.aof" --appenddirname "appendonly-$REDIS_PORT" --daemonize yes \
      --dir "$ROOT" --logfile "$ROOT/redis-$REDIS_PORT.log" --databases 64
    for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
}

stop() {
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  [[ -d "$PG_DIR" ]] && as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR" -m fast stop >/dev/null 2>&1 || true
}

env_lines() {
  echo "DATABASE_URL=postgres://moodify:moodify@127.0.0.1:$PG_PORT/moodify"
  echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
}

case "${1:-}" in
  start) start; env_lines ;;
  stop) stop ;;
  env) env_lines ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
