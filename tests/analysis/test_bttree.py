"""Bradley-Terry trees against psychotree: committed R references, and live R when available."""
from __future__ import annotations

import json
import math
import subprocess

import numpy as np
import pandas as pd
import pytest

from amlb.analysis import bttree
from amlb.analysis.mob.fluctuation import hansen_table, log_chi2_sf, logp_suplm
from amlb.errors import UserError
from conftest import DATA, HERE
from treecompare import compare_trees

SMALL = [("small_ties", math.inf), ("small_ties", 2), ("small_task", math.inf), ("small_task", 2)]


def _tree_json(scores, meta, maxdepth, minsize=None) -> dict:
    return bttree(scores, meta, maxdepth=maxdepth, minsize=minsize).to_json()


def _small(case: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_csv(DATA / f"{case}_scores.csv"), pd.read_csv(DATA / f"{case}_meta.csv")


@pytest.mark.parametrize("case,maxdepth", SMALL)
def test_small_trees_equal_psychotree(case, maxdepth):
    scores, meta = _small(case)
    ref = json.loads((DATA / f"psychotree_{case}_d{'inf' if math.isinf(maxdepth) else maxdepth}.json").read_text())
    mine = _tree_json(scores, meta, maxdepth)
    result = compare_trees(mine, ref)
    assert result["problems"] == [] and result["noise"] == []
    assert len(mine["nodes"]) == len(ref["nodes"]) and result["compared"] == len(ref["nodes"])


def test_categorical_split_and_json_fields():
    scores, meta = _small("small_ties")
    tree = bttree(scores, meta)
    out = tree.to_json()
    root = out["nodes"][0]
    assert root["split"] == {"variable": "domain", "left_levels": ["text"], "right_levels": ["bio", "finance", "vision"]}
    assert out["frameworks"] == sorted(out["frameworks"]) and out["subject"] == "task_fold"
    assert out["n_subjects"] == 190 and out["n_dropped"] == 10  # two tasks lack missing_ratio
    for node in out["nodes"]:
        assert set(node) >= {"id", "depth", "n", "terminal", "split", "p_value", "worth"}
        if node["terminal"]:
            assert node["split"] is None and sum(node["worth"].values()) == pytest.approx(1.0)
        else:
            assert node["worth"] is None and 0 <= node["p_value"] <= 0.05
    assert [n["id"] for n in out["nodes"]] == list(range(1, len(out["nodes"]) + 1))
    text = tree.to_text()
    assert "[1] root" in text and "domain in {text}" in text and "n_rows <= 16635" in text
    assert json.loads(json.dumps(out, allow_nan=False)) == out


AMLB_REFS = ["all_d3_m50", "all_default", "all_default_openblas", "nomaxnominal_d3_m50", "nomaxnominal_default",
             "nomaxnominal_default_openblas"]


@pytest.fixture(scope="module")
def amlb_tree_inputs(amlb_dir):
    from make_bttree_reference import amlb_inputs

    return amlb_inputs(amlb_dir.parents[1])


@pytest.mark.parametrize("name", AMLB_REFS)
def test_amlb_trees_equal_psychotree(amlb_tree_inputs, name):
    """AMLB 2021Q3, 1h8c_gp3, classification, task x fold, failures imputed: psychotree's tree.

    With maxdepth=3/minsize=50 every node is compared. With psychotree's defaults the
    tree reaches nodes without any tie (or with a framework that never loses): their BT
    model has no finite estimate and psychotree's tests there run on rounding noise (its
    tree then depends on the BLAS R uses); amlb stops at such nodes. Every other node,
    and the path to each, must be identical.
    """
    case, label = name.split("_", 1)
    scores, meta = amlb_tree_inputs[case]
    maxdepth, minsize = (3, 50) if label == "d3_m50" else (math.inf, None)  # default[_openblas]
    ref = json.loads((DATA / f"psychotree_amlb2021q3_{name}.json").read_text())
    mine = _tree_json(scores, meta, maxdepth, minsize)
    result = compare_trees(mine, ref)
    assert result["problems"] == []
    if label == "d3_m50":
        assert result["noise"] == [] and len(mine["nodes"]) == len(ref["nodes"]) == 7
    else:
        assert result["compared"] >= 30 and result["noise"]


@pytest.mark.parametrize("case", ["all", "nomaxnominal"])
def test_psychotree_default_tree_depends_on_blas(amlb_tree_inputs, case):
    """psychotree's default tree differs between R on reference BLAS and on OpenBLAS (rounding
    noise in tie-less nodes), while both agree with amlb on every node determined by the data."""
    scores, meta = amlb_tree_inputs[case]
    mine = _tree_json(scores, meta, math.inf)
    refs = [json.loads((DATA / f"psychotree_amlb2021q3_{case}_default{tag}.json").read_text()) for tag in ("", "_openblas")]
    assert len(refs[0]["nodes"]) != len(refs[1]["nodes"])
    results = [compare_trees(mine, ref) for ref in refs]
    assert all(r["problems"] == [] for r in results)
    assert results[0]["compared"] == results[1]["compared"] == sum(1 for n in mine["nodes"] if not n["note"]
                                                                   or not n["note"].startswith("no finite"))


def test_task_subjects_average_the_folds():
    scores, meta = _small("small_ties")
    by_task = bttree(scores, meta, subject="task").to_json()
    averaged = scores.groupby(["task", "framework"], as_index=False)["score"].mean()
    assert bttree(averaged, meta).to_json() == by_task
    assert by_task["subject"] == "task" and by_task["nodes"][0]["n"] == 38


def test_log_chi2_tail_matches_r():
    # R: pchisq(c(10, 1000, 2000, 5000), 12, lower.tail = FALSE, log.p = TRUE)
    expected = [-0.48457218951277015, -473.70442123791951872, -970.24370784624090902, -2465.66526048839477880]
    np.testing.assert_allclose(log_chi2_sf(np.array([10, 1000, 2000, 5000.0]), 12), expected, rtol=1e-13)


def test_hansen_table_is_packaged():
    table = hansen_table()
    assert table.shape == (1000, 3)
    assert table[0].tolist() == [-0.0648467, 0.99671156, 1.2573241]
    assert logp_suplm(0.0, 5, 9.0) == 0.0  # tau = 0.25: p = 1 at a zero statistic


def test_bad_inputs():
    scores, meta = _small("small_ties")
    with pytest.raises(UserError, match="task column"):
        bttree(scores, meta.drop(columns="task"))
    with pytest.raises(UserError, match="no subject has all meta-features"):
        bttree(scores, meta.assign(task=meta["task"] + "x"))
    with pytest.raises(UserError, match="minsize"):
        bttree(scores, meta, minsize=0)


def test_live_psychotree_small(r_psychotree, tmp_path):
    out = tmp_path / "ref.json"
    subprocess.run(["Rscript", str(HERE / "psychotree_reference.R"), str(DATA / "small_ties_scores.csv"),
                    str(DATA / "small_ties_meta.csv"), "Inf", "10", "0.05", str(out)], check=True)
    scores, meta = _small("small_ties")
    result = compare_trees(_tree_json(scores, meta, math.inf, 10), json.loads(out.read_text()))
    assert result["problems"] == [] and result["noise"] == [] and result["compared"] >= 3


def test_live_psychotree_amlb(r_psychotree, amlb_tree_inputs, tmp_path):
    scores, meta = amlb_tree_inputs["nomaxnominal"]
    scores.to_csv(tmp_path / "scores.csv", index=False)
    meta.to_csv(tmp_path / "meta.csv", index=False)
    out = tmp_path / "ref.json"
    subprocess.run(["Rscript", str(HERE / "psychotree_reference.R"), str(tmp_path / "scores.csv"),
                    str(tmp_path / "meta.csv"), "3", "100", "0.05", str(out)], check=True)
    result = compare_trees(_tree_json(scores, meta, 3, 100), json.loads(out.read_text()))
    assert result["problems"] == [] and result["noise"] == [] and result["compared"] >= 3


def _synthetic(k: int, ties: bool, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """60 tasks, k frameworks, an effect of a numeric and of a categorical meta-feature."""
    rng = np.random.default_rng(seed)
    tasks = [f"t{i}" for i in range(60)]
    x = rng.uniform(0, 1, 60)
    g = rng.choice(list("abcde"), 60)
    rows = []
    for t, task in enumerate(tasks):
        for f in range(k):
            s = f * 0.02 + 0.08 * (f == 0 and x[t] > 0.5) + 0.05 * (f == 1 and g[t] in "ab") + rng.normal(0, 0.03)
            rows.append((task, f"fw{f}", round(s, 2) if ties else s))
    return pd.DataFrame(rows, columns=["task", "framework", "score"]), pd.DataFrame({"task": tasks, "x": x, "g": g})


@pytest.mark.parametrize("k,ties", [(2, False), (2, True), (3, False), (3, True), (8, True)])
def test_live_psychotree_synthetic(r_psychotree, tmp_path, k, ties):
    scores, meta = _synthetic(k, ties, seed=k)
    scores.to_csv(tmp_path / "s.csv", index=False)
    meta.to_csv(tmp_path / "m.csv", index=False)
    out = tmp_path / "ref.json"
    subprocess.run(["Rscript", str(HERE / "psychotree_reference.R"), str(tmp_path / "s.csv"), str(tmp_path / "m.csv"),
                    "Inf", "10", "0.05", str(out)], check=True)
    ref = json.loads(out.read_text())
    result = compare_trees(_tree_json(pd.read_csv(tmp_path / "s.csv"), pd.read_csv(tmp_path / "m.csv"), math.inf, 10), ref)
    assert result["problems"] == [] and result["compared"] == len(ref["nodes"])


def test_untested_nodes_are_marked_in_the_text(amlb_tree_inputs):
    """Leaves left untested for want of a finite estimate carry '*' and the text says why."""
    scores, meta = amlb_tree_inputs["all"]
    tree = bttree(scores, meta)
    noted = [n for n in tree.nodes if n.note]  # no finite estimate, or tests that failed to compute
    assert any(n.note.startswith("no finite estimate") for n in noted) and all(n.terminal for n in noted)
    text = tree.to_text()
    marked = [line for line in text.splitlines() if line.endswith(" *")]
    assert {int(line.split("[", 1)[1].split("]")[0]) for line in marked} == {n.id for n in noted}
    for n in noted:
        if not n.note.startswith("no finite estimate"):
            assert f"* node {n.id} not tested: {n.note}" in text
    assert "* not tested: the node's Bradley-Terry model has no finite estimate" in text
    assert "changes with the BLAS library" in text
