"""Modules imported when first used: the runner's start path stays free of the data stack.

``np = LazyModule("numpy")`` reads like an import; numpy is imported at the first
attribute access (``np.mean``), so a module that only *defines* functions using it does
not pay for the import when nothing calls them.
"""
from __future__ import annotations

import importlib
from types import ModuleType


class LazyModule:
    """Stands for the module ``name`` and imports it at the first attribute access."""

    def __init__(self, name: str):
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str):
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name}>"
