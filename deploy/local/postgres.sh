#!/usr/bin/env bash
# PostgreSQL for FerretDB's postgresql handler: Debian's server in a private cluster on loopback.
#
#   deploy/local/postgres.sh install|start|stop|restart|status|clean|url
#
# install  check that Debian's server binaries exist (.ci/run installs the `postgresql` package)
# start    initdb (once) and start the cluster; create the `ferretdb` database; wait until ready
# stop     pg_ctl stop -m fast (falls back to SIGKILL through the pid file)
# status   exit 0 when running, 3 when not
# clean    stop and delete the cluster
# url      print FerretDB's --postgresql-url
#
# PostgreSQL refuses to run as root: as root the cluster is made and run by the `postgres` user
# (`runuser -u postgres`) on a directory it owns. Trust auth, loopback only: a test server.
# Environment: POSTGRES_PORT (55432), POSTGRES_MAX_CONNECTIONS (300), FERRETDB_POOL_MAX_CONNS
# (250, must stay below max_connections), POSTGRES_START_TIMEOUT (60), WARMFLOW_RUN_DIR.
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=postgres

POSTGRES_PORT="${POSTGRES_PORT:-55432}"
POSTGRES_HOST=127.0.0.1
POSTGRES_MAX_CONNECTIONS="${POSTGRES_MAX_CONNECTIONS:-300}"
FERRETDB_POOL_MAX_CONNS="${FERRETDB_POOL_MAX_CONNS:-250}"
POSTGRES_START_TIMEOUT="${POSTGRES_START_TIMEOUT:-60}"
PG_DATABASE=ferretdb

RUN="$WARMFLOW_RUN_DIR/postgres"
DATA="$RUN/data"
LOGFILE="$RUN/postgres.log"

# The newest Debian server installed (/usr/lib/postgresql/<major>/bin).
pg_bin() {
  local dir
  dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin 2>/dev/null | sort -V | tail -n 1)"
  [[ -n "$dir" && -x "$dir/postgres" ]] || return 1
  printf '%s\n' "$dir"
}

# as_owner CMD...: run as the cluster's owner (`postgres` when we are root, else ourselves).
as_owner() {
  if ((EUID == 0)); then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_user() { if ((EUID == 0)); then echo postgres; else id -un; fi; }

do_install() {
  local bin
  bin="$(pg_bin)" || die "no PostgreSQL server in /usr/lib/postgresql/*/bin: apt-get install postgresql"
  log "found $("$bin/postgres" --version)"
  PG="$bin"
}

ready() { as_owner "$PG/pg_isready" -q -h "$POSTGRES_HOST" -p "$POSTGRES_PORT" -d postgres; }

do_init() {
  mkdir -p "$RUN"
  ((EUID == 0)) && chown postgres: "$RUN"
  [[ -f "$DATA/PG_VERSION" ]] && return 0
  log "initdb $DATA"
  as_owner "$PG/initdb" -D "$DATA" --auth=trust --username="$(pg_user)" --encoding=UTF8 \
    --locale=C.UTF-8 >"$RUN/initdb.log" 2>&1 || { tail -n 40 "$RUN/initdb.log" >&2; die "initdb failed"; }
}

do_start() {
  do_install
  if [[ -f "$DATA/postmaster.pid" ]] && ready; then
    log "already running on $POSTGRES_HOST:$POSTGRES_PORT"
    return 0
  fi
  refuse_taken_ports "$POSTGRES_HOST" "$POSTGRES_PORT"
  do_init
  local t0
  t0="$(now_s)"
  log "starting on $POSTGRES_HOST:$POSTGRES_PORT (data $DATA), log: $LOGFILE"
  # Sockets in the run dir: the system's /var/run/postgresql may not exist or be writable.
  as_owner "$PG/pg_ctl" -D "$DATA" -l "$LOGFILE" -w -t "$POSTGRES_START_TIMEOUT" start \
    -o "-h $POSTGRES_HOST -p $POSTGRES_PORT -k $RUN -c max_connections=$POSTGRES_MAX_CONNECTIONS -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    >&2 || { tail -n 40 "$LOGFILE" >&2; die "pg_ctl start failed"; }
  if ! as_owner "$PG/psql" -h "$POSTGRES_HOST" -p "$POSTGRES_PORT" -d postgres -tAq \
    -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'" | grep -q 1; then
    as_owner "$PG/createdb" -h "$POSTGRES_HOST" -p "$POSTGRES_PORT" "$PG_DATABASE"
    log "created database $PG_DATABASE"
  fi
  log "ready on $POSTGRES_HOST:$POSTGRES_PORT after $(($(now_s) - t0))s"
}

do_stop() {
  local bin
  if ! bin="$(pg_bin)" || [[ ! -f "$DATA/postmaster.pid" ]]; then
    log "postgres is not running"
    return 0
  fi
  as_owner "$bin/pg_ctl" -D "$DATA" -m fast -w -t 30 stop >&2 && return 0
  # A cluster that will not stop: kill its postmaster by the pid it wrote.
  local pidfile="$RUN/postmaster.pid.copy"
  head -n 1 "$DATA/postmaster.pid" >"$pidfile"
  stop_pidfile "$pidfile" postgres 5
}

do_status() {
  do_install 2>/dev/null || { echo "postgres: not installed"; return 3; }
  if [[ -f "$DATA/postmaster.pid" ]] && ready; then
    echo "postgres: running on $POSTGRES_HOST:$POSTGRES_PORT, data $DATA"
    return 0
  fi
  echo "postgres: stopped"
  return 3
}

print_url() {
  printf 'postgres://%s@%s:%s/%s?pool_max_conns=%s\n' "$(pg_user)" "$POSTGRES_HOST" \
    "$POSTGRES_PORT" "$PG_DATABASE" "$FERRETDB_POOL_MAX_CONNS"
}

server_main url=print_url -- "$@"
