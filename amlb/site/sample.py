"""A small synthetic run in this runner's own format, for demos, tests and the site benchmark.

The run is written through the real record and store (:class:`amlb.record.JobRecord`,
:class:`amlb.store.ResultStore`), so its ``results.csv`` and ``results.db`` are exactly
what ``amlb run`` leaves: AMLB columns, status, resources, inference timing, energy
columns (estimated, as on a machine without RAPL) and ``mf_*`` meta-features.
The numbers are made up; nothing is trained.
"""
from __future__ import annotations

import json
import math
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from amlb.record import DEFAULT_METRIC, JobRecord, Status
from amlb.store import ResultStore

#: framework -> (skill, seconds of training per 1K rows, inference seconds per row)
SAMPLE_FRAMEWORKS: dict[str, tuple[float, float, float]] = {
    "constantpredictor": (0.0, 0.001, 1e-7), "RandomForest": (0.80, 0.4, 2e-5),
    "TunedRandomForest": (0.86, 6.0, 2e-5), "flaml": (0.93, 20.0, 5e-6),
    "autogluon": (0.97, 45.0, 9e-5), "lightgbm": (0.90, 2.0, 3e-6),
}
#: the host record a run on a small VM would carry (see amlb.metering.HostInfo)
SAMPLE_HOST = {
    "cpu_model": "Intel Xeon Platinum 8375C (synthetic sample)", "cores": 8, "physical_cores": 4, "sockets": 1,
    "ram_gb": 32.0, "gpus": [], "virtualisation": "KVM", "os": "Debian GNU/Linux 12", "arch": "x86_64",
    "python": "3.11", "codecarbon": "3.0", "rapl": {"available": False, "reason": "no powercap"},
    "nvml": {"available": False, "reason": "no NVIDIA GPU"},
    "power_model": {"cpu_energy": "model:tdp", "cpu_power_w": 120.0, "cpu_power_source": "codecarbon TDP table",
                    "ram_energy": "model:ram", "ram_power_w": 15.0, "ram_power_source": "codecarbon RAM model"},
    "carbon": {"country": "DEU", "carbon_intensity_g_per_kwh": 381.0, "source": "codecarbon offline data"},
}
_TASKS = (("credit-g", "binary", 1000, 20, 2), ("vehicle", "multiclass", 846, 18, 4),
          ("boston", "regression", 506, 13, 0), ("kc1", "binary", 2109, 21, 2),
          ("segment", "multiclass", 2310, 19, 7), ("cpu_act", "regression", 8192, 21, 0),
          ("phoneme", "binary", 5404, 5, 2), ("cnae-9", "multiclass", 1080, 856, 9),
          ("kin8nm", "regression", 8192, 8, 0))


def sample_records(tasks: int = 9, folds: int = 3, constraint: str = "1h8c", seed: int = 0,
                   frameworks: Sequence[str] | None = None, run_id: str = "sample") -> list[JobRecord]:
    """Synthetic job records: every framework x task x fold, a few of them failed."""
    rng = np.random.default_rng(seed)
    chosen = list(frameworks or SAMPLE_FRAMEWORKS)
    records = []
    for i in range(tasks):
        name, typ, n_rows, n_features, n_classes = _TASKS[i % len(_TASKS)]
        if i >= len(_TASKS):
            name = f"{name}-{i // len(_TASKS) + 1}"
        difficulty = rng.uniform(0.2, 0.8)
        for fw in chosen:
            skill, train_per_1k, infer_per_row = SAMPLE_FRAMEWORKS.get(fw, (rng.uniform(0.7, 0.95), 10.0, 1e-5))
            if fw != "constantpredictor":  # frameworks suit some tasks better than others
                skill = min(1.0, skill + rng.normal(0, 0.06))
                if rng.random() < 0.08:  # and fail badly now and then: worse than predicting a constant
                    skill = -0.3
            for fold in range(folds):
                records.append(_record(rng, name, typ, n_rows, n_features, n_classes, difficulty, fw, skill,
                                       train_per_1k, infer_per_row, fold, constraint, run_id))
    return records


