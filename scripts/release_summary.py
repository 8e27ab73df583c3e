"""The summary of a release run (scripts/release_run.sh) as Markdown: leaderboard, failures, budget
compliance and energy per framework, for docs/release-run.md.

    python scripts/release_summary.py RUN_DIR [RUN_DIR ...] > summary.md

Every figure comes from the runs' results.csv through amlb's own analysis (the same numbers as
`amlb analyze` and the site).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from amlb.analysis import compute_leaderboard, load_results  # noqa: E402
from amlb.analysis.budget import DEFAULT_SLACK, budget_compliance  # noqa: E402


def table(df: pd.DataFrame) -> str:
    """A Markdown table (numbers as given: format them before)."""
    head = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(df[c]) else "---" for c in df.columns) + "|"
    rows = ["| " + " | ".join("" if pd.isna(v) else str(v) for v in r) + " |" for r in df.itertuples(index=False)]
    return "\n".join([head, rule, *rows])


def run_span(df: pd.DataFrame) -> str:
    """First job start to last job end, from the rows' UTC start times and durations."""
    start = pd.to_datetime(df["utc"], errors="coerce", utc=True)
    end = start + pd.to_timedelta(pd.to_numeric(df["duration"], errors="coerce").fillna(0), unit="s")
    if start.isna().all():
        return "unknown"
    seconds = (end.max() - start.min()).total_seconds()
    return f"{seconds / 60:.0f} min ({start.min():%Y-%m-%d %H:%M} to {end.max():%H:%M} UTC)"


def leaderboard_md(df: pd.DataFrame, type_: str | None) -> str:
    lb = compute_leaderboard(df, type=type_)
    b = lb.board
    out = pd.DataFrame({
        "#": range(1, len(b) + 1), "framework": b["framework"],
        "norm. score": [f"{m:.3f} [{lo:.2f}, {hi:.2f}]" for m, lo, hi in
                        zip(b["mean_norm_score"], b["norm_score_ci_low"], b["norm_score_ci_high"])],
        "mean rank": [f"{m:.2f}" for m in b["mean_rank"]],
        "failed jobs": b["failures"].astype(int),
        "train s / 1k rows": [f"{v:.3g}" for v in b["median_train_s_per_1k_rows"]],
        "Wh per job": [f"{1000 * v:.3g}" for v in b["energy_kwh_per_job"]],
    })
    return f"{len(lb.taskset.tasks)} tasks ({', '.join(lb.taskset.tasks)}).\n\n" + table(out)


def failures_md(df: pd.DataFrame) -> str:
    counts = pd.crosstab(df["framework"], df["status"])
    counts["jobs"] = counts.sum(axis=1)
    cols = ["jobs", "ok"] + [c for c in counts.columns if c not in ("jobs", "ok")]
    out = counts.reindex(columns=cols, fill_value=0).reset_index()
    return table(out)


def budget_md(df: pd.DataFrame) -> str:
    b = budget_compliance(df)
    out = pd.DataFrame({
        "framework": b["framework"], "budget s": b["budget_s"], "jobs": b["jobs"],
        "fit within budget": b["fit_within"], f"job within budget × {DEFAULT_SLACK}": b["job_within"],
        "killed for time": b["killed_for_time"],
        "largest overrun s": [f"{s:+.1f} ({p:+.0f} %)" for s, p in zip(b["max_overrun_s"], b["max_overrun_pct"])],
        "median job / budget": [f"{v:.2f}" for v in b["median_job_ratio"]],
    })
    return table(out)


def energy_md(df: pd.DataFrame) -> str:
    g = df.groupby("framework")
    out = pd.DataFrame({
        "jobs metered": g["energy_kwh"].count(), "Wh per job": g["energy_kwh"].mean() * 1000,
        "Wh total": g["energy_kwh"].sum() * 1000,
        "method": g["energy_method"].agg(lambda s: ", ".join(sorted(set(s.dropna().astype(str))))),
    }).sort_values("Wh per job")
    out["Wh per job"] = out["Wh per job"].map(lambda v: f"{v:.3g}")
    out["Wh total"] = out["Wh total"].map(lambda v: f"{v:.3g}")
    total = df["energy_kwh"].sum() * 1000
    return table(out.reset_index()) + f"\n\nWhole run: {total:.3g} Wh over {df['energy_kwh'].count()} metered jobs."


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runs", nargs="+", type=Path, help="run directories (each with a results.csv)")
    args = parser.parse_args()
    df = load_results(args.runs)
    frameworks = sorted(df["framework"].unique())
    print(f"{len(df)} jobs: {len(frameworks)} frameworks x {df['task'].nunique()} tasks x "
          f"{df['fold'].nunique()} folds; {int((df['status'] == 'ok').sum())} ok. Jobs ran for {run_span(df)}.\n")
    print("### Leaderboard, all tasks\n")
    print(leaderboard_md(df, None) + "\n")
    for type_ in sorted(df["type"].dropna().unique()):
        print(f"### Leaderboard, {type_} tasks\n")
        print(leaderboard_md(df, type_) + "\n")
    print("### Jobs by status\n")
    print(failures_md(df) + "\n")
    print("### Budget compliance\n")
    print(budget_md(df) + "\n")
    print("### Energy\n")
    print(energy_md(df))
    return 0


if __name__ == "__main__":
    sys.exit(main())
