"""Helpers of the Docker mode tests: real jobs as the runner writes them, the probe adapter."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from amlb.config import Config
from amlb.definitions import FrameworkDef, resolve_framework
from amlb.execution.api import Launch

ADAPTERS = Path(__file__).resolve().parent / "adapters"


def probe_framework(config: Config, **changes) -> FrameworkDef:
    """The probe adapter with the constant predictor's requirements (so the pip layer is shared)."""
    base = resolve_framework("constantpredictor", config)
    fields = {"name": "amlb-probe", "adapter_dir": ADAPTERS / "probe", "version": "1",
              "requirements": base.requirements}
    fields.update(changes)
    return FrameworkDef(**fields)


def make_launch(root: Path, *, params: dict | None = None, cpus: tuple[int, ...] = (0,),
                memory_mb: int | None = 512, timeout_s: float = 60.0, tag: str = "t") -> Launch:
    """A real job: fold files in ``root/data``, ``job.json`` in ``root/job``, as the runner writes them."""
    data, job, work = root / "data", root / "job", root / "job" / "work"
    for d in (data, work / "tmp", work / "home"):
        d.mkdir(parents=True, exist_ok=True)
    train = pd.DataFrame({"x": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], "y": pd.Categorical(list("ababab"))})
    train.to_parquet(data / "train.parquet")
    train[["x"]].to_parquet(data / "test.parquet")
    config = {"framework": "amlb-probe", "params": {"job_dir": str(job), **(params or {})}, "budget_seconds": 10,
              "cores": len(cpus), "memory_mb": memory_mb, "seed": 1, "type": "binary", "target": "y",
              "class_labels": ["a", "b"], "metric": "auc", "work_dir": str(work)}
    (job / "job.json").write_text(json.dumps({
        "config": config, "train": str(data / "train.parquet"), "test": str(data / "test.parquet"),
        "inference": {"batch_sizes": [1, 10], "repeats": 1, "max_seconds": 5}}))
    return Launch(job_dir=job, work_dir=work, log_path=job / "job.log", data_dir=data, cpus=cpus,
                  memory_mb=memory_mb, timeout_s=timeout_s,
                  env={"TMPDIR": str(work / "tmp"), "HOME": str(work / "home")}, tag=tag)


def read_result(launch: Launch) -> dict:
    return json.loads((launch.job_dir / "result.json").read_text())


def amlb_containers(client) -> list[dict]:
    return client.api.containers(all=True, filters={"label": "org.amlb.runner"})
