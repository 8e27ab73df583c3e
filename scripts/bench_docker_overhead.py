#!/usr/bin/env python3
"""Per-job overhead of Docker mode, against local mode.

1. What each step of a container's life costs (create, start, exit, remove; Python start
   and the adapter's imports inside the image), medians of ``--repeats`` tries.
2. The runner on the constant predictor: median over jobs of ``duration - training_duration -
   predict_duration`` (results.csv) in docker mode and in local mode, and their difference
   (target: at most 1 s).

Usage::

    python scripts/bench_docker_overhead.py [-X docker.base_image=amlb/base:bookworm]
        [-X 'docker.extra_ca_certificates=[/etc/ssl/certs/ca-certificates.crt]'] [--skip-local]

Needs a running engine (scripts/start_dockerd.sh). Each mode runs the example benchmark
(6 tasks x 2 folds) once; the Docker image and the local venv are built first if missing.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from amlb.config import load_config  # noqa: E402
from amlb.definitions import resolve_framework  # noqa: E402
from amlb.environments.docker_image import IMAGE_VENV, docker_client, ensure_image  # noqa: E402


def _median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:7.0f} ms"


def container_steps(image_id: str, repeats: int) -> None:
    """Median cost of each step of a container's life, with the executor's settings."""
    client = docker_client()
    api = client.api
    host_config = api.create_host_config(network_mode="none", cpuset_cpus="0", nano_cpus=10**9,
                                         mem_limit="1g", memswap_limit="1g", cap_drop=["ALL"],
                                         security_opt=["no-new-privileges"])
    commands = {"true": ["true"], "python -c pass": [f"{IMAGE_VENV}/bin/python", "-c", "pass"],
                "python + numpy/pandas/pyarrow": [f"{IMAGE_VENV}/bin/python", "-c",
                                                  "import numpy, pandas, pyarrow.parquet"]}
    for label, command in commands.items():
        steps: dict[str, list[float]] = {"create": [], "start": [], "run to exit": [], "remove": [], "total": []}
        for _ in range(repeats):
            t0 = time.perf_counter()
            cid = api.create_container(image_id, command, user="1000:1000", host_config=host_config)["Id"]
            t1 = time.perf_counter()
            api.start(cid)
            t2 = time.perf_counter()
            api.wait(cid, timeout=120)
            t3 = time.perf_counter()
            api.remove_container(cid, force=True)
            t4 = time.perf_counter()
            for key, value in zip(steps, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0)):
                steps[key].append(value)
        print(f"  {label:32} " + "  ".join(f"{k} {_median_ms(v)}" for k, v in steps.items()))


def runner_overhead(mode: str, overrides: list[str], out: Path) -> tuple[float, float, int] | None:
    """Median job overhead and duration (s) of the constant predictor on the example benchmark."""
    import pandas as pd  # noqa: PLC0415

    cmd = [sys.executable, str(ROOT / "runbenchmark.py"), "constantpredictor", "example", "-m", mode,
           "-o", str(out)] + [arg for o in overrides for arg in ("-X", o)]
    started = time.monotonic()
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, cwd=ROOT)
    print(f"  {mode}: runner finished in {time.monotonic() - started:.0f} s (exit code {proc.returncode})")
    results = out / "results.csv"
    if not results.is_file():
        print("   ", (proc.stderr or proc.stdout).strip().splitlines()[-1:])
        return None
    df = pd.read_csv(results)
    ok = df[df["status"] == "ok"]
    if ok.empty:
        print(f"    no successful job: {df['status'].unique().tolist()} {df['info'].dropna().unique()[:1]}")
        return None
    overhead = ok["duration"] - ok["training_duration"] - ok["predict_duration"]
    return float(overhead.median()), float(ok["duration"].median()), len(ok)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-X", dest="overrides", action="append", default=[], help="config override (as amlb run)")
    parser.add_argument("--repeats", type=int, default=7, help="tries of each container step")
    parser.add_argument("--skip-local", action="store_true", help="measure docker mode only")
    args = parser.parse_args()

    config = load_config(overrides=args.overrides)
    fw = resolve_framework("constantpredictor", config)
    with tempfile.TemporaryDirectory(prefix="amlb-bench-") as tmp:
        image = ensure_image(fw, config, log_path=Path(tmp) / "build.log", progress=lambda s: print("  " + s))
        print(f"container steps ({image.tag}, medians of {args.repeats}):")
        container_steps(image.id, args.repeats)
        print("runner, constantpredictor on the example benchmark (overhead = duration - training - predict):")
        figures = {}
        for mode in ("docker",) if args.skip_local else ("docker", "local"):
            figures[mode] = runner_overhead(mode, args.overrides, Path(tmp) / mode)
            if figures[mode]:
                overhead, duration, n = figures[mode]
                print(f"    {mode:6}: median overhead {overhead:.3f} s, median duration {duration:.3f} s ({n} jobs)")
        if figures.get("docker") and figures.get("local"):
            diff = figures["docker"][0] - figures["local"][0]
            print(f"docker minus local: {diff:.3f} s per job (target <= 1 s: {'met' if diff <= 1 else 'MISSED'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
