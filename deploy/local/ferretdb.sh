#!/usr/bin/env bash
# A real MongoDB-wire server for tests: FerretDB v1.24.2 on loopback, on PostgreSQL (default:
# deploy/local/postgres.sh, started with it) or on SQLite files (FERRETDB_HANDLER=sqlite).
#
#   deploy/local/ferretdb.sh install|start|stop|restart|status|clean
#
# install  build the binary from the Go module proxy inside a throwaway Go module in the cache
#          (once); `go install ...@v1.24.2` is not used: such a binary panics at start-up on
#          its empty build/version/version.txt (see do_install for the fix)
# start    start the server (and PostgreSQL first); wait until a TCP connect and a `ping` succeed
# stop     SIGTERM, wait, then SIGKILL
# status   exit 0 when running, 3 when not
# clean    stop and delete the data/run dir (the PostgreSQL cluster: postgres.sh clean)
#
# Environment: FERRETDB_PORT (27018), FERRETDB_HANDLER (postgresql|sqlite), FERRETDB_START_TIMEOUT
# (60), WARMFLOW_CACHE, WARMFLOW_RUN_DIR; postgres.sh's POSTGRES_PORT, FERRETDB_POOL_MAX_CONNS.
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=ferretdb

FERRETDB_MODULE=github.com/FerretDB/FerretDB
FERRETDB_VERSION="${FERRETDB_VERSION:-v1.24.2}"
FERRETDB_PORT="${FERRETDB_PORT:-27018}"
FERRETDB_HOST=127.0.0.1
FERRETDB_START_TIMEOUT="${FERRETDB_START_TIMEOUT:-60}"
FERRETDB_HANDLER="${FERRETDB_HANDLER:-postgresql}"
POSTGRES_SH="$WARMFLOW_LOCAL_DIR/postgres.sh"

FERRETDB_HOME="$WARMFLOW_CACHE/ferretdb-$FERRETDB_VERSION"
FERRETDB_BIN="$FERRETDB_HOME/ferretdb"

RUN="$WARMFLOW_RUN_DIR/ferretdb"
DATA="$RUN/data"
STATE="$RUN/state"
PIDFILE="$RUN/ferretdb.pid"
LOGFILE="$RUN/ferretdb.log"

do_install() {
  if [[ -x "$FERRETDB_BIN" ]]; then
    log "cached: $FERRETDB_BIN"
    return 0
  fi
  go_env_defaults
  local build_dir="$FERRETDB_HOME/build" t0
  t0="$(now_s)"
  log "building FerretDB $FERRETDB_VERSION from the Go module proxy into $FERRETDB_HOME"
  mkdir -p "$build_dir"
  (
    cd "$build_dir"
    [[ -f go.mod ]] || go mod init warmflow.local/ferretdb-build >/dev/null 2>&1
    go mod edit -dropreplace "$FERRETDB_MODULE"
    go get -tool "$FERRETDB_MODULE/cmd/ferretdb@$FERRETDB_VERSION" >&2
    # With Go >= 1.26 the build info names the module holding package main (FerretDB itself) as
    # the main module, so FerretDB's init reads its embedded build/version/version.txt, which the
    # published module leaves empty, and panics. Build from a writable copy of the same module
    # (from the module cache) with that file filled in, through a replace directive.
    local src
    src="$(go list -m -f '{{.Dir}}' "$FERRETDB_MODULE")"
    [[ -d "$src/build/version" ]] || die "module source not found: $src"
    rm -rf ferretdb-src
    cp -r "$src" ferretdb-src
    chmod -R u+w ferretdb-src
    printf '%s\n' "$FERRETDB_VERSION" >ferretdb-src/build/version/version.txt
    go mod edit -replace "$FERRETDB_MODULE=./ferretdb-src"
    CGO_ENABLED=0 go build -trimpath -o "$FERRETDB_BIN.tmp" "$FERRETDB_MODULE/cmd/ferretdb" >&2
  )
  "$FERRETDB_BIN.tmp" --version >/dev/null 2>&1 || die "the built binary does not run: $FERRETDB_BIN.tmp"
  mv -f "$FERRETDB_BIN.tmp" "$FERRETDB_BIN"
  log "built $FERRETDB_BIN in $(($(now_s) - t0))s"
}

