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


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scores", metavar="SCORES.csv",
                        help="long scores: task, [fold,] framework, score (higher is better); "
                             "one subject per task, or per task x fold when fold is present")
    parser.add_argument("--meta", required=True, metavar="META.csv",
                        help="task (or name) + one column per meta-feature (numeric, or text = categorical)")
    parser.add_argument("--maxdepth", type=_depth, default=math.inf, help="maximum depth, root = 1 (default: inf)")
    parser.add_argument("--minsize", type=int, default=None,
                        help="minimum subjects per node (default: psychotree's ceil(10 * parameters / pairs))")
    parser.add_argument("--alpha", type=float, default=0.05, help="significance level (default: 0.05)")
    parser.add_argument("--subject", choices=("task", "task_fold"), default=None,
                        help="subjects (default: task_fold when SCORES has a fold column, else task)")
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
        raise UserError(f"{p} lacks column(s) {', '.join(missing)}", "give a CSV with task, [fold,] framework, score")
    return scores


def execute(args: argparse.Namespace) -> int:
    from amlb.analysis import bttree, load_meta

    scores = read_scores(args.scores)
    meta = load_meta(args.meta)
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
