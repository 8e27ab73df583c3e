"""`amlb compare RUN_A RUN_B`: per framework and task, result and training-time differences with significance."""
from __future__ import annotations

import argparse
import math

HELP = "compare two runs: result and time differences per framework and task, with significance"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("run_a", help="the first run's output directory (the baseline)")
    p.add_argument("run_b", help="the second run's output directory")
    p.add_argument("--csv", metavar="FILE", help="also write the per-task comparison to this CSV file")


def _num(x: float, fmt: str = ".4f") -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, fmt)


def execute(args: argparse.Namespace) -> int:
    from rich.console import Console  # noqa: PLC0415
    from rich import box  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    from amlb.errors import UserError  # noqa: PLC0415
    from amlb.runs import read_run  # noqa: PLC0415
    from amlb.runs_compare import ALPHA, MIN_PAIRS, compare_runs, significance  # noqa: PLC0415

    a, b = read_run(args.run_a), read_run(args.run_b)
    result = compare_runs(a, b)
    console = Console(highlight=False)
    if result.per_task.empty:
        raise UserError("the two runs share no framework, task and fold that both finished ok",
                        "compare runs of the same frameworks on the same tasks")
    console.print(f"A = {a.path}\nB = {b.path}\nresult = the task's main metric, mean over the folds both runs finished ok "
                  f"(higher is better); diff = B - A; significant: Wilcoxon signed-rank p < {ALPHA} "
                  f"(needs >= {MIN_PAIRS} pairs)", soft_wrap=True)
    for fw, rows in result.per_task.groupby("framework", sort=True):
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, title=fw, title_justify="left")
        for name in ("task", "folds", "A", "B", "diff", "p", "sig.", "train s"):
            table.add_column(name, justify="left" if name in ("task", "sig.") else "right", no_wrap=name != "task")
        for r in rows.itertuples():
            table.add_row(r.task, str(r.n), _num(r.a, ".4g"), _num(r.b, ".4g"), _num(r.diff, "+.3g"),
                          _num(r.p, ".2f"), significance(r.p, r.n), f"{_num(r.train_a, '.1f')}→{_num(r.train_b, '.1f')}")
        console.print(table)
    summary = Table(box=box.SIMPLE_HEAD, pad_edge=False, title="per framework, over tasks (B better = wins)")
    for name in ("framework", "tasks", "wins", "losses", "ties", "mean diff", "p", "sig."):
        summary.add_column(name, justify="left" if name in ("framework", "sig.") else "right",
                           no_wrap=name != "framework", overflow="fold")
    for r in result.per_framework.itertuples():
        summary.add_row(r.framework, str(r.tasks), str(r.wins), str(r.losses), str(r.ties), _num(r.mean_diff, "+.3g"),
                        _num(r.p, ".2f"), significance(r.p, r.tasks))
    console.print(summary)
    for label, keys in (("only in A", result.only_a), ("only in B", result.only_b)):
        if keys:
            console.print(f"{label}: {', '.join(keys)}", soft_wrap=True)
    if args.csv:
        result.per_task.to_csv(args.csv, index=False)
        console.print(f"per-task comparison written to {args.csv}", soft_wrap=True)
    return 0
