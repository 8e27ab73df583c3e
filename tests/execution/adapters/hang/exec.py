"""Ignores SIGTERM and never returns from fit; a forked child does the same: a timeout."""
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import faultkit  # noqa: E402


def fit(train, config):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    faultkit.record_process("job")
    if os.fork() == 0:
        faultkit.record_process("child")
        faultkit.sleep_forever()
    print("hang: ignoring SIGTERM and waiting forever", flush=True)
    faultkit.sleep_forever()
