"""`amlb runs [DIR]`: the runs below a directory, with what they ran and how it went."""
from __future__ import annotations

import argparse
from pathlib import Path

HELP = "list runs: frameworks, benchmark, constraint, jobs ok/failed, date"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", nargs="?", default="results",
                   help="directory holding runs (searched 3 levels deep; default: results/)")


def execute(args: argparse.Namespace) -> int:
    from rich.console import Console  # noqa: PLC0415
    from rich import box  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    from amlb.runs import find_runs, read_run  # noqa: PLC0415

    console = Console(highlight=False)
    paths = find_runs(args.dir)
    if not paths:
        console.print(f"no runs below {args.dir}")
        return 0
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, title=f"runs below {args.dir}")
    for name, justify in (("run", "left"), ("frameworks", "left"), ("benchmark constraint", "left"),
                          ("ok", "right"), ("failed", "right"), ("left", "right"), ("started (UTC)", "left")):
        table.add_column(name, justify=justify, overflow="fold", no_wrap=name not in ("run", "frameworks", "benchmark constraint"))
    root = Path(args.dir).expanduser()
    for path in paths:
        run = read_run(path)
        from amlb.record import Status  # noqa: PLC0415

        table.add_row(str(path.relative_to(root)) if path != root else ".", ", ".join(run.frameworks), f"{run.benchmark} {run.constraint}",
                      str(run.count(Status.OK)), str(run.failed), str(run.count(Status.RUNNING)), run.started)
    console.print(table)
    console.print("a run again: amlb show RUN; two runs side by side: amlb compare RUN_A RUN_B", soft_wrap=True)
    return 0
