"""Sleeps three times its time budget (an honest, interruptible sleep): a timeout."""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import faultkit  # noqa: E402


def fit(train, config):
    faultkit.record_process("job")
    print(f"oversleep: sleeping {3 * config.budget_seconds} s on a budget of {config.budget_seconds} s", flush=True)
    time.sleep(3 * config.budget_seconds)
    return faultkit.priors_model(train, config)
