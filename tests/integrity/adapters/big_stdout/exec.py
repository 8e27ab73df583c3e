"""Prints AMLB_TEST_STDOUT_MB (default 30) megabytes on stdout in one line, then behaves.

The job is ok; the runner keeps only a bounded tail of its log (the full log stays on disk).
"""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import hostile  # noqa: E402


def fit(train, config):
    chunk = "x" * (1 << 20)
    for _ in range(int(os.environ.get("AMLB_TEST_STDOUT_MB", "30"))):
        sys.stdout.write(chunk)
    sys.stdout.write("\nbig_stdout: done\n")
    sys.stdout.flush()
    return hostile.priors_model(train, config)
