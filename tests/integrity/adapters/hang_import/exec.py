"""Its import never returns: the worker is never ready.

The runner must give up within a bound derived from the budget (setup_error), once.
"""
import time

print("hang_import: importing forever", flush=True)
while True:
    time.sleep(3600)


def fit(train, config):  # never reached
    raise AssertionError
