"""``-s only`` installs environments and leaves the output folder free for the run that follows."""
from __future__ import annotations

import pandas as pd

from tests.conftest import run_cli


def test_setup_only_claims_no_output_folder_and_a_run_there_follows(tmp_path):
    out = tmp_path / "new" / "run"
    setup = run_cli("constantpredictor", "example", "-t", "iris", "-f", "0", "-s", "only", "-o", str(out))
    assert setup.returncode == 0, setup.stderr[-3000:]
    assert not (out / "results.db").exists()
    assert not (tmp_path / "new").exists()  # the folders it made for nothing are gone
    run = run_cli("constantpredictor", "example", "-t", "iris", "-f", "0", "-o", str(out))
    assert run.returncode == 0, run.stderr[-3000:]
    assert list(pd.read_csv(out / "results.csv")["status"]) == ["ok"]


def test_setup_only_in_a_folder_that_exists_leaves_it_as_it_was(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    setup = run_cli("constantpredictor", "example", "-t", "iris", "-s", "only", "-o", str(out))
    assert setup.returncode == 0, setup.stderr[-3000:]
    assert list(out.iterdir()) == []
    run = run_cli("constantpredictor", "example", "-t", "iris", "-f", "0", "-o", str(out))
    assert run.returncode == 0, run.stderr[-3000:]
