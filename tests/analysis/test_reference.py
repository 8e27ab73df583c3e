"""The leaderboard against references computed independently here: scipy for Friedman,
plain pandas for ranks and normalised scores, hand-checked Bradley-Terry worths.

The synthetic results hold the cases that broke the analysis before: a task whose
reference baseline is worse than the constant predictor, a task no framework beats the
constant predictor on, a framework that failed every fold of a task, a partial run, and a
run of just the constant predictor and a random forest.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from amlb.analysis import bt_model, win_rates
from amlb.analysis.baselines import borrow_constant_predictor
from amlb.analysis.leaderboard import compute_leaderboard

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = ("constantpredictor", "A", "B", "C", "TunedRandomForest")
TASKS = [f"t{i}" for i in range(8)]
FOLDS = 3


def amlb(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "amlb", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def synthetic_results() -> pd.DataFrame:
    """AMLB-format rows (auc, higher is better); t2: C fails every fold; t5: TunedRandomForest
    far below the constant predictor; t6: nobody beats the constant predictor."""
    rng = np.random.default_rng(7)
    skill = {"constantpredictor": 0.0, "A": 0.8, "B": 0.6, "C": 0.7, "TunedRandomForest": 0.5}
    rows = []
    for task in TASKS:
        for fold in range(FOLDS):
            for fw in FRAMEWORKS:
                result = 0.5 if fw == "constantpredictor" else 0.5 + 0.4 * skill[fw] + rng.normal(0, 0.05)
                if task == "t5" and fw == "TunedRandomForest":
                    result = 0.2 + rng.normal(0, 0.01)
                if task == "t6" and fw != "constantpredictor":
                    result = 0.45 - 0.1 * skill[fw] + rng.normal(0, 0.01)
                failed = task == "t2" and fw == "C"
                rows.append({"id": f"openml.org/t/{task}", "task": task, "framework": fw, "constraint": "test",
                             "fold": fold, "type": "binary", "result": None if failed else result, "metric": "auc",
                             "info": "MemoryError: out of memory" if failed else ""})
    return pd.DataFrame(rows)


def direct_tables(df: pd.DataFrame, impute: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fold-mean raw results and fold-mean normalised scores (task x framework), by hand."""
    wide = df.pivot_table(index=["task", "fold"], columns="framework", values="result", dropna=False)
    if impute:
        wide = wide.apply(lambda col: col.fillna(wide["constantpredictor"]))
    best, worst, cp = wide.max(axis=1), wide.min(axis=1), wide["constantpredictor"]
    floor = cp.where(best > cp, worst)
    span = best - floor
    norm = wide.sub(floor, axis=0).div(span.where(span > 0), axis=0).clip(0, 1)
    norm = norm.where(~(span <= 0), 1.0).where(wide.notna())
    return wide.groupby(level="task").mean(), norm.groupby(level="task").mean()


@pytest.fixture(scope="module")
def results_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("synthetic") / "results.csv"
    synthetic_results().to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def analysed(results_csv) -> tuple[subprocess.CompletedProcess, Path]:
    out = results_csv.parent / "out"
    return amlb("analyze", results_csv, "--no-tree", "-o", out), out


def test_mean_ranks_and_scores_equal_the_direct_computation(analysed):
    proc, out = analysed
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no raw Python warnings
    raw, norm = direct_tables(synthetic_results(), impute=True)
    expected_rank = raw.rank(axis=1, ascending=False).mean()
    board = pd.read_csv(out / "leaderboard.csv").set_index("framework")
    np.testing.assert_allclose(board["mean_rank"], expected_rank.reindex(board.index), rtol=0, atol=1e-12)
    np.testing.assert_allclose(board["mean_norm_score"], norm.mean().reindex(board.index), rtol=0, atol=1e-12)
    assert board["mean_norm_score"].between(0, 1).all()
    assert (board["rank_ci_low"] <= board["mean_rank"]).all() and (board["mean_rank"] <= board["rank_ci_high"]).all()
    assert board.loc["C", "failures"] == FOLDS and board.loc["C", "missing"] == 0
    cd = json.loads((out / "cd.json").read_text())
    expected = stats.friedmanchisquare(*[raw[c].to_numpy() for c in sorted(raw.columns)])
    assert cd["statistic"] == pytest.approx(expected.statistic, rel=1e-12) and cd["n_tasks"] == len(TASKS)
    assert cd["mean_ranks"] == pytest.approx(expected_rank.to_dict(), abs=1e-12)


