#!/usr/bin/env bash
# Install and start (or stop) the real servers the tests use, on loopback: Kafka, and FerretDB
# on PostgreSQL (FERRETDB_HANDLER=sqlite: on SQLite files, no PostgreSQL).
#
#   eval "$(deploy/local/servers.sh up)"   # progress on stderr, `export ...` lines on stdout
#   deploy/local/servers.sh env            # print the export lines only
#   deploy/local/servers.sh status
#   deploy/local/servers.sh down
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=servers

KAFKA_SH="$WARMFLOW_LOCAL_DIR/kafka.sh"
FERRETDB_SH="$WARMFLOW_LOCAL_DIR/ferretdb.sh"
POSTGRES_SH="$WARMFLOW_LOCAL_DIR/postgres.sh"

print_env() {
  printf 'export KAFKA_BOOTSTRAP_SERVERS=%q\n' "127.0.0.1:${KAFKA_PORT:-19092}"
  printf 'export MONGODB_URL=%q\n' "mongodb://127.0.0.1:${FERRETDB_PORT:-27018}/"
  printf 'export WARMFLOW_KAFKA_CONTROL=%q\n' "$KAFKA_SH"
  printf 'export WARMFLOW_FERRETDB_CONTROL=%q\n' "$FERRETDB_SH"
  # the control scripts read these: a test that restarts a server brings it back on its port
  printf 'export KAFKA_PORT=%q\n' "${KAFKA_PORT:-19092}"
  printf 'export KAFKA_CONTROLLER_PORT=%q\n' "${KAFKA_CONTROLLER_PORT:-19093}"
  printf 'export FERRETDB_PORT=%q\n' "${FERRETDB_PORT:-27018}"
  printf 'export POSTGRES_PORT=%q\n' "${POSTGRES_PORT:-55432}"
}

up() {
  local t0 kafka_pid rc=0
  t0="$(now_s)"
  # The two installs (Maven, Go) are independent: run them side by side on a cold cache.
  "$KAFKA_SH" install >&2 &
  kafka_pid=$!
  "$FERRETDB_SH" install >&2 || rc=$?
  [[ "${FERRETDB_HANDLER:-postgresql}" == sqlite ]] || "$POSTGRES_SH" install >&2 || rc=$?
  wait "$kafka_pid" || rc=$?
  ((rc == 0)) || die "install failed (exit $rc)"
  "$KAFKA_SH" start >&2
  "$FERRETDB_SH" start >&2
  log "servers up in $(($(now_s) - t0))s"
  print_env
}

down() {
  local rc=0
  "$FERRETDB_SH" stop >&2 || rc=$?
  "$POSTGRES_SH" stop >&2 || rc=$?
  "$KAFKA_SH" stop >&2 || rc=$?
  return "$rc"
}

status() {
  local rc=0
  "$KAFKA_SH" status || rc=$?
  "$FERRETDB_SH" status || rc=$?
  [[ "${FERRETDB_HANDLER:-postgresql}" == sqlite ]] || "$POSTGRES_SH" status || rc=$?
  return "$rc"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  env) print_env ;;
  status) status ;;
  *)
    echo "usage: $0 up|down|env|status" >&2
    exit 2
    ;;
esac
