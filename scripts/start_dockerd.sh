#!/usr/bin/env bash
# Start or stop a Docker daemon for development and CI, on machines without systemd.
#
#   scripts/start_dockerd.sh [start] [--install]   start dockerd unless an engine already answers
#   scripts/start_dockerd.sh stop                  stop the daemon this script started (by its pid)
#   scripts/start_dockerd.sh status                exit 0 when an engine answers
#
# --install (or AMLB_DOCKERD_INSTALL=1) installs Debian's docker.io first when dockerd is missing.
# The daemon runs as root; its log is $AMLB_DOCKERD_LOG (default /tmp/amlb-dockerd.log) and its
# pid is kept in $AMLB_DOCKERD_PIDFILE (default /tmp/amlb-dockerd.pid), so `stop` ends only
# the daemon started here, never one started by someone else.
set -euo pipefail

ACTION="start"
INSTALL="${AMLB_DOCKERD_INSTALL:-0}"
for arg in "$@"; do
    case "$arg" in
        start|stop|status) ACTION="$arg" ;;
        --install) INSTALL=1 ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "start_dockerd.sh: unknown argument '$arg' (start|stop|status [--install])" >&2; exit 2 ;;
    esac
done

LOG="${AMLB_DOCKERD_LOG:-/tmp/amlb-dockerd.log}"
PIDFILE="${AMLB_DOCKERD_PIDFILE:-/tmp/amlb-dockerd.pid}"
WAIT_SECONDS="${AMLB_DOCKERD_WAIT:-60}"

engine_answers() {
    if command -v docker >/dev/null 2>&1; then
        docker info >/dev/null 2>&1
    else
        python3 -c 'import docker, sys; docker.from_env().ping()' >/dev/null 2>&1
    fi
}

case "$ACTION" in
    status)
        if engine_answers; then echo "docker engine: up"; exit 0; fi
        echo "docker engine: not reachable"; exit 1 ;;
    stop)
        if [[ ! -s "$PIDFILE" ]]; then echo "no daemon started by this script ($PIDFILE absent)"; exit 0; fi
        pid="$(cat "$PIDFILE")"
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid"
            for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            echo "stopped dockerd (pid $pid)"
        fi
        rm -f "$PIDFILE"
        exit 0 ;;
esac

if engine_answers; then
    echo "docker engine already up: nothing started"
    exit 0
fi
if [[ "$(id -u)" != 0 ]]; then
    echo "start_dockerd.sh: no Docker engine answers and starting one needs root (run it with sudo)" >&2
    exit 1
fi
if ! command -v dockerd >/dev/null 2>&1; then
    if [[ "$INSTALL" != 1 ]]; then
        echo "start_dockerd.sh: dockerd is not installed: apt-get install -y docker.io, or pass --install" >&2
        exit 1
    fi
    echo "installing docker.io (Debian packages)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq docker.io >/dev/null
fi
# the CLI is optional (the Python SDK talks to the socket); a leftover pid/socket from a killed
# daemon would make dockerd refuse to start
if [[ -s /var/run/docker.pid ]] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    rm -f /var/run/docker.pid
fi
nohup dockerd >"$LOG" 2>&1 &
pid=$!
echo "$pid" >"$PIDFILE"
for _ in $(seq 1 $((WAIT_SECONDS * 4))); do
    if engine_answers; then
        echo "dockerd started (pid $pid, log $LOG)"
        exit 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "start_dockerd.sh: dockerd exited at start; last lines of $LOG:" >&2
        tail -n 20 "$LOG" >&2
        rm -f "$PIDFILE"
        exit 1
    fi
    sleep 0.25
done
echo "start_dockerd.sh: dockerd (pid $pid) did not answer within ${WAIT_SECONDS}s; see $LOG" >&2
exit 1
