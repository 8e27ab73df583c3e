"""Sleeps in fit for three times its budget (an honest sleep; the runner times it out)."""
import time


def fit(train, config):
    print(f"sleep_fit: sleeping {3 * config.budget_seconds} s", flush=True)
    time.sleep(3 * config.budget_seconds)
    raise RuntimeError("sleep_fit: still here after three budgets")
