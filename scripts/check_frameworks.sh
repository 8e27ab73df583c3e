#!/usr/bin/env bash
# Run `amlb check` on every adapter under frameworks/ (or the NAMES given), in local mode and, when a
# Docker engine answers, in Docker mode. One line per framework and mode, a summary, and a non-zero
# exit when any check fails.
#
#   scripts/check_frameworks.sh [NAMES...]
#
# Environment: AMLB_CHECK_BUDGET (seconds per task, default: amlb check's), AMLB_BASE_IMAGE (Docker
# base image; default amlb/base:bookworm when that image exists, else docker.base_image),
# AMLB_BASE_IMAGE_39 (the base image of Python 3.9 frameworks; default amlb/base:bullseye when it exists),
# AMLB_EXTRA_CA (a PEM bundle image builds trust, e.g. behind a TLS-inspecting proxy),
# AMLB_CHECK_MODES ("local docker" by default), PYTHON (default: python3).
set -u
cd "$(dirname "$0")/.." || exit 2
PYTHON=${PYTHON:-python3}
LOGS=$(mktemp -d "${TMPDIR:-/tmp}/amlb-check-frameworks.XXXXXX")

if [ $# -gt 0 ]; then
  names=("$@")
else
  names=()
  for f in frameworks/*/exec.py; do
    d=$(basename "$(dirname "$f")")
    [ "$d" = shared ] || names+=("$d")
  done
fi

docker_answers() {
  "$PYTHON" - <<'PY' >/dev/null 2>&1
import docker
docker.from_env(timeout=3).ping()
PY
}

docker_args=()
modes=${AMLB_CHECK_MODES:-local docker}
if [[ " $modes " == *" docker "* ]]; then
  if docker_answers; then
    if [ -n "${AMLB_BASE_IMAGE:-}" ]; then
      docker_args=(-X "docker.base_image=$AMLB_BASE_IMAGE")
    elif "$PYTHON" -c 'import docker; docker.from_env(timeout=3).images.get("amlb/base:bookworm")' >/dev/null 2>&1; then
      docker_args=(-X "docker.base_image=amlb/base:bookworm")
    fi
    base39=${AMLB_BASE_IMAGE_39:-}
    if [ -z "$base39" ] && "$PYTHON" -c 'import docker; docker.from_env(timeout=3).images.get("amlb/base:bullseye")' >/dev/null 2>&1; then
      base39=amlb/base:bullseye
    fi
    [ -n "$base39" ] && docker_args+=(-X "docker.base_images={\"3.9\": \"$base39\"}")
    [ -n "${AMLB_EXTRA_CA:-}" ] && docker_args+=(-X "docker.extra_ca_certificates=[$AMLB_EXTRA_CA]")
  else
    echo "no Docker engine answers: local mode only"
    modes=${modes//docker/}
  fi
fi

budget_args=()
[ -n "${AMLB_CHECK_BUDGET:-}" ] && budget_args=(--budget "$AMLB_CHECK_BUDGET")

passed=0 failed=0 failures=()
for name in "${names[@]}"; do
  for mode in $modes; do
    log="$LOGS/$name.$mode.log"
    extra=()
    [ "$mode" = docker ] && extra=("${docker_args[@]}")
    start=$(date +%s)
    "$PYTHON" -m amlb check "$name" -m "$mode" "${budget_args[@]}" "${extra[@]}" >"$log" 2>&1
    code=$?
    secs=$(( $(date +%s) - start ))
    if [ $code -eq 0 ]; then
      printf '%-24s %-7s pass  %5d s\n' "$name" "$mode" "$secs"
      passed=$((passed + 1))
    else
      printf '%-24s %-7s FAIL  %5d s  (exit %d, log: %s)\n' "$name" "$mode" "$secs" "$code" "$log"
      failed=$((failed + 1))
      failures+=("$name/$mode")
    fi
  done
done

echo "----"
echo "$passed passed, $failed failed${failures:+: ${failures[*]}} (logs: $LOGS)"
[ $failed -eq 0 ]
