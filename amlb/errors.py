"""Errors the user can act on.

A :class:`UserError` is printed as one line (what is wrong, what to do) and the
process exits with code 2, with no traceback. Anything else is a bug or an
infrastructure failure and keeps its traceback.
"""
from __future__ import annotations


class UserError(Exception):
    """Bad input: printed as one line, exit code 2."""

    exit_code = 2

    def __init__(self, message: str, hint: str = ""):
        self.message = message
        self.hint = hint
        super().__init__(self.one_line())

    def one_line(self) -> str:
        text = self.message.rstrip(".")
        if self.hint:
            text += f": {self.hint}" if not self.hint[0].isupper() else f". {self.hint}"
        return text.replace("\n", " ")


class DataError(UserError):
    """A dataset cannot be loaded or is unusable (missing target, empty, ...)."""


_warned: set[str] = set()


def warn(message: str) -> None:
    """Print a one-line warning on stderr, once per process for the same text."""
    import sys  # noqa: PLC0415

    if message not in _warned:
        _warned.add(message)
        print(f"amlb: warning: {message}", file=sys.stderr)
