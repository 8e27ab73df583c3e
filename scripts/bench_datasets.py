#!/usr/bin/env python
"""Benchmark the datasets stage: converting a large dataset and loading it from the cache.

Generates a mixed dataset (default 1,000,000 rows x 100 columns: 69 numeric and 30
categorical features, ~2% missing values each, a binary target), writes it as ARFF and as
CSV, converts each through :func:`amlb.datasets.open_task` into the Parquet cache,
and times the load from the cache.

    python scripts/bench_datasets.py                 # the full size
    python scripts/bench_datasets.py --rows 100000   # quicker

Targets: loading from the cache at least 10x faster than parsing the ARFF, and under 2 s.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv


def make_frame(rows: int, columns: int, categorical_share: float, seed: int = 0) -> pd.DataFrame:
    """A mixed frame: numeric (4 decimals) and categorical features, ~2% missing, binary target."""
    rng = np.random.default_rng(seed)
    n_features = columns - 1
    n_categorical = int(round(n_features * categorical_share))
    data: dict[str, object] = {}
    for i in range(n_features - n_categorical):
        values = rng.normal(size=rows).round(4)
        values[rng.random(rows) < 0.02] = np.nan
        data[f"num_{i}"] = values
    for i in range(n_categorical):
        levels = [f"level_{k}" for k in range(3 + (i * 7) % 40)]
        codes = rng.integers(0, len(levels), rows).astype(np.int8)
        codes[rng.random(rows) < 0.02] = -1
        data[f"cat_{i}"] = pd.Categorical.from_codes(codes, categories=levels)
    data["target"] = pd.Categorical.from_codes(rng.integers(0, 2, rows).astype(np.int8), categories=["neg", "pos"])
    return pd.DataFrame(data)


def timed(label: str, fn, results: dict[str, float]):
    start = time.perf_counter()
    value = fn()
    results[label] = time.perf_counter() - start
    print(f"  {label:44} {results[label]:8.2f} s", flush=True)
    return value


def best_of(n: int, fn) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def liac_seconds(arff: Path, rows: int, sample_rows: int, work: Path) -> float:
    """liac-arff's parse time for the first ``sample_rows`` rows, scaled to all rows."""
    import arff as liac

    sample = work / "sample.arff"
    with open(arff, "rb") as source, open(sample, "wb") as target:
        data_lines = None
        for line in source:
            target.write(line)
            if data_lines is None and line.strip().lower() == b"@data":
                data_lines = 0
            elif data_lines is not None and line.strip():
                data_lines += 1
                if data_lines >= sample_rows:
                    break
    start = time.perf_counter()
    with open(sample) as handle:
        liac.load(handle)
    return (time.perf_counter() - start) * rows / sample_rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--columns", type=int, default=100, help="including the target")
    parser.add_argument("--categorical-share", type=float, default=0.3)
    parser.add_argument("--liac-sample", type=int, default=20_000, help="rows to time liac-arff on (0: skip)")
    parser.add_argument("--workdir", type=Path, help="keep the files here (default: a temporary folder, removed)")
    args = parser.parse_args(argv)

    from amlb.datasets import DatasetsConfig, TaskSpec, open_task
    from amlb.datasets.arff import read_arff, write_arff

    work = args.workdir or Path(tempfile.mkdtemp(prefix="amlb-bench-datasets-"))
    work.mkdir(parents=True, exist_ok=True)
    cfg = DatasetsConfig(cache_dir=work / "cache", openml_cache_dir=work / "openml")
    results: dict[str, float] = {}
    try:
        print(f"dataset: {args.rows:,} rows x {args.columns} columns ({args.categorical_share:.0%} categorical), in {work}")
        frame = timed("generate", lambda: make_frame(args.rows, args.columns, args.categorical_share), results)
        arff_path, csv_path = work / "big.arff", work / "big.csv"
        timed("write ARFF", lambda: write_arff(frame, arff_path, relation="bench"), results)
        timed("write CSV", lambda: pacsv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), csv_path), results)
        print(f"  sizes: ARFF {arff_path.stat().st_size / 1e6:,.0f} MB, CSV {csv_path.stat().st_size / 1e6:,.0f} MB")
        del frame

        print("conversion (parse, type, write Parquet, meta-features, 10 seeded folds):")
        parsed, _ = timed("parse ARFF (amlb's reader)", lambda: read_arff(arff_path), results)
        del parsed
        arff_task = timed("convert ARFF -> Parquet cache (open_task)", lambda: open_task(
            TaskSpec(name="bench_arff", dataset={"path": str(arff_path), "target": "target"}), cfg), results)
        timed("convert CSV -> Parquet cache (open_task)", lambda: open_task(
            TaskSpec(name="bench_csv", dataset={"path": str(csv_path), "target": "target"}), cfg), results)
        if args.liac_sample:
            sample = min(args.liac_sample, args.rows)
            results["parse ARFF (liac-arff, extrapolated)"] = liac_seconds(arff_path, args.rows, sample, work)
            print(f"  {'parse ARFF (liac-arff, extrapolated)':44} {results['parse ARFF (liac-arff, extrapolated)']:8.2f} s"
                  f"   (timed on {sample:,} rows)")

        print("from the cache:")
        data_path = arff_task.data_path
        results["load data.parquet (best of 3)"] = best_of(3, lambda: pd.read_parquet(data_path))
        print(f"  {'load data.parquet (best of 3)':44} {results['load data.parquet (best of 3)']:8.2f} s")
        loaded = pd.read_parquet(data_path)
        print(f"    -> {loaded.shape[0]:,} x {loaded.shape[1]}, {sum(isinstance(d, pd.CategoricalDtype) for d in loaded.dtypes)} categorical columns")
        del loaded
        timed("open the cached task again", lambda: open_task(
            TaskSpec(name="bench_arff", dataset={"path": str(arff_path), "target": "target"}), cfg), results)
        files = timed("write fold 0 files (once per task and fold)", lambda: arff_task.fold(0), results)
        results["load fold 0 train.parquet (best of 3)"] = best_of(3, lambda: pd.read_parquet(files.train))
        print(f"  {'load fold 0 train.parquet (best of 3)':44} {results['load fold 0 train.parquet (best of 3)']:8.2f} s")

        load, parse = results["load data.parquet (best of 3)"], results["parse ARFF (amlb's reader)"]
        print(f"\nload from cache vs parse ARFF (amlb's reader): {parse / load:.1f}x faster "
              f"(target >= 10x: {'met' if parse / load >= 10 else 'NOT met'}); "
              f"under 2 s: {'met' if load < 2 else 'NOT met'}")
        if "parse ARFF (liac-arff, extrapolated)" in results:
            print(f"load from cache vs liac-arff: {results['parse ARFF (liac-arff, extrapolated)'] / load:.0f}x faster")
        return 0 if parse / load >= 10 and load < 2 else 1
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
