"""`amlb bttree` and `amlb analyze` as a user runs them."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from amlb_cli import amlb
from conftest import DATA
from treecompare import compare_trees


def test_bttree_cli_matches_psychotree(tmp_path):
    out = tmp_path / "tree.json"
    proc = amlb("bttree", DATA / "small_ties_scores.csv", "--meta", DATA / "small_ties_meta.csv", "--json", out)
    assert proc.returncode == 0, proc.stderr
    assert "[1] root (n = 190" in proc.stdout and "domain in {text}" in proc.stdout
    assert "10 subject(s) of 2 task(s) left out" in proc.stderr
    tree = json.loads(out.read_text())
    ref = json.loads((DATA / "psychotree_small_ties_dinf.json").read_text())
    result = compare_trees(tree, ref)
    assert result["problems"] == [] and result["compared"] == len(ref["nodes"])


def test_bttree_cli_options_and_errors(tmp_path):
    proc = amlb("bttree", DATA / "small_ties_scores.csv", "--meta", DATA / "small_ties_meta.csv",
                "--maxdepth", "2", "--minsize", "30", "--alpha", "0.01")
    assert proc.returncode == 0 and proc.stdout.count("[") == 3
    proc = amlb("bttree", tmp_path / "missing.csv", "--meta", DATA / "small_ties_meta.csv")
    assert proc.returncode == 2 and proc.stderr.startswith("amlb: error: scores file not found")
    bad = tmp_path / "bad.csv"
    bad.write_text("task,model,value\na,b,1\n")
    proc = amlb("bttree", bad, "--meta", DATA / "small_ties_meta.csv")
    assert proc.returncode == 2 and "lacks column(s) framework, score" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_analyze_amlb(amlb_dir, tmp_path):
    proc = amlb("analyze", amlb_dir / "classification.csv", "--constraint", "1h8c_gp3", "--meta",
                amlb_dir / "dataset_metadata.csv", "-o", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("constraint 1h8c_gp3, 71 tasks")
    assert "AutoGluon_benchmark" in lines[2] and "[1] root (n = 710" in proc.stdout
    board = pd.read_csv(tmp_path / "out" / "leaderboard.csv")
    assert board["framework"].iloc[0] == "AutoGluon_benchmark"
    proc = amlb("analyze", amlb_dir / "classification.csv", "-o", tmp_path / "x")
    assert proc.returncode == 2 and "several constraints" in proc.stderr


def test_analyze_a_constraint_that_lacks_the_constant_predictor(amlb_dir, tmp_path):
    """AMLB's 4h8c_gp3 rows have no constantpredictor: it comes from 4h8c, and the output says so."""
    proc = amlb("analyze", amlb_dir / "classification.csv", "--constraint", "4h8c_gp3", "--no-tree",
                "-o", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert "binary: no constantpredictor results under 4h8c_gp3; using those of 4h8c" in proc.stdout
    summary = json.loads((tmp_path / "out" / "analysis.json").read_text())
    assert summary["constant_predictor_from"] == {"binary": "4h8c", "multiclass": "4h8c"}
    scores = pd.read_csv(tmp_path / "out" / "scores.csv")
    constant = scores[scores["framework"] == "constantpredictor"].groupby("task")["score"].mean()
    assert len(constant) == 71 and constant.abs().max() < 1e-9  # the 0 of every task's scale
    assert scores["score"].notna().mean() > 0.95


def test_analyze_our_results_directory(our_run, tmp_path):
    proc = amlb("analyze", our_run, "-o", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out"
    board = pd.read_csv(out / "leaderboard.csv").set_index("framework")
    assert board.loc["flaml", "failures"] == 1 and board.loc["flaml", "imputed_pct"] == pytest.approx(100 / 24)
    assert board.loc["autogluon", "energy_kwh_per_job"] == pytest.approx(1e-4 * 3.4)
    assert board.loc["autogluon", "median_infer_s_per_1k_rows"] == pytest.approx(1e-5 * 1.8 * 1000)
    energy = pd.read_csv(out / "pareto_energy.csv")
    assert energy["on_front"].any()
    failures = pd.read_csv(out / "failures.csv")
    assert failures.to_dict("records") == [{"framework": "flaml", "status": "memory_limit", "jobs": 1, "example": "MemoryError"}]
    budget = pd.read_csv(out / "budget_compliance.csv").set_index("framework")
    assert budget.loc["flaml", "jobs"] == 24 and budget.loc["flaml", "job_within"] == 23
    assert budget.loc["flaml", "max_overrun_s"] == pytest.approx(10.0)  # the failed job: 30 s on a 20 s budget
    assert budget.loc["autogluon", "job_within"] == 24 and budget.loc["autogluon", "max_overrun_s"] == pytest.approx(-5.0)
    tree = json.loads((out / "bttree.json").read_text())
    assert tree["variables"] == ["n_rows", "n_features"] and tree["n_subjects"] == 24
