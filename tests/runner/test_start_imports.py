"""The runner starts the first framework's workers before it imports the data stack.

Everything a run imports up to the worker launch (the CLI, config, framework definitions,
environments, the executor, prestart) must leave NumPy, pandas, SciPy, scikit-learn, rich
and the metering libraries out: those load while the workers start (issue 18: a run's
fixed cost).
"""
from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

START_PATH = ["amlb.cli", "amlb.cli.run", "amlb.config", "amlb.definitions", "amlb.amlb_flags", "amlb.runner",
              "amlb.environments", "amlb.environments.venv", "amlb.environments.pythons", "amlb.execution.local",
              "amlb.execution.sandbox", "amlb.prestart", "amlb.job_settings", "amlb.benchmark_file", "amlb.metrics"]
HEAVY = ["numpy", "pandas", "pyarrow", "scipy", "sklearn", "rich", "codecarbon", "matplotlib", "distributed"]


def test_the_start_path_imports_no_data_stack():
    code = (f"import importlib, json, sys\nfor m in {START_PATH!r}: importlib.import_module(m)\n"
            f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_the_run_body_does_import_it():
    """The check above can fail: the module run after the workers start pulls the data stack in."""
    code = "import json, sys, amlb.run_jobs, amlb.attempt\nprint(json.dumps('rich' in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) is True
