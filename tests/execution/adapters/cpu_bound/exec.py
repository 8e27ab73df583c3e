"""Burns $AMLB_BENCH_CPU_SECONDS (default 4) of CPU in fit, in one thread: the --parallel benchmark's job."""
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import faultkit  # noqa: E402


def fit(train, config):
    seconds = float(os.environ.get("AMLB_BENCH_CPU_SECONDS", "4"))
    start = time.time()
    faultkit.burn_cpu(seconds)
    model = faultkit.priors_model(train, config)
    model.info = {"fit_start": start, "fit_end": time.time(), "cpu_seconds": seconds}
    return model
