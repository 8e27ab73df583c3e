"""The check's report: a few lines about the setup, one table (task x check), the reasons."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table

from amlb.check.session import CheckReport
from amlb.check.verdicts import CHECKS, State, fit_limit

MARKS = {State.PASS: "[green]✓[/]", State.FAIL: "[red]✗[/]", State.WARN: "[yellow]![/]", State.NA: "[dim]-[/]"}


def print_report(report: CheckReport, console: Console) -> None:
    fw = report.framework
    console.print(f"[bold]amlb check {fw.name}[/] {fw.version}  mode: {report.mode}")
    console.print(f"environment: {report.environment.describe()}")
    console.print(f"isolation: {report.isolation}")
    share = f" x fit_share {fw.fit_share:g}" if fw.fit_share != 1.0 else ""
    console.print(f"budget: {report.budget_s:g} s per task{share}; a fit may take up to "
                  f"{fit_limit(report.budget_s, fw.fit_share):.1f} s (with tolerance)")
    if fw.min_budget_seconds:
        below = report.budget_s < fw.min_budget_seconds
        console.print(f"{'[yellow]' if below else ''}min budget: {fw.min_budget_seconds:g} s per job "
                      f"(framework.yaml){'; this check runs below it[/]' if below else ''}")
    if fw.budget_note:
        console.print(f"budget note: {fw.budget_note}")
    if report.files_method:
        console.print(f"files: {report.files_method}", markup=False)
    if report.setup_error:
        console.print(f"[red]✗ setup failed:[/] {report.setup_error}")
        _footer(report, console)
        return
    table = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
    table.add_column("task")
    for check in CHECKS:
        table.add_column(check, justify="center")
    reasons: list[str] = []
    for t in report.tasks:
        if not t.verdicts:
            table.add_row(t.task, *["[red]✗[/]"] * len(CHECKS))
            reasons.append(f"{t.task}: the job left no record")
            continue
        table.add_row(t.task, *[MARKS[v.state] for v in t.verdicts])
        for v in t.verdicts:
            if v.state in (State.FAIL, State.WARN):
                mark = "✗" if v.state is State.FAIL else "!"
                reasons.append(f"{mark} {t.task} {v.check}: {v.reason}")
    console.print(table)
    for line in reasons:
        console.print(line, highlight=False, markup=False)
    _footer(report, console)


def _footer(report: CheckReport, console: Console) -> None:
    verdict = "[green]PASS[/]" if report.passed else "[red]FAIL[/]"
    console.print(f"{verdict} {report.framework.name} ({report.mode}) in {report.wall_s:.0f} s")
    if report.out_dir is not None:
        console.print(f"job logs and results: {report.out_dir}", markup=False)


def report_json(report: CheckReport) -> dict:
    """The verdicts as data (``amlb check --json FILE``), for scripts and CI."""
    return {
        "framework": report.framework.name, "version": report.framework.version, "mode": report.mode,
        "budget_s": report.budget_s, "passed": report.passed, "wall_s": round(report.wall_s, 1),
        "setup_error": report.setup_error, "environment": report.environment.describe(),
        "isolation": report.isolation, "files_method": report.files_method, "out_dir": str(report.out_dir) if report.out_dir else None,
        "tasks": [{"task": t.task, "kind": t.kind,
                   "status": t.record.status.value if t.record else None,
                   "checks": {v.check: {"state": v.state.value, "reason": v.reason} for v in t.verdicts}}
                  for t in report.tasks],
    }
