#!/usr/bin/env bash
# Throwaway PostgreSQL for the persistence tests.
#
#   deploy/pg-test.sh start    start (or reuse) the server; prints the Npgsql connection string
#                              on stdout and writes it to $CODISTILL_PG_DIR/conn
#   deploy/pg-test.sh stop     stop the server and delete its directory
#   deploy/pg-test.sh status   exit 0 when running (prints the connection string)
#
# Typical use:  export CODISTILL_PG="$(deploy/pg-test.sh start)"
#
# The server listens on a unix socket inside its own directory only (listen_addresses=''), so it
# never touches the network and never clashes with a system PostgreSQL on 5432. Authentication is
# `trust` and fsync is off: it holds test data only and is deleted by `stop`.
# Both commands are idempotent. Diagnostics go to stderr so stdout stays a single line.
set -euo pipefail

BASE="${CODISTILL_PG_DIR:-/tmp/codistill-pg}"
DATA="$BASE/data"
SOCK="$BASE/sock"
LOG="$BASE/server.log"
CONN_FILE="$BASE/conn"
PORT="${CODISTILL_PG_PORT:-5432}"
DB="codistill_test"
PG_USER=postgres

log() { echo "pg-test: $*" >&2; }

find_bindir() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [[ -n "$d" && -x "$d/initdb" ]]; then echo "$d"; fi
}

ensure_installed() {
  if [[ -z "$(find_bindir)" ]]; then
    log "postgresql not found under /usr/lib/postgresql; installing with apt"
    if [[ "$(id -u)" -ne 0 ]]; then
      log "need root to apt-get install postgresql"; exit 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >&2
  fi
  if [[ -z "$(find_bindir)" ]]; then log "postgresql install failed: no initdb under /usr/lib/postgresql/*/bin"; exit 1; fi
}

# initdb refuses to run as root, so as root everything runs as the postgres OS user; as any other
# user the server simply belongs to that user.
as_owner() {
  if [[ "$(id -u)" -eq 0 ]]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}

db_user() {
  if [[ "$(id -u)" -eq 0 ]]; then echo "$PG_USER"; else id -un; fi
}

conn_string() {
  echo "Host=$SOCK;Port=$PORT;Username=$(db_user);Database=$DB;Pooling=true;Timeout=15"
}

is_running() {
  local bin="$1"
  [[ -f "$DATA/PG_VERSION" ]] && as_owner "$bin/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

cmd_start() {
  ensure_installed
  local bin; bin="$(find_bindir)"
  if is_running "$bin"; then
    conn_string > "$CONN_FILE"
    cat "$CONN_FILE"
    return 0
  fi
  mkdir -p "$BASE" "$SOCK"
  if [[ "$(id -u)" -eq 0 ]]; then chown "$PG_USER": "$BASE" "$SOCK"; fi
  chmod 755 "$BASE" "$SOCK"
  if [[ ! -f "$DATA/PG_VERSION" ]]; then
    rm -rf "$DATA"
    log "initdb in $DATA"
    as_owner "$bin/initdb" -D "$DATA" -U "$(db_user)" --auth=trust --encoding=UTF8 --no-locale >"$BASE/initdb.log" 2>&1 \
      || { log "initdb failed:"; cat "$BASE/initdb.log" >&2; exit 1; }
  fi
  log "starting postgres ($bin) on unix socket $SOCK port $PORT"
  as_owner "$bin/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
    -o "-c listen_addresses='' -c unix_socket_directories='$SOCK' -p $PORT -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
    start >&2 || { log "pg_ctl start failed; server log:"; tail -n 30 "$LOG" >&2 || true; exit 1; }
  if ! as_owner "$bin/psql" -h "$SOCK" -p "$PORT" -U "$(db_user)" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1; then
    as_owner "$bin/createdb" -h "$SOCK" -p "$PORT" -U "$(db_user)" "$DB"
  fi
  conn_string > "$CONN_FILE"
  chmod 644 "$CONN_FILE"
  cat "$CONN_FILE"
}

cmd_stop() {
  local bin; bin="$(find_bindir)"
  if [[ -n "$bin" && -f "$DATA/PG_VERSION" ]]; then
    if is_running "$bin"; then
      log "stopping postgres in $DATA"
      as_owner "$bin/pg_ctl" -D "$DATA" -m fast -w stop >&2 || true
    fi
  fi
  rm -rf "$BASE"
}

cmd_status() {
  local bin; bin="$(find_bindir)"
  if [[ -n "$bin" ]] && is_running "$bin"; then conn_string; return 0; fi
  log "not running"; return 1
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
