#!/usr/bin/env bash
# Starts (or stops) a Docker engine for the tests: no bridge network and no
# iptables rules, so containers run with --network host on loopback only.
# `start` is idempotent: an engine that already answers is left alone.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
state="$root/.cache/dockerd"
pidfile="$state/dockerd.pid"

case "${1:-}" in
  start)
    if docker info >/dev/null 2>&1; then
      exit 0
    fi
    command -v dockerd >/dev/null || { echo "dockerd missing: run scripts/setup.sh" >&2; exit 1; }
    mkdir -p "$state"
    nohup dockerd --bridge=none --iptables=false --ip-masq=false --pidfile="$pidfile" \
      >"$state/dockerd.log" 2>&1 &
    for _ in $(seq 1 60); do
      docker info >/dev/null 2>&1 && exit 0
      sleep 1
    done
    echo "the Docker engine did not start; see $state/dockerd.log" >&2
    tail -20 "$state/dockerd.log" >&2
    exit 1
    ;;
  stop)
    # Only an engine this script started is stopped.
    if [ -f "$pidfile" ]; then
      pid=$(cat "$pidfile")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      rm -f "$pidfile"
    fi
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
