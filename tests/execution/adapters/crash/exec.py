"""Segfaults in fit: a crash (killed by SIGSEGV)."""
import ctypes
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import faultkit  # noqa: E402


def fit(train, config):
    faultkit.record_process("job")
    print("crash: reading address 0", flush=True)
    ctypes.string_at(0)
