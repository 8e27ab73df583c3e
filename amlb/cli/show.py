"""`amlb show RUN`: a run's summary table again, without running anything."""
from __future__ import annotations

import argparse

HELP = "a run's summary table (mean result per framework and task, failures)"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", help="a run's output directory")
    p.add_argument("--failures", action="store_true", help="also list every failed job with its message")


def execute(args: argparse.Namespace) -> int:
    from rich.console import Console  # noqa: PLC0415

    from amlb.progress import summary_table  # noqa: PLC0415
    from amlb.record import Status  # noqa: PLC0415
    from amlb.runs import read_run, resume_command  # noqa: PLC0415

    console = Console(highlight=False)
    run = read_run(args.run)
    console.print(f"run {run.path}: {', '.join(run.frameworks)} on {run.benchmark} ({run.constraint}), "
                  f"{run.count(Status.OK)} ok, {run.failed} failed, {run.count(Status.RUNNING)} unfinished", soft_wrap=True)
    finished = [r for r in run.records if r.status is not Status.RUNNING]
    if finished:
        console.print(summary_table(finished))
    if args.failures:
        for r in sorted((r for r in run.records if r.status.is_failure), key=lambda r: (r.framework, r.task, r.repeat, r.fold)):
            message = (r.info or "").splitlines()[0][:200] if r.info else ""
            console.print(f"{r.framework} {r.task} {f'repeat {r.repeat} ' if r.repeat else ''}fold {r.fold}: {r.status.value}: {message}", soft_wrap=True)
    if run.count(Status.RUNNING):
        console.print(f"unfinished jobs: continue with  {resume_command(run)}", soft_wrap=True)
    console.print(f"results: {run.path / 'results.csv'}", soft_wrap=True)
    return 0
