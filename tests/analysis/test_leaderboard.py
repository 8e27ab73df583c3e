"""The leaderboard and the analysis written for the site."""
from __future__ import annotations

import json

import numpy as np
import pytest

from amlb.analysis import leaderboard, load_meta
from amlb.analysis.leaderboard import LEADERBOARD_COLUMNS
from amlb.analysis.report import AnalysisOptions, write_analysis
from amlb.errors import UserError


def test_leaderboard_amlb(amlb_results, amlb_dir):
    meta = load_meta(amlb_dir / "dataset_metadata.csv")
    lb = leaderboard(amlb_results, constraint="1h8c_gp3", type="binary,multiclass", meta=meta)
    assert tuple(lb.columns) == LEADERBOARD_COLUMNS
    assert len(lb) == 13 and lb["framework"].iloc[-1] == "constantpredictor"
    assert lb["mean_rank"].is_monotonic_increasing
    assert lb["bt_worth"].sum() == pytest.approx(1.0)
    row = lb.set_index("framework").loc["mljarsupervised_benchmark"]
    # 80 jobs failed and one is missing (a fold of a task it ran): all 81 imputed
    assert row["failures"] == 80 and row["missing"] == 1 and row["imputed_pct"] == pytest.approx(81 / 710 * 100)
    assert lb["median_train_s_per_1k_rows"].notna().all()
    assert lb["energy_kwh_per_job"].isna().all()  # AMLB rows carry no energy
    with pytest.raises(UserError, match="several constraints"):
        leaderboard(amlb_results)


def test_write_analysis(amlb_results, amlb_dir, tmp_path):
    meta = load_meta(amlb_dir / "dataset_metadata.csv")
    opts = AnalysisOptions(constraint="1h8c_gp3", type="regression", tree_maxdepth=2)
    summary = write_analysis(amlb_results, tmp_path, opts, meta=meta)
    for name in summary["outputs"]:
        assert (tmp_path / name).is_file(), name
    cd = json.loads((tmp_path / "cd.json").read_text())
    assert cd["k"] == 12 and cd["n_tasks"] == 33 and cd["cd"] > 0
    tree = json.loads((tmp_path / "bttree.json").read_text())
    assert tree["nodes"][0]["n"] == 330 and "constantpredictor" not in tree["frameworks"]
    assert np.isclose(sum(json.loads((tmp_path / "bt.json").read_text())["worth"].values()), 1.0)
