"""Allocates (and touches) memory in steps up to four times its limit: a memory_limit failure."""
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import faultkit  # noqa: E402

STEP_MB = 32


def fit(train, config):
    faultkit.record_process("job")
    limit_mb = config.memory_mb or 1024
    print(f"memory_hog: allocating up to {4 * limit_mb} MB, limit {limit_mb} MB", flush=True)
    chunks = []
    for _ in range(4 * limit_mb // STEP_MB):
        chunks.append(np.ones(STEP_MB * 2**20 // 8))  # np.ones writes every page
        time.sleep(0.01)
    print(f"memory_hog: still alive holding {len(chunks) * STEP_MB} MB", flush=True)
    faultkit.sleep_forever()
