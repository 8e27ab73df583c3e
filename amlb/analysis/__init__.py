"""Analysis of benchmark results: import, normalised scores, ranks, statistical tests,
Bradley-Terry models and trees, Pareto fronts, the leaderboard.

Typical use::

    df = load_results(["results.csv"])
    scores = normalized_scores(df[df.constraint == "1h8c_gp3"])
    cd = friedman_nemenyi(scores)
    tree = bttree(scores, load_meta("dataset_metadata.csv"))
"""
from __future__ import annotations

from amlb.analysis.btmodel import BTResult, bt_model
from amlb.analysis.mob import BTNode, BTTree, bttree
from amlb.analysis.leaderboard import Leaderboard, compute_leaderboard, job_costs, leaderboard
from amlb.analysis.load import join_meta, load_meta, load_results, meta_from_results
from amlb.analysis.normalize import BASELINES, CONSTANT_PREDICTOR, imputed_share, job_grid, normalized_scores
from amlb.analysis.pareto import pareto_front
from amlb.analysis.ranking import CDResult, friedman_nemenyi, ranks
from amlb.analysis.taskset import TaskSet, common_tasks
from amlb.analysis.uncertainty import bootstrap_means, win_rates

__all__ = [
    "BASELINES", "BTNode", "BTResult", "BTTree", "CDResult", "CONSTANT_PREDICTOR", "Leaderboard", "TaskSet",
    "bootstrap_means", "bt_model", "bttree", "common_tasks", "compute_leaderboard", "win_rates",
    "friedman_nemenyi", "imputed_share", "job_costs", "job_grid", "join_meta", "leaderboard", "load_meta",
    "load_results", "meta_from_results", "normalized_scores", "pareto_front", "ranks",
]
