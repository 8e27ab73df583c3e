"""`amlb analyze`: leaderboard and analysis of results files."""
from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from amlb.cli.bttree import _depth

HELP = "leaderboard and analysis (normalised scores, ranks, CD, Bradley-Terry) of results files"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", nargs="+", metavar="RESULTS",
                        help="results.csv files (AMLB's or amlb's) or directories containing one")
    parser.add_argument("--constraint", default=None, help="the constraint to analyse (required if several)")
    parser.add_argument("--type", default=None,
                        help="task type(s): binary, multiclass, regression (comma-separated; default: all)")
    parser.add_argument("-o", "--outdir", default="analysis", help="where to write the analysis (default: ./analysis)")
    parser.add_argument("--meta", default=None, metavar="META.csv",
                        help="task meta-features (default: the mf_* columns of the results)")
    parser.add_argument("--normalize", choices=("constant_tunedrf", "rf_best"), default="constant_tunedrf",
                        help="0 = constant predictor, 1 = TunedRandomForest (default); or 0 = RandomForest, 1 = best")
    parser.add_argument("--impute", choices=("constantpredictor", "worst", "none"), default="constantpredictor",
                        help="result given to failed jobs (default: the constant predictor's on the same fold)")
    parser.add_argument("--subject", choices=("task", "task_fold"), default="task",
                        help="subjects of the Bradley-Terry model (default: task)")
    parser.add_argument("--no-tree", action="store_true", help="skip the Bradley-Terry tree")
    parser.add_argument("--maxdepth", type=_depth, default=3, help="depth of the Bradley-Terry tree (default: 3)")
    parser.add_argument("--minsize", type=int, default=None, help="minimum subjects per tree node")


def execute(args: argparse.Namespace) -> int:
    from amlb.analysis import load_meta, load_results
    from amlb.analysis.report import AnalysisOptions, write_analysis

    df = load_results(args.results)
    meta = load_meta(args.meta) if args.meta else None
    options = AnalysisOptions(
        constraint=args.constraint, type=args.type, method=args.normalize,
        impute=None if args.impute == "none" else args.impute, subject=args.subject, tree=not args.no_tree,
        tree_maxdepth=args.maxdepth, tree_minsize=args.minsize, files=[str(p) for p in args.results],
    )
    summary = write_analysis(df, args.outdir, options, meta=meta)
    board = summary["leaderboard"]
    print(f"constraint {summary['constraint']}, {summary['n_tasks']} tasks ({', '.join(summary['types'])}), "
          f"normalised {summary['normalization']}, failures imputed with {summary['imputation']}")
    for typ, source in sorted(summary["constant_predictor_from"].items()):
        print(f"{typ}: no constantpredictor results under {summary['constraint']}; using those of {source}")
    print(format_leaderboard(board))
    if summary["tree"] is not None:
        print()
        print(summary["tree"].to_text())
    print(f"\nwrote {len(summary['outputs'])} files to {Path(args.outdir)}")
    return 0


def format_leaderboard(board: pd.DataFrame) -> str:
    """The leaderboard as a plain text table."""
    view = pd.DataFrame({
        "framework": board["framework"],
        "norm score": board["mean_norm_score"].map(lambda v: f"{v:.3f}"),
        "mean rank": board["mean_rank"].map(lambda v: f"{v:.2f}"),
        "imputed %": board["imputed_pct"].map(lambda v: f"{v:.1f}"),
        "BT worth": board["bt_worth"].map(lambda v: f"{v:.3f}"),
        "BT 95% CI": [f"{lo:.3f}-{hi:.3f}" for lo, hi in zip(board["bt_ci_low"], board["bt_ci_high"])],
    })
    view.index = range(1, len(view) + 1)
    return view.to_string()
