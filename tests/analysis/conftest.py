"""Shared fixtures of the analysis tests: the AMLB 2021Q3 data in shared/ and R."""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
sys.path.insert(0, str(HERE))  # treecompare, make_bttree_reference


def shared_dir() -> Path:
    return Path(os.environ.get("AMLB_SHARED") or (HERE.parents[1] / ".." / "shared")).resolve()


AMLB_DIR = shared_dir() / "data" / "amlb-2021q3"


@pytest.fixture(scope="session")
def amlb_dir() -> Path:
    if not (AMLB_DIR / "classification.csv").is_file():
        pytest.skip(f"AMLB 2021Q3 data not found in {AMLB_DIR} (set AMLB_SHARED)")
    return AMLB_DIR


@pytest.fixture(scope="session")
def amlb_results(amlb_dir):
    from amlb.analysis import load_results

    return load_results([amlb_dir / "classification.csv", amlb_dir / "regression.csv"])


@pytest.fixture(scope="session")
def amlb_clf_1h(amlb_results):
    df = amlb_results
    return df[(df["constraint"] == "1h8c_gp3") & (df["type"] != "regression")]


@functools.lru_cache(maxsize=1)
def r_psychotree_available() -> bool:
    if shutil.which("Rscript") is None:
        return False
    probe = subprocess.run(["Rscript", "-e", "suppressMessages(library(psychotree)); library(jsonlite)"],
                           capture_output=True, timeout=120)
    return probe.returncode == 0


@pytest.fixture
def r_psychotree() -> None:
    if not r_psychotree_available():
        pytest.skip("Rscript with psychotree and jsonlite not available (apt-get install r-cran-psychotree)")


@pytest.fixture
def our_run(tmp_path: Path) -> Path:
    """A run directory of ours (:func:`amlb_cli.write_our_results`) to analyse."""
    from amlb_cli import write_our_results

    run = tmp_path / "run"
    run.mkdir()
    write_our_results(run)
    return run
