"""Helpers shared by the fault-injection adapters (imported by their exec.py files).

Every process an adapter starts records itself in ``$AMLB_TEST_PID_DIR`` (when the test
set it) so the test can check afterwards, by pid and start time, that none survived.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
from amlb_adapter import Fitted


def start_ticks(pid: int) -> int:
    """The process's start time in clock ticks since boot (pid + start time name a process uniquely)."""
    stat = Path(f"/proc/{pid}/stat").read_bytes()
    return int(stat[stat.rfind(b")") + 2:].split()[19])


def record_process(kind: str, pid: int | None = None, **extra: object) -> None:
    """Write ``{pid, start_ticks, kind, time, tag, cwd}`` of a process (default: this one) into the test's pid dir."""
    folder = os.environ.get("AMLB_TEST_PID_DIR")
    if not folder:
        return
    pid = os.getpid() if pid is None else pid
    entry = {"pid": pid, "start_ticks": start_ticks(pid), "kind": kind, "time": time.time(),
             "tag": os.environ.get("AMLB_JOB_TAG", ""), "cwd": os.getcwd(), **extra}
    path = Path(folder) / f"{pid}-{entry['start_ticks']}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(entry))
    os.replace(tmp, path)


def burn_cpu(seconds: float) -> float:
    """Busy-loop until this process has used ``seconds`` more CPU time; returns the CPU time used."""
    t0 = time.process_time()
    x = 0
    while time.process_time() - t0 < seconds:
        for i in range(2000):
            x += i * i
    return time.process_time() - t0


def priors_model(train, config) -> Fitted:
    """A valid model: the training class priors (the constant predictor)."""
    priors = train.y.value_counts(normalize=True).reindex(config.class_labels, fill_value=0.0).to_numpy()
    majority = config.class_labels[int(np.argmax(priors))]
    return Fitted(predict=lambda X: np.full(len(X), majority, dtype=object),
                  predict_proba=lambda X: np.tile(priors, (len(X), 1)), models_count=1)


def sleep_forever() -> None:
    while True:
        time.sleep(3600)
