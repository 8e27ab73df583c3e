"""Leaves FIFOs where the runner reads result.json and job.log, then exits 0 without a word.

A runner that opens them blocks forever; it must refuse them (framework_error).
"""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import hostile  # noqa: E402


def fit(train, config):
    job_dir = hostile.job_dir()
    print("fifo_files: replacing result.json and job.log with FIFOs", flush=True)
    for name in ("result.json", "job.log"):
        path = job_dir / name
        if path.exists():
            path.unlink()
        os.mkfifo(path)
    os._exit(0)
