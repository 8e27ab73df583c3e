"""``amlb check FRAMEWORK``: run an adapter on small tasks and check it keeps the adapter contract."""
from __future__ import annotations

import argparse
import signal
from pathlib import Path

HELP = ("Check a framework adapter: valid predictions, fit within its budget, no leftover processes, "
        "no files outside the job, metadata. Exit 0 when all pass, 1 otherwise.")


def configure(p: argparse.ArgumentParser) -> None:
    from amlb.check.tasks import DEFAULT_BUDGET_S  # noqa: PLC0415

    p.add_argument("framework", help="framework name (an adapter folder or a preset)")
    p.add_argument("-m", "--mode", choices=("local", "docker"), default="local")
    p.add_argument("--budget", type=float, default=None,
                   help=f"time budget per task in seconds (default: {DEFAULT_BUDGET_S:g}, or the framework's "
                        "min_budget_seconds when larger)")
    p.add_argument("-u", "--userdir", help="user directory with config.yaml, frameworks/, frameworks.yaml")
    p.add_argument("--config", help="an extra config file")
    p.add_argument("-X", "--extra", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key, e.g. -X docker.base_image=amlb/base:bookworm (repeatable)")
    p.add_argument("--json", dest="json_path", metavar="FILE", help="also write the verdicts to FILE as JSON")
    p.add_argument("--keep", action="store_true", help="keep the check's job directories (kept anyway on failure)")


def execute(args: argparse.Namespace) -> int:
    from rich.console import Console  # noqa: PLC0415

    from amlb.check.report import print_report  # noqa: PLC0415
    from amlb.check.session import CheckRequest, check_budget_arg, run_check  # noqa: PLC0415
    from amlb.config import load_config  # noqa: PLC0415
    from amlb.definitions import resolve_framework  # noqa: PLC0415

    from amlb.check.tasks import DEFAULT_BUDGET_S  # noqa: PLC0415

    if args.budget is not None:
        check_budget_arg(args.budget)
    config = load_config(args.userdir, args.config, args.overrides)
    fw = resolve_framework(args.framework, config)
    budget = args.budget if args.budget is not None else max(DEFAULT_BUDGET_S, fw.min_budget_seconds or 0.0)
    if args.mode == "docker":
        from amlb.environments.docker_image import docker_client  # noqa: PLC0415

        docker_client(timeout=10)  # no engine: one line, exit 2, before anything runs
    signal.signal(signal.SIGTERM, _raise_interrupt)
    report = run_check(CheckRequest(fw, args.mode, budget, config, keep=args.keep))
    print_report(report, Console(highlight=False))
    if args.json_path:
        import json  # noqa: PLC0415

        from amlb.check.report import report_json  # noqa: PLC0415

        Path(args.json_path).write_text(json.dumps(report_json(report), indent=1))
    return 0 if report.passed else 1


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