# A MongoDB OP_MSG {ping: 1, $db: "admin"} over bash /dev/tcp; 0 when the reply says ok: 1.0.
# (No driver needed: pymongo may not be installed system-wide.)
mongo_ping() {
  local reply
  reply="$(
    exec 2>/dev/null
    exec 3<>"/dev/tcp/$FERRETDB_HOST/$FERRETDB_PORT" || exit 1
    # Header: messageLength 51, requestID 1, responseTo 0, opCode 2013 (OP_MSG); flagBits 0;
    # section kind 0 with the BSON document {ping: int32 1, "$db": "admin"} (30 bytes).
    printf '\x33\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\xdd\x07\x00\x00'"\x00\x00\x00\x00\x00"'\x1e\x00\x00\x00\x10ping\x00\x01\x00\x00\x00\x02\x24db\x00\x06\x00\x00\x00admin\x00\x00' >&3
    len="$(timeout 5 head -c 4 <&3 | od -An -tu4 --endian=little | tr -d ' \n')"
    [[ "$len" =~ ^[0-9]+$ ]] && ((len > 4 && len < 65536)) || exit 1
    timeout 5 head -c "$((len - 4))" <&3 | od -An -v -tx1 | tr -d ' \n'
  )" || return 1
  # The reply holds "ok" as the double 1.0: 01 'o' 'k' 00 then 00 00 00 00 00 00 f0 3f.
  [[ "$reply" == *016f6b00000000000000f03f* ]]
}

# The backend's flags: PostgreSQL (deploy/local/postgres.sh, started first) or SQLite files.
handler_args() {
  case "$FERRETDB_HANDLER" in
    postgresql) HANDLER_ARGS=(--handler=postgresql --postgresql-url="$("$POSTGRES_SH" url)") ;;
    sqlite) mkdir -p "$DATA"; HANDLER_ARGS=(--handler=sqlite --sqlite-url="file:$DATA/") ;;
    *) die "FERRETDB_HANDLER must be postgresql or sqlite, not $FERRETDB_HANDLER" ;;
  esac
}

serving() { port_open "$FERRETDB_HOST" "$FERRETDB_PORT" && mongo_ping; }

do_start() {
  if pid_alive "$PIDFILE"; then
    log "already running (pid $(<"$PIDFILE")) on $FERRETDB_HOST:$FERRETDB_PORT"
    return 0
  fi
  rm -f "$PIDFILE"
  refuse_taken_ports "$FERRETDB_HOST" "$FERRETDB_PORT"
  do_install
  [[ "$FERRETDB_HANDLER" == postgresql ]] && "$POSTGRES_SH" start
  handler_args
  mkdir -p "$STATE"
  log "starting on $FERRETDB_HOST:$FERRETDB_PORT ($FERRETDB_HANDLER), log: $LOGFILE"
  spawn_server "$PIDFILE" "$LOGFILE" "$FERRETDB_BIN" "${HANDLER_ARGS[@]}" \
    --listen-addr="$FERRETDB_HOST:$FERRETDB_PORT" \
    --state-dir="$STATE" --telemetry=disable --debug-addr=- --log-level=warn
  wait_ready ferretdb "$PIDFILE" "$LOGFILE" "$FERRETDB_START_TIMEOUT" serving
}

# Stops FerretDB only: PostgreSQL keeps its data and is stopped by servers.sh down (a FerretDB
# restart in a test must not restart its database).
do_stop() { stop_pidfile "$PIDFILE" ferretdb 30; }

do_status() { status_line ferretdb "$PIDFILE" serving "$FERRETDB_HOST:$FERRETDB_PORT ($FERRETDB_HANDLER)"; }

server_main -- "$@"