def _record(rng: np.random.Generator, task: str, typ: str, n_rows: int, n_features: int, n_classes: int,
            difficulty: float, fw: str, skill: float, train_per_1k: float, infer_per_row: float, fold: int,
            constraint: str, run_id: str) -> JobRecord:
    quality = skill + rng.normal(0, 0.03) if skill > 0 else skill
    train_s = train_per_1k * n_rows / 1000 * rng.uniform(0.8, 1.2)
    metric = DEFAULT_METRIC[typ]
    rec = JobRecord(id=f"openml.org/t/{zlib.crc32(task.encode()) % 300000}", task=task, framework=fw, constraint=constraint,
                    fold=fold, type=typ, metric=metric if metric == "auc" else f"neg_{metric}", mode="local",
                    version={"constantpredictor": "1.5.0", "autogluon": "1.1.1", "flaml": "2.2.0"}.get(fw, "1.5.0"),
                    params=json.dumps({"n_estimators": 2000} if "Forest" in fw else {}), app_version="0.1.0",
                    utc="2025-01-01T00:00:00", seed=fold, run_id=run_id, cores=8, memory_mb=32000,
                    environment=f"venv:{fw.lower()}-3.11-abc123", budget_seconds=3600.0)
    failure = fw in ("flaml", "autogluon") and rng.random() < 0.12
    if failure:
        rec.status = Status.MEMORY_LIMIT if fw == "autogluon" else Status.TIMEOUT
        rec.error_type = "MemoryError" if fw == "autogluon" else "TimeoutError"
        rec.info = ("job exceeded its memory limit of 32000 MB (peak 32017 MB)" if fw == "autogluon"
                    else "training exceeded the time budget of 3600 s by more than 10 %")
        train_s = None
    else:
        rec.status = Status.OK
        if typ == "binary":
            auc = 0.5 + 0.5 * quality * (1 - difficulty * 0.5)
            rec.metrics = {"auc": auc, "acc": auc - 0.05, "balacc": auc - 0.07, "logloss": 0.7 - 0.4 * quality}
            rec.result = auc
        elif typ == "multiclass":
            logloss = math.log(max(n_classes, 2)) * (1 - 0.8 * quality * (1 - difficulty * 0.3))
            rec.metrics = {"logloss": logloss, "acc": 0.4 + 0.5 * quality, "balacc": 0.35 + 0.5 * quality}
            rec.result = -logloss
        else:
            rmse = 10.0 * difficulty * (1 - 0.7 * quality) + 0.1
            rec.metrics = {"rmse": rmse, "r2": 0.9 * quality, "mae": rmse * 0.8}
            rec.result = -rmse
        rec.training_duration = train_s
        rec.predict_duration = infer_per_row * n_rows / 10 * rng.uniform(0.8, 1.2)
        rec.infer_seconds_per_row = {1: infer_per_row * 20, 1000: infer_per_row}
    wall = (train_s or 3600.0) + 2.0
    cpu = wall * (0.1 if fw == "constantpredictor" else 6.5)
    rec.duration = rec.wall_seconds = wall
    rec.cpu_user_s, rec.cpu_sys_s, rec.peak_rss_mb = cpu * 0.95, cpu * 0.05, 300.0 + 50 * n_features
    rec.resource_method = "cgroup"
    kwh = (120.0 * cpu / 8 + 15.0 * wall) / 3.6e6
    rec.energy = {"energy_cpu_kwh": kwh * 0.9, "energy_ram_kwh": kwh * 0.1, "energy_gpu_kwh": None, "energy_kwh": kwh,
                  "co2e_kg": kwh * 0.381, "energy_method": "model:tdp+model:ram", "energy_estimated": True,
                  "carbon_intensity_g_per_kwh": 381.0, "carbon_intensity_source": "codecarbon offline data, DEU",
                  "pue": 1.0, "country": "DEU", "region": ""}
    rec.meta_features = {"n_rows": n_rows, "n_features": n_features, "n_classes": n_classes}
    return rec


def write_sample_run(out_dir: str | Path, benchmark: str = "sample", **kwargs: object) -> Path:
    """Write a synthetic run (``results.db`` and ``results.csv``) to ``out_dir``; return the CSV path.

    Keyword arguments go to :func:`sample_records`.
    """
    out = Path(out_dir)
    store = ResultStore(out)
    try:
        records = sample_records(**kwargs)  # type: ignore[arg-type]
        for rec in records:
            store.save(rec)
        store.set_meta("run", {"benchmark": benchmark, "constraint": records[0].constraint, "mode": "local",
                               "frameworks": sorted({r.framework for r in records}), "app_version": "0.1.0",
                               "parallel": 1})
        store.set_meta("host", SAMPLE_HOST)
        store.export_csv(out / "results.csv")
    finally:
        store.close()
    return out / "results.csv"
