"""Data files of a non-editable install (``pip install .``), computed from the tree.

Everything else is in pyproject.toml. The YAML definitions and every adapter folder under
``frameworks/`` go to ``<prefix>/share/amlb/`` (where :mod:`amlb.resources` finds them), so a new
adapter is one new folder and nothing else.
"""
from pathlib import Path

from setuptools import setup

ROOT = Path(__file__).resolve().parent


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in folder.iterdir()
                  if p.is_file() and p.suffix != ".pyc" and not p.name.startswith("."))


def data_files() -> list[tuple[str, list[str]]]:
    entries = [("share/amlb/resources", _files(ROOT / "resources")),
               ("share/amlb/resources/benchmarks", _files(ROOT / "resources" / "benchmarks")),
               ("share/amlb/resources/templates/adapter", _files(ROOT / "resources" / "templates" / "adapter"))]
    for adapter in sorted(p for p in (ROOT / "frameworks").iterdir() if p.is_dir() and p.name != "__pycache__"):
        entries.append((f"share/amlb/frameworks/{adapter.name}", _files(adapter)))
    return entries


setup(data_files=data_files())
