#!/usr/bin/env bash
# The release run: every framework amlb ships, on the offline example suite, all folds, 60 s budget,
# two 1-core jobs at once; then the results site. Resumable: run it again to finish what is missing.
#
#   scripts/release_run.sh [OUT_DIR]          default OUT_DIR: results/release
#
# Frameworks that run locally (each in its own venv) go to OUT_DIR/local; frameworks that need
# another Python (auto-sklearn: 3.9) run in Docker mode into OUT_DIR/docker, when a Docker engine
# answers (base images: scripts/build_base_image.sh; AMLB_BASE_IMAGE / AMLB_BASE_IMAGE_39 select
# them; without them, the local images amlb/base:bookworm and amlb/base:bullseye are used when they
# exist). The site goes to OUT_DIR/site. Expect about 1.5 hours on 2 cores, plus first installs.
# Environment: AMLB_RELEASE_LOCAL and AMLB_RELEASE_DOCKER override the framework lists;
# AMLB_EXTRA_CA names a PEM bundle image builds trust (a TLS-inspecting proxy).
set -uo pipefail
cd "$(dirname "$0")/.."

OUT="${1:-results/release}"
LOCAL="${AMLB_RELEASE_LOCAL:-constantpredictor,RandomForest,TunedRandomForest,FLAML,AutoGluon,H2OAutoML,mljarsupervised,lightautoml,TPOT,GAMA,NaiveAutoML}"
DOCKER="${AMLB_RELEASE_DOCKER:-autosklearn,autosklearn2}"
COMMON=(example example -X job.max_runtime_seconds=60 -X job.cores=1 -p 2)

run_into() {  # run_into DIR ARGS...: a new run, or --resume of the one already there
    local dir="$1"; shift
    if [[ -f "$dir/results.db" ]]; then
        python runbenchmark.py "$@" -o "$dir" --resume
    else
        python runbenchmark.py "$@" -o "$dir"
    fi
}

start=$(date +%s)
status=0
echo "== local: $LOCAL -> $OUT/local"
run_into "$OUT/local" "$LOCAL" "${COMMON[@]}" || status=$?
runs=("$OUT/local")
if [[ -n "$DOCKER" ]] && docker info >/dev/null 2>&1; then
    extra=()
    has_image() { docker image inspect "$1" >/dev/null 2>&1; }
    base="${AMLB_BASE_IMAGE:-}"; [[ -z "$base" ]] && has_image amlb/base:bookworm && base=amlb/base:bookworm
    base39="${AMLB_BASE_IMAGE_39:-}"; [[ -z "$base39" ]] && has_image amlb/base:bullseye && base39=amlb/base:bullseye
    [[ -n "$base" ]] && extra+=(-X "docker.base_image=$base")
    [[ -n "$base39" ]] && extra+=(-X "docker.base_images={\"3.9\": \"$base39\"}")
    [[ -n "${AMLB_EXTRA_CA:-}" ]] && extra+=(-X "docker.extra_ca_certificates=[$AMLB_EXTRA_CA]")
    echo "== docker: $DOCKER -> $OUT/docker"
    run_into "$OUT/docker" "$DOCKER" "${COMMON[@]}" -m docker "${extra[@]}" || status=$?
    runs+=("$OUT/docker")
elif [[ -n "$DOCKER" ]]; then
    echo "== no Docker engine answers: $DOCKER left out (start one: scripts/start_dockerd.sh)"
fi
echo "== site -> $OUT/site"
python -m amlb site "${runs[@]}" -o "$OUT/site" || status=$?
python -m amlb energy "${runs[@]}" || true
echo "== release run done in $(( $(date +%s) - start )) s (exit $status); site: $OUT/site/index.html"
exit "$status"
