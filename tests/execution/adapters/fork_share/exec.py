"""Holds 120 MB and forks 4 children that share it: ~120 MB in all, under a 400 MB limit (ok).

Summing the resident sizes of the tree would count the 120 MB (and the worker's pages every
fork maps) five times and kill the job; the memory meter must count shared pages once.
"""
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import faultkit  # noqa: E402

HELD_MB, CHILDREN, CHILD_SECONDS = 120, 4, 1.5


def fit(train, config):
    faultkit.record_process("job")
    held = np.ones(HELD_MB * 2**20 // 8)  # touched: resident
    children = []
    for _ in range(CHILDREN):
        pid = os.fork()
        if pid == 0:
            faultkit.record_process("sharing_child")
            time.sleep(CHILD_SECONDS)
            os._exit(0 if held[-1] == 1.0 else 1)
        children.append(pid)
    codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children]
    print(f"fork_share: {CHILDREN} children shared {HELD_MB} MB, exit codes {codes}", flush=True)
    return faultkit.priors_model(train, config)
