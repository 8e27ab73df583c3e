#!/usr/bin/env python3
"""Entry point compatible with AMLB: ``python runbenchmark.py FRAMEWORK [BENCHMARK] [CONSTRAINT] ...``."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from amlb.cli import entry  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(entry(["run", *sys.argv[1:]]))
