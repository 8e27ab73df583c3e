"""A non-editable install (``pip install .``) carries the definitions and every adapter folder."""
from __future__ import annotations

import shutil
import site
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT, cache_dir

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A venv with amlb installed from a wheel of this checkout (dependencies from the test's own site)."""
    base = tmp_path_factory.mktemp("install")
    # a copy of the tree without build leftovers: pip builds in the source tree, and a stale build/
    # would put modules in the wheel that the checkout no longer has
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", "build", "*.egg-info", "__pycache__",
                                                               ".pytest_cache", ".ruff_cache", "results", "site"))
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    if sys.prefix != sys.base_prefix:
        # run from inside a venv: --system-site-packages shows the base interpreter's packages, not
        # this venv's, so point the new venv at this one's site-packages (after its own: the wheel wins)
        own = subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
        Path(own, "amlb-test-parent-site.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps",
                          str(source)], capture_output=True, text=True, check=False)
    assert pip.returncode == 0, pip.stderr[-3000:]
    return venv


def test_an_installed_amlb_finds_its_resources_and_every_adapter_outside_the_checkout(installed, tmp_path):
    python = str(installed / "bin" / "python")
    where = subprocess.run([python, "-c", "import amlb, amlb.resources as r; print(amlb.__file__); print(r.home())"],
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout.split()
    assert not where[0].startswith(str(ROOT)) and Path(where[1]) == installed / "share" / "amlb"
    listed = subprocess.run([str(installed / "bin" / "amlb"), "run", "--list-frameworks"], cwd=tmp_path,
                            capture_output=True, text=True, check=True).stdout
    adapters = {p.name for p in (ROOT / "frameworks").iterdir() if (p / "framework.yaml").is_file()}
    assert adapters <= {line.split()[0] for line in listed.splitlines() if line.strip()}
    run = subprocess.run([str(installed / "bin" / "amlb"), "run", "constantpredictor", "example", "-t", "iris", "-f",
                          "0", "-o", str(tmp_path / "out"), "-X", f"environments.dir={cache_dir() / 'envs'}",
                          "-X", f"data.cache_dir={cache_dir() / 'data'}"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    assert list(pd.read_csv(tmp_path / "out" / "results.csv").status) == ["ok"]
