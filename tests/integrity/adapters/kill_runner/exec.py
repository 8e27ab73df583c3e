"""SIGKILLs the runner from fit: the warm worker's parent. The job then sleeps.

On every --resume it does it again; after the second runner death the runner must record
the job as a crash and go on with the other jobs.
"""
import os
import signal
import time
from pathlib import Path


def _parent_of(pid):
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat[stat.rfind(")") + 2:].split()[1])


def fit(train, config):
    runner = _parent_of(os.getppid())  # job -> worker -> runner
    print(f"kill_runner: killing the runner {runner}", flush=True)
    os.kill(runner, signal.SIGKILL)
    time.sleep(60)
