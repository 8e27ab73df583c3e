"""`amlb bttree`: Bradley-Terry tree of frameworks by task meta-features (psychotree's)."""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import pandas as pd

from amlb.errors import UserError

HELP = "Bradley-Terry tree of frameworks by task meta-features (as R's psychotree::bttree)"


def _depth(text: str) -> float:
    if text.strip().lower() in ("inf", "infinity", "none"):
        return math.inf
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("maxdepth must be at least 1")
    return value


DESCRIPTION = """\
Fit a Bradley-Terry tree: frameworks compared per task (or task x fold), the tasks split
by their meta-features where the frameworks' worths differ (psychotree's algorithm).

SCORES is either results (results.csv files or run directories, as for `amlb analyze`:
the tree then uses exactly the tasks, constraint, imputation and frameworks of
`amlb analyze`'s tree, i.e. raw results without the constant predictor, meta-features
from --meta or the results' mf_* columns), or one long scores CSV (task, [fold,]
framework, score; higher is better). `amlb analyze`'s scores.csv holds normalised
scores (clipped, with the constant predictor): pass the results to get its tree.

One deliberate difference from psychotree: a node whose Bradley-Terry model has no
finite estimate (no tie at the node while the model has a tie parameter, or a
framework that never loses or never wins there) is not tested and stays a leaf, marked
"*" in the output and with a note in the JSON. psychotree tests such nodes on rounding
noise; whether it splits them changes with the BLAS library R uses.
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("scores", nargs="+", metavar="SCORES",
                        help="results.csv files or run directories (as for amlb analyze), "
                             "or one scores CSV: task, [fold,] framework, score (higher is better)")
    parser.add_argument("--meta", default=None, metavar="META.csv",
                        help="task (or name) + one column per meta-feature (numeric, or text = categorical); "
                             "default for results: their mf_* columns")
    parser.add_argument("--constraint", default=None, help="results only: the constraint (required if several)")
    parser.add_argument("--type", default=None, help="results only: task type(s), comma-separated (default: all)")
    parser.add_argument("--impute", choices=("auto", "constantpredictor", "worst", "none"), default="auto",
                        help="results only: result given to failed jobs, as for amlb analyze (default: auto)")
    parser.add_argument("--maxdepth", type=_depth, default=math.inf, help="maximum depth, root = 1 (default: inf)")
    parser.add_argument("--minsize", type=int, default=None,
                        help="minimum subjects per node (default: psychotree's ceil(10 * parameters / pairs))")
    parser.add_argument("--alpha", type=float, default=0.05, help="significance level (default: 0.05)")
    parser.add_argument("--subject", choices=("task", "task_fold"), default=None,
                        help="subjects (default: task_fold when there are folds, else task)")
    parser.add_argument("--json", metavar="OUT.json", default=None, help="write the tree as JSON")


def read_scores(path: str) -> pd.DataFrame:
    p = Path(path)
    if not p.is_file():
        raise UserError(f"scores file not found: {p}", "check the path")
    try:
        scores = pd.read_csv(p)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise UserError(f"cannot read scores file {p}: {e}", "give a CSV with task, [fold,] framework, score") from None
    missing = [c for c in ("task", "framework", "score") if c not in scores.columns]
    if missing:
        raise UserError(f"{p} lacks column(s) {', '.join(missing)}",
                        "give results (results.csv) or a CSV with task, [fold,] framework, score")
    return scores


def scores_from_results(args: argparse.Namespace) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tree input `amlb analyze` uses for these results, and their meta-features."""
    from amlb.analysis import load_meta, load_results, meta_from_results
    from amlb.analysis.baselines import borrow_constant_predictor
    from amlb.analysis.normalize import CONSTANT_PREDICTOR, normalized_scores, single_constraint
    from amlb.analysis.report import complete_meta, tree_input
    from amlb.analysis.taskset import common_tasks

    df = load_results(args.scores)
    meta = load_meta(args.meta) if args.meta else None
    d = single_constraint(borrow_constant_predictor(df)[0], args.constraint, args.type)
    impute = None if args.impute == "none" else args.impute
    if impute == "auto":
        impute = "constantpredictor" if d.loc[d["framework"] == CONSTANT_PREDICTOR, "result"].notna().any() else "worst"
    taskset = common_tasks(d, impute)
    if taskset.dropped:
        print(f"note: {taskset.summary()} (as amlb analyze)", file=sys.stderr)
    raw = normalized_scores(d, method="none", impute=impute, tasks=taskset.tasks)
    features, gaps = complete_meta(meta if meta is not None else meta_from_results(d), taskset.tasks)
    if gaps:
        print(f"note: meta-feature(s) missing for some task left out: {', '.join(map(str, gaps))}", file=sys.stderr)
    if features.shape[1] < 2:
        raise UserError("no meta-features known for every task", "give --meta META.csv")
    scores = tree_input(raw)
    if scores["framework"].nunique() < 2:
        raise UserError("the tree needs results of two frameworks besides the constant predictor",
                        "add results of more frameworks")
    return scores, features


def execute(args: argparse.Namespace) -> int:
    from amlb.analysis import bttree, load_meta

    if len(args.scores) == 1 and not Path(args.scores[0]).is_dir() and not _has_result_column(args.scores[0]):
        scores = read_scores(args.scores[0])
        if args.meta is None:
            raise UserError("a scores file needs --meta META.csv", "give the tasks' meta-features, or pass results")
        meta = load_meta(args.meta)
    else:
        scores, meta = scores_from_results(args)
    tree = bttree(scores, meta, maxdepth=args.maxdepth, minsize=args.minsize, alpha=args.alpha, subject=args.subject)
    print(tree.to_text())
    if len(tree.dropped):
        tasks = tree.dropped["task"].nunique()
        print(f"note: {len(tree.dropped)} subject(s) of {tasks} task(s) left out for a missing meta-feature",
              file=sys.stderr)
    if args.json:
        out = Path(args.json)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(tree.to_json(), indent=1, allow_nan=False) + "\n")
        print(f"wrote {out}")
    return 0


def _has_result_column(path: str) -> bool:
    if not Path(path).is_file():
        return False
    try:
        return "result" in pd.read_csv(path, nrows=0).columns
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
        return False
