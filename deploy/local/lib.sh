#!/usr/bin/env bash
# Shared helpers for deploy/local/*.sh. Source it; do not run it.
# shellcheck shell=bash

WARMFLOW_LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WARMFLOW_REPO="$(cd "$WARMFLOW_LOCAL_DIR/../.." && pwd)"
WARMFLOW_CACHE="${WARMFLOW_CACHE:-$HOME/.cache/warmflow}"
WARMFLOW_RUN_DIR="${WARMFLOW_RUN_DIR:-$WARMFLOW_REPO/var/servers}"
export WARMFLOW_CACHE WARMFLOW_RUN_DIR

# All progress goes to stderr so stdout stays clean for `eval "$(servers.sh up)"`.
log() { printf '[%s] %s\n' "${LOG_TAG:-local}" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

now_s() { date +%s; }

# pid_alive PIDFILE -> 0 when the pid in PIDFILE is a running process.
pid_alive() {
  local pidfile="$1" pid
  [[ -f "$pidfile" ]] || return 1
  pid="$(<"$pidfile")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null
}

# port_open HOST PORT -> 0 when a TCP connect succeeds.
port_open() {
  local host="$1" port="$2"
  (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
}

# stop_pidfile PIDFILE NAME [TIMEOUT_S]: SIGTERM, wait, then SIGKILL. Removes the pid file.
stop_pidfile() {
  local pidfile="$1" name="$2" timeout="${3:-30}" pid i
  if ! pid_alive "$pidfile"; then
    log "$name is not running"
    rm -f "$pidfile"
    return 0
  fi
  pid="$(<"$pidfile")"
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name did not stop within ${timeout}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -f "$pidfile"
  log "$name stopped"
}

# go_env_defaults: keep Go's caches in their usual (persistent) places and never fetch a toolchain.
go_env_defaults() {
  command -v go >/dev/null 2>&1 || die "go is not installed"
  export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
  export GOFLAGS="${GOFLAGS:--buildvcs=false}"
}

# spawn_server PIDFILE LOGFILE CMD...: start CMD in its own session (a Ctrl-C in the calling
# shell does not reach it), logging to LOGFILE (the previous log is kept as LOGFILE.1).
# setsid without a fork here (a script's background job is no group leader) keeps $! = CMD's pid.
spawn_server() {
  local pidfile="$1" logfile="$2"
  shift 2
  [[ -f "$logfile" ]] && mv -f "$logfile" "$logfile.1"
  : >"$logfile"
  setsid nohup "$@" </dev/null >>"$logfile" 2>&1 &
  echo "$!" >"$pidfile"
}

# wait_ready NAME PIDFILE LOGFILE TIMEOUT_S READY_FN [STEP_S]: poll READY_FN until it succeeds;
# on the process exiting or the timeout, print the log's tail, stop it and exit 1.
wait_ready() {
  local name="$1" pidfile="$2" logfile="$3" timeout="$4" ready="$5" step="${6:-0.2}" t0 pid
  t0="$(now_s)"
  pid="$(<"$pidfile")"
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "$name exited during start-up; last log lines:"
      tail -n 60 "$logfile" >&2
      rm -f "$pidfile"
      exit 1
    fi
    "$ready" && break
    if (($(now_s) - t0 >= timeout)); then
      log "$name not ready after ${timeout}s; last log lines:"
      tail -n 60 "$logfile" >&2
      stop_pidfile "$pidfile" "$name" 10
      exit 1
    fi
    sleep "$step"
  done
  log "$name ready (pid $pid) after $(($(now_s) - t0))s"
}

# refuse_taken_ports HOST PORT...: die when a port already accepts connections.
refuse_taken_ports() {
  local host="$1" port
  shift
  for port in "$@"; do
    port_open "$host" "$port" && die "port $host:$port is already in use by another process"
  done
  return 0
}

# status_line NAME PIDFILE READY_FN WHERE: the one-line status; exit 0 running, 3 not.
status_line() {
  local name="$1" pidfile="$2" ready="$3" where="$4"
  if pid_alive "$pidfile" && "$ready"; then
    echo "$name: running (pid $(<"$pidfile")) on $where"
    return 0
  fi
  if pid_alive "$pidfile"; then
    echo "$name: process $(<"$pidfile") alive but not answering on $where"
    return 3
  fi
  echo "$name: stopped"
  return 3
}

# server_main "$@": the command line every server script shares. The script defines do_install,
# do_start, do_stop, do_status and RUN (its run directory); extra commands are passed as
# NAME=FUNCTION pairs before "--", e.g. `server_main url=print_url -- "$@"`.
server_main() {
  local -A extra=()
  local pair usage="install|start|stop|restart|status|clean"
  while (($#)) && [[ "$1" != -- ]]; do
    pair="$1"
    extra["${pair%%=*}"]="${pair#*=}"
    usage+="|${pair%%=*}"
    shift
  done
  [[ "${1:-}" == -- ]] && shift
  case "${1:-}" in
    install) do_install ;;
    start) do_start ;;
    stop) do_stop ;;
    restart) do_stop; do_start ;;
    status) do_status ;;
    clean) do_stop; rm -rf "$RUN"; log "removed $RUN" ;;
    *)
      if [[ -n "${1:-}" && -n "${extra[$1]:-}" ]]; then
        "${extra[$1]}"
      else
        echo "usage: $0 $usage" >&2
        exit 2
      fi
      ;;
  esac
}
