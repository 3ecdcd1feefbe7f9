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
