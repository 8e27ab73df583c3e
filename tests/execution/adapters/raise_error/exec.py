"""Raises an exception in fit: a framework_error with the exception's type and message."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import faultkit  # noqa: E402


class InjectedFailure(RuntimeError):
    """The framework's own failure."""


def fit(train, config):
    faultkit.record_process("job")
    print("raise_error: raising InjectedFailure", flush=True)
    raise InjectedFailure("injected failure in fit")