def test_reference_worse_than_the_floor_ranks_below_it_and_is_flagged(analysed):
    proc, out = analysed
    ranks = pd.read_csv(out / "ranks.csv")
    t5 = ranks[ranks["task"] == "t5"].set_index("framework")["rank"]
    assert t5["TunedRandomForest"] == 5 and t5["constantpredictor"] == 4  # as its raw results say
    scale = pd.read_csv(out / "task_scale.csv", keep_default_na=False).set_index("task")
    assert scale.loc["t5", "clipped"] == f"TunedRandomForest ({FOLDS} of {FOLDS} folds)"
    assert scale.loc["t6", "flag"].startswith("no framework beats the constant predictor")
    assert "t5: TunedRandomForest (3 of 3 folds): worse than the constant predictor (score 0)" in proc.stdout
    assert "t6: no framework beats the constant predictor" in proc.stdout
    scores = pd.read_csv(out / "scores.csv")
    assert scores["score"].between(0, 1).all()


def test_no_imputation_gives_one_task_set_and_lists_what_it_left_out(results_csv, tmp_path):
    proc = amlb("analyze", results_csv, "--impute", "none", "--no-tree", "-o", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == (
        "constraint test, 7 tasks (binary), 1 left out (1 where a framework has no result on any fold); "
        "failures not imputed")
    assert "  t2: no result on any fold for C" in proc.stdout
    left_out = pd.read_csv(tmp_path / "tasks_left_out.csv")
    assert left_out.to_dict("records") == [{"task": "t2", "reason": "no result on any fold for C"}]
    df = synthetic_results()
    raw, norm = direct_tables(df[df["task"] != "t2"], impute=False)
    board = pd.read_csv(tmp_path / "leaderboard.csv").set_index("framework")
    np.testing.assert_allclose(board["mean_rank"], raw.rank(axis=1, ascending=False).mean().reindex(board.index),
                               atol=1e-12)
    np.testing.assert_allclose(board["mean_norm_score"], norm.mean().reindex(board.index), atol=1e-12)
    cd = json.loads((tmp_path / "cd.json").read_text())
    assert cd["n_tasks"] == 7 and cd["dropped_tasks"] == []
    assert json.loads((tmp_path / "bt.json").read_text())["n_subjects"] == 7
    assert cd["mean_ranks"] == pytest.approx(board["mean_rank"].to_dict(), abs=1e-12)


def test_partial_run_beside_a_full_run(results_csv, tmp_path):
    """A framework run on 2 tasks: the other tasks are left out as not run, not counted as failures."""
    partial = synthetic_results()
    partial = partial[(partial["framework"] == "A") & partial["task"].isin(["t0", "t1"])].assign(framework="D")
    (tmp_path / "d").mkdir()
    partial.to_csv(tmp_path / "d" / "results.csv", index=False)
    proc = amlb("analyze", results_csv, tmp_path / "d", "--no-tree", "-o", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("constraint test, 2 tasks (binary), 6 left out (6 not run by every framework)")
    board = pd.read_csv(tmp_path / "out" / "leaderboard.csv").set_index("framework")
    assert board.loc["D", "failures"] == 0 and board.loc["D", "imputed_pct"] == 0
    left_out = pd.read_csv(tmp_path / "out" / "tasks_left_out.csv")
    assert set(left_out["task"]) == set(TASKS) - {"t0", "t1"} and set(left_out["reason"]) == {"not run by D"}


def test_a_run_of_two_frameworks_is_analysed(tmp_path):
    """The quick start's run: the constant predictor and a random forest, nothing else."""
    df = synthetic_results()
    df = df[df["framework"].isin(["constantpredictor", "A"])].assign(
        framework=lambda d: d["framework"].replace({"A": "RandomForest"}), constraint="example")
    df.to_csv(tmp_path / "results.csv", index=False)
    meta = pd.DataFrame({"task": TASKS, "n_rows": np.arange(len(TASKS)) * 100.0 + 50})
    meta.to_csv(tmp_path / "meta.csv", index=False)
    proc = amlb("analyze", tmp_path / "results.csv", "--meta", tmp_path / "meta.csv", "-o", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert "note: Bradley-Terry tree skipped: it needs two frameworks besides the constant predictor" in proc.stdout
    assert "-0.000" not in proc.stdout and "e-1" not in proc.stdout
    board = pd.read_csv(tmp_path / "out" / "leaderboard.csv").set_index("framework")
    # 0 on every task but t6, where it is the best (1): nobody beats it there
    assert board.loc["constantpredictor", "mean_norm_score"] == pytest.approx(1 / len(TASKS), abs=1e-15)
    # the same results under a constraint they do not hold: the file is named, not silently dropped
    other = synthetic_results()
    other.to_csv(tmp_path / "other.csv", index=False)
    proc = amlb("analyze", tmp_path / "results.csv", tmp_path / "other.csv", "--constraint", "test", "--no-tree",
                "-o", tmp_path / "out2")
    assert proc.returncode == 0, proc.stderr
    assert f"note: {tmp_path / 'results.csv'} has no results under constraint test (it holds example): left out" \
        in proc.stdout


def test_bttree_on_results_is_analyze_tree(results_csv, tmp_path):
    rng = np.random.default_rng(2)
    meta = pd.DataFrame({"task": TASKS, "n_rows": rng.integers(100, 10_000, len(TASKS)).astype(float),
                         "domain": ["a", "b"] * (len(TASKS) // 2)})
    meta.to_csv(tmp_path / "meta.csv", index=False)
    proc = amlb("analyze", results_csv, "--meta", tmp_path / "meta.csv", "-o", tmp_path / "out", "--maxdepth", "inf")
    assert proc.returncode == 0, proc.stderr
    proc = amlb("bttree", results_csv, "--meta", tmp_path / "meta.csv", "--json", tmp_path / "tree.json")
    assert proc.returncode == 0, proc.stderr
    mine = json.loads((tmp_path / "tree.json").read_text())
    theirs = json.loads((tmp_path / "out" / "bttree.json").read_text())
    theirs.pop("meta_features_left_out")
    assert mine == theirs and mine["n_subjects"] == len(TASKS) * FOLDS
    assert "constantpredictor" not in mine["frameworks"]
    help_text = amlb("bttree", "--help").stdout
    assert "no finite estimate" in " ".join(help_text.split()) and "results.csv" in help_text


def test_bradley_terry_hand_checked():
    """Two frameworks, A wins 3 of 4 tasks, no ties: the MLE worth of A is 3/4. A cycle of
    three (each beats one, loses to one) gives each 1/3."""
    two = pd.DataFrame({"task": [f"t{i}" for i in range(4) for _ in range(2)], "framework": ["A", "B"] * 4,
                        "score": [1, 0, 1, 0, 1, 0, 0, 1]})
    res = bt_model(two)
    assert res.worth["A"] == pytest.approx(0.75, abs=1e-9) and np.isnan(res.tie_param)
    cycle = pd.DataFrame({"task": ["t1"] * 3 + ["t2"] * 3 + ["t3"] * 3, "framework": ["A", "B", "C"] * 3,
                          "score": [3, 2, 1, 1, 3, 2, 2, 1, 3]})
    np.testing.assert_allclose(bt_model(cycle).worth.to_numpy(), [1 / 3] * 3, atol=1e-9)


def test_win_rates_and_bootstrap_are_direct_and_reproducible():
    values = pd.DataFrame({"A": [3.0, 1.0, 2.0, 2.0], "B": [1.0, 2.0, 2.0, 0.0]})
    wr = win_rates(values, n_boot=200, seed=1).set_index(["framework", "opponent"])
    assert wr.loc[("A", "B"), "win_rate"] == pytest.approx((1 + 0 + 0.5 + 1) / 4)
    assert wr.loc[("B", "A"), "win_rate"] == pytest.approx(1 - 2.5 / 4)
    assert wr.loc[("A", "B"), "ci_low"] <= 0.625 <= wr.loc[("A", "B"), "ci_high"]
    pd.testing.assert_frame_equal(wr.reset_index(), win_rates(values, n_boot=200, seed=1))


def test_amlb_mean_ranks_equal_the_direct_computation(amlb_clf_1h):
    """AMLB 2021Q3 1h8c_gp3: ranks of raw fold-mean results, failures imputed by the constant
    predictor (on helena TunedRandomForest ranks below it, as its raw results say)."""
    lb = compute_leaderboard(amlb_clf_1h, n_boot=50)
    wide = amlb_clf_1h.pivot_table(index=["task", "fold"], columns="framework", values="result", dropna=False)
    cells = amlb_clf_1h[["task", "fold"]].drop_duplicates()
    wide = wide.reindex(pd.MultiIndex.from_frame(cells))
    wide = wide.apply(lambda col: col.fillna(wide["constantpredictor"]))
    ranks = wide.groupby(level="task").mean().rank(axis=1, ascending=False)
    board = lb.board.set_index("framework")
    np.testing.assert_allclose(board["mean_rank"], ranks.mean().reindex(board.index), atol=1e-12)
    assert ranks.loc["helena", "TunedRandomForest"] > ranks.loc["helena", "constantpredictor"]
    assert board["mean_rank"].idxmin() == "AutoGluon_benchmark"


def test_amlb_mean_normalised_scores_are_sane_on_every_constraint(amlb_results):
    with_cp, _ = borrow_constant_predictor(amlb_results)
    checked = 0
    for (constraint, type_), part in with_cp.groupby(["constraint", "type"]):
        if part["framework"].nunique() < 2:
            continue
        board = compute_leaderboard(part, n_boot=20).board
        assert board["mean_norm_score"].between(0, 1).all(), (constraint, type_)
        checked += 1
    assert checked == 6
