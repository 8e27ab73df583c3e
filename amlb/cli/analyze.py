"""`amlb analyze`: leaderboard and analysis of results files."""
from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import pandas as pd

from amlb.cli.bttree import _depth

#: tasks listed on the terminal (the files hold them all)
LIST_AT_MOST = 10

HELP = "leaderboard and analysis (normalised scores, ranks, CD, Bradley-Terry) of results files"


def _plot_formats(text: str) -> tuple[str, ...]:
    """``png``, ``svg``, ``png,svg`` or ``none``."""
    from amlb.analysis.plots import FORMATS  # noqa: PLC0415 - no matplotlib import

    formats = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    if formats == ("none",):
        return ()
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise argparse.ArgumentTypeError(f"'{text}' is not an image format: give png, svg, png,svg or none")
    return formats


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", nargs="+", metavar="RESULTS",
                        help="results.csv files (AMLB's or amlb's) or directories containing one")
    parser.add_argument("--constraint", default=None, help="the constraint to analyse (required if several)")
    parser.add_argument("--type", default=None,
                        help="task type(s): binary, multiclass, regression (comma-separated; default: all)")
    parser.add_argument("-o", "--outdir", default="analysis", help="where to write the analysis (default: ./analysis)")
    parser.add_argument("--meta", default=None, metavar="META.csv",
                        help="task meta-features (default: the mf_* columns of the results)")
    parser.add_argument("--normalize", choices=("constant_best",), default="constant_best",
                        help="normalised score per task: 0 = constant predictor (else the worst result), "
                             "1 = best mean result, clipped to [0, 1] (default)")
    parser.add_argument("--impute", choices=("auto", "constantpredictor", "worst", "none"), default="auto",
                        help="result given to failed jobs: the constant predictor's on the same fold, the worst on "
                             "it, or none (leave out tasks where a framework has no result); default auto: the "
                             "constant predictor's where its results are there, else the worst")
    parser.add_argument("--subject", choices=("task", "task_fold"), default="task",
                        help="subjects of the Bradley-Terry model (default: task)")
    parser.add_argument("--no-tree", action="store_true", help="skip the Bradley-Terry tree")
    parser.add_argument("--maxdepth", type=_depth, default=3, help="depth of the Bradley-Terry tree (default: 3)")
    parser.add_argument("--minsize", type=int, default=None, help="minimum subjects per tree node")
    parser.add_argument("--plots", type=_plot_formats, default=("png",), metavar="FORMATS",
                        help="images of the CD diagram, BT tree, Pareto fronts and failures: png, svg, png,svg "
                             "or none (default: png; needs matplotlib: pip install 'amlb[plots]')")


def execute(args: argparse.Namespace) -> int:
    from amlb.analysis import load_meta, load_results
    from amlb.analysis.normalize import FLAG_CLIPPED
    from amlb.analysis.report import AnalysisOptions, write_analysis

    df = load_results(args.results)
    meta = load_meta(args.meta) if args.meta else None
    options = AnalysisOptions(
        constraint=args.constraint, type=args.type, method=args.normalize,
        impute=None if args.impute == "none" else args.impute, subject=args.subject, tree=not args.no_tree,
        tree_maxdepth=args.maxdepth, tree_minsize=args.minsize, files=[str(p) for p in args.results],
        plots=args.plots,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # whatever matters is in the summary's notes
        summary = write_analysis(df, args.outdir, options, meta=meta)
    lb = summary["leaderboard"]
    imputed = "failures imputed with the constant predictor's result" if summary["imputation"] == "constantpredictor" \
        else ("failures imputed with the worst result" if summary["imputation"] else "failures not imputed")
    left_out = summary["task_set"].split(", ", 1)[1] if lb.taskset.dropped else "none left out"
    n = len(lb.taskset.tasks)
    print(f"constraint {summary['constraint']}, {n} task{'s' if n != 1 else ''} ({', '.join(summary['types'])}), "
          f"{left_out}; {imputed}")
    for typ, source in sorted(summary["constant_predictor_from"].items()):
        print(f"{typ}: no constantpredictor results under {summary['constraint']}; using those of {source}")
    print(format_leaderboard(lb.board))
    print(f"mean rank: of the raw results (mean over folds) per task; norm score: {summary['normalization_text']}; "
          "95% intervals: bootstrap over tasks")
    if lb.taskset.dropped:
        print(f"\ntasks left out ({len(lb.taskset.dropped)}, in tasks_left_out.csv):")
        for task, reason in list(lb.taskset.dropped.items())[:LIST_AT_MOST]:
            print(f"  {task}: {reason}")
        if len(lb.taskset.dropped) > LIST_AT_MOST:
            print(f"  ... and {len(lb.taskset.dropped) - LIST_AT_MOST} more")
    flagged = lb.flagged
    if len(flagged):
        print(f"\ntasks with flagged scales ({len(flagged)}, in task_scale.csv):")
        for r in flagged.head(LIST_AT_MOST).itertuples():
            text = "; ".join(x for x in (r.flag, f"{r.clipped}: {FLAG_CLIPPED}" if r.clipped else "") if x)
            print(f"  {r.task}: {text}")
        if len(flagged) > LIST_AT_MOST:
            print(f"  ... and {len(flagged) - LIST_AT_MOST} more")
    cd = summary["cd"]
    if cd is not None:
        print(f"\nFriedman chi2 = {cd.statistic:.2f}, p = {cd.p_value:.3g} over {cd.n_tasks} tasks; "
              f"Nemenyi CD = {cd.cd:.2f} (alpha {cd.alpha:g})")
    for note in summary["notes"]:
        print(f"note: {note}")
    if summary["tree"] is not None:
        print()
        print(summary["tree"].to_text())
    print(f"\nwrote {len(summary['outputs'])} files to {Path(args.outdir)}")
    return 0


def _num(v: float, digits: int) -> str:
    """A number with ``digits`` decimals; no "-0.000" for a value that rounds to zero."""
    if pd.isna(v):
        return "-"
    text = f"{v:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _interval(lo: float, hi: float, digits: int) -> str:
    return "-" if pd.isna(lo) or pd.isna(hi) else f"{_num(lo, digits)}-{_num(hi, digits)}"


def format_leaderboard(board: pd.DataFrame) -> str:
    """The leaderboard as a plain text table, with 95% bootstrap intervals."""
    view = pd.DataFrame({
        "framework": board["framework"],
        "mean rank": board["mean_rank"].map(lambda v: _num(v, 2)),
        "rank 95% CI": [_interval(lo, hi, 2) for lo, hi in zip(board["rank_ci_low"], board["rank_ci_high"])],
        "norm score": board["mean_norm_score"].map(lambda v: _num(v, 3)),
        "score 95% CI": [_interval(lo, hi, 3) for lo, hi in zip(board["norm_score_ci_low"], board["norm_score_ci_high"])],
        "failed %": board["imputed_pct"].map(lambda v: _num(v, 1)),
        "BT worth": board["bt_worth"].map(lambda v: _num(v, 3)),
        "BT 95% CI": [_interval(lo, hi, 3) for lo, hi in zip(board["bt_ci_low"], board["bt_ci_high"])],
    })
    view.index = range(1, len(view) + 1)
    return view.to_string()
