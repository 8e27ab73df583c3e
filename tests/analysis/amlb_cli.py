"""What the `amlb analyze` and `amlb bttree` tests share: the CLI run as a user runs it, and a run
directory of ours to analyse."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from amlb.record import JobRecord, Status

ROOT = Path(__file__).resolve().parents[2]


def amlb(*args: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python -m amlb ARGS`` from the checkout, output captured as text (``env`` added to ours)."""
    return subprocess.run([sys.executable, "-m", "amlb", *map(str, args)], capture_output=True, text=True, cwd=ROOT,
                          timeout=300, env={**os.environ, **(env or {})})


def write_our_results(directory: Path) -> None:
    """A results.csv of this runner's in ``directory``: 4 frameworks x 12 binary tasks x 2 folds, one failed
    job (flaml, memory), budgets, energy, inference times and meta-features."""
    rng = np.random.default_rng(1)
    rows = []
    skill = {"constantpredictor": 0.0, "RandomForest": 0.6, "flaml": 0.7, "autogluon": 0.8}
    for t in range(12):
        n_rows = int(10 ** rng.uniform(2, 5))
        for fold in range(2):
            for fw, s in skill.items():
                ok = not (fw == "flaml" and t == 3 and fold == 1)
                result = 0.5 + 0.4 * s + rng.normal(0, 0.02) if ok else None
                rec = JobRecord(id=f"file/t{t}", task=f"t{t}", framework=fw, constraint="test", fold=fold,
                                type="binary", result=result, metric="auc", training_duration=5.0 + 10 * s,
                                predict_duration=0.1, info="" if ok else "MemoryError",
                                budget_seconds=20.0, duration=7.0 + 10 * s if ok else 30.0,
                                status=Status.OK if ok else Status.MEMORY_LIMIT,
                                infer_seconds_per_row={1: 1e-3 * (1 + s), 1000: 1e-5 * (1 + s)},
                                energy={"energy_kwh": 1e-4 * (1 + 3 * s)},
                                meta_features={"n_rows": n_rows, "n_features": int(rng.integers(3, 50))})
                rows.append(rec.to_row())
    pd.DataFrame(rows).to_csv(directory / "results.csv", index=False)
