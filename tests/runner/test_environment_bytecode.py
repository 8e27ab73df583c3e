"""A framework environment holds compiled modules: its worker, which runs as an unprivileged user
that cannot write ``__pycache__``, must not recompile pandas (or the framework) at every start."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, cache_dir, scratch_cwd

pytestmark = pytest.mark.slow


def setup_only(envs: Path, out: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, str(ROOT / "runbenchmark.py"), "constantpredictor", "example", "-t", "iris", "-f", "0",
           "-s", "only", "-o", str(out), "-X", f"environments.dir={envs}", "-X", f"data.cache_dir={cache_dir() / 'data'}"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=scratch_cwd(), check=False)


def cached_module(env: Path, module: str) -> Path:
    """Where the environment's interpreter looks for ``module``'s bytecode."""
    code = f"import importlib.util, {module}; print(importlib.util.cache_from_source({module}.__file__))"
    out = subprocess.run([str(env / "bin" / "python"), "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONDONTWRITEBYTECODE": "1", "PATH": "/usr/bin:/bin"})
    return Path(out.stdout.strip())


def test_an_environment_is_compiled_at_install_and_an_old_one_at_its_next_use(tmp_path):
    envs = tmp_path / "envs"
    first = setup_only(envs, tmp_path / "first")
    assert first.returncode == 0, first.stderr[-3000:]
    (env,) = [p for p in envs.iterdir() if p.is_dir()]
    manifest_path = env / ".amlb-complete.json"
    manifest = json.loads(manifest_path.read_text())
    assert manifest["bytecode"] is True
    for module in ("pandas", "numpy", "pyarrow"):
        assert cached_module(env, module).is_file(), module

    # an environment built before install-time compilation: no bytecode, no marker in its manifest
    del manifest["bytecode"]
    manifest_path.write_text(json.dumps(manifest))
    pandas_pyc = cached_module(env, "pandas")
    shutil.rmtree(pandas_pyc.parent)
    assert not pandas_pyc.exists()
    second = setup_only(envs, tmp_path / "second")
    assert second.returncode == 0, second.stderr[-3000:]
    again = json.loads(manifest_path.read_text())
    assert again["bytecode"] is True and again["built"] == manifest["built"]  # compiled, not rebuilt
    assert pandas_pyc.is_file()
