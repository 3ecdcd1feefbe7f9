#!/usr/bin/env bash
# Build the docker compose v2 CLI plugin from the Go module proxy and install it as
# ~/.docker/cli-plugins/docker-compose (no Docker engine is needed for `docker compose config`).
#
#   deploy/local/compose.sh install   # build once (cached), install the plugin, print its path
#   deploy/local/compose.sh path      # print the cached binary path (no build)
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=compose

COMPOSE_MODULE=github.com/docker/compose/v2
COMPOSE_VERSION="${COMPOSE_VERSION:-v2.40.3}"
COMPOSE_DIR="$WARMFLOW_CACHE/compose-$COMPOSE_VERSION"
COMPOSE_BIN="$COMPOSE_DIR/docker-compose"
PLUGIN_DIR="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"

build() {
  if [[ -x "$COMPOSE_BIN" ]] && "$COMPOSE_BIN" version >/dev/null 2>&1; then
    log "cached: $COMPOSE_BIN"
    return 0
  fi
  go_env_defaults
  local build_dir="$COMPOSE_DIR/build" t0
  t0="$(now_s)"
  log "building docker compose $COMPOSE_VERSION from the Go module proxy (takes minutes on a cold cache)"
  mkdir -p "$build_dir"
  (
    cd "$build_dir"
    [[ -f go.mod ]] || go mod init warmflow.local/compose-build >/dev/null 2>&1
    go get -tool "$COMPOSE_MODULE/cmd@$COMPOSE_VERSION" >&2
    CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X $COMPOSE_MODULE/internal.Version=$COMPOSE_VERSION" \
      -o "$COMPOSE_BIN.tmp" "$COMPOSE_MODULE/cmd" >&2
  )
  mv -f "$COMPOSE_BIN.tmp" "$COMPOSE_BIN"
  log "built $COMPOSE_BIN in $(($(now_s) - t0))s"
}

install_plugin() {
  mkdir -p "$PLUGIN_DIR"
  if ! cmp -s "$COMPOSE_BIN" "$PLUGIN_DIR/docker-compose"; then
    install -m 0755 "$COMPOSE_BIN" "$PLUGIN_DIR/docker-compose.tmp"
    mv -f "$PLUGIN_DIR/docker-compose.tmp" "$PLUGIN_DIR/docker-compose"
    log "installed CLI plugin $PLUGIN_DIR/docker-compose"
  fi
  if command -v docker >/dev/null 2>&1; then
    docker compose version >&2 || die "docker compose version failed"
  fi
}

case "${1:-}" in
  install)
    build
    install_plugin
    printf '%s\n' "$PLUGIN_DIR/docker-compose"
    ;;
  path)
    printf '%s\n' "$COMPOSE_BIN"
    ;;
  *)
    echo "usage: $0 install|path" >&2
    exit 2
    ;;
esac
