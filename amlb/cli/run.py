"""``amlb run``: run frameworks on a benchmark (AMLB-compatible command line)."""
from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from amlb.amlb_flags import add_amlb_flags

HELP = "Run AutoML frameworks on a benchmark under a constraint; results go to a store and results.csv."

EPILOG = """exit codes:
  0    every job of the run finished ok
  1    the run finished but some jobs failed (a row whose status is not ok:
       timeout, memory_limit, framework_error, crash, invalid_predictions,
       setup_error, data_error, infrastructure_error); also a full disk
       (the run stops, --resume continues it) and an error of the runner
  2    bad input (unknown framework, benchmark, constraint or task, a wrong
       option or value): one line says what is wrong, nothing is created
  130  interrupted (Ctrl-C, SIGTERM): the message says how many jobs are
       done and the --resume -o DIR command that continues the run"""


def _folds(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a fold is a number, got '{text}'") from None


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("framework", nargs="?", help="framework[:tag], or several separated by commas")
    p.add_argument("benchmark", nargs="?", default="example",
                   help="benchmark name (resources/benchmarks/, USERDIR/benchmarks/), a YAML file, "
                        "openml/s/ID or openml/t/ID (test.openml/...: OpenML's test server) (default: example)")
    p.add_argument("constraint", nargs="?", default="example", help="constraint preset (default: example)")
    p.add_argument("-m", "--mode", default="local", help="local (default) or docker")
    p.add_argument("-f", "--fold", dest="folds", nargs="+", type=_folds, help="only these folds (0-based)")
    p.add_argument("-t", "--task", dest="tasks", nargs="+", help="only these tasks of the benchmark")
    p.add_argument("-o", "--outdir", type=Path, help="output directory (default: a new one under output_dir)")
    p.add_argument("-u", "--userdir", help="user directory with config.yaml, benchmarks/, frameworks.yaml")
    p.add_argument("--config", help="an extra config file")
    p.add_argument("-X", "--extra", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key, e.g. -X job.cores=1 (repeatable)")
    p.add_argument("-s", "--setup", choices=("auto", "skip", "only", "force"), default="auto",
                   help="environments: install when missing (auto), never (skip), only install (only), rebuild (force)")
    p.add_argument("--resume", action="store_true", help="continue the run in --outdir: run missing jobs only")
    p.add_argument("--extend", action="store_true",
                   help="add this command's frameworks, tasks and folds to the run in --outdir and run the jobs "
                        "it lacks (same benchmark, constraint, limits, mode and seed)")
    p.add_argument("--retry-failed", action="store_true", help="with --resume: also rerun failed jobs")
    p.add_argument("-p", "--parallel", type=int, help="jobs at once, on disjoint cores (default: config parallel)")
    p.add_argument("--dask", metavar="ADDRESS",
                   help="run the jobs on the Dask cluster of this scheduler (tcp://host:8786); "
                        "same as -X dask.scheduler=ADDRESS")
    p.add_argument("--list-frameworks", action="store_true", help="list the known frameworks and exit")
    p.add_argument("-e", "--exit-on-error", action="store_true",
                   help="stop at the first failed job (the jobs not run yet stay for --resume)")
    add_amlb_flags(p)


def execute(args: argparse.Namespace) -> int:
    from amlb.amlb_flags import amlb_flag_overrides, check_mode, fit_to_machine  # noqa: PLC0415
    from amlb.config import load_config  # noqa: PLC0415
    from amlb.constraints import load_constraint  # noqa: PLC0415
    from amlb.definitions import framework_entries, resolve_framework  # noqa: PLC0415
    from amlb.errors import UserError  # noqa: PLC0415

    check_mode(args.mode)
    overrides = args.overrides + ([f"dask.scheduler={args.dask}"] if args.dask else []) + amlb_flag_overrides(args)
    config = load_config(args.userdir, args.config, overrides)
    if args.list_frameworks:
        for name, entry in sorted(framework_entries(config).items(), key=lambda kv: kv[0].lower()):
            extends = f" (extends {entry['extends']})" if entry.get("extends") else ""
            print(f"{name:24} {entry.get('version', ''):10} {entry.get('description', '')}{extends}")
        return 0
    if not args.framework:
        raise UserError("no framework given", "e.g. python runbenchmark.py RandomForest example")
    if args.extend and not args.outdir:
        raise UserError("--extend needs the run's output directory", "add -o DIR (the directory of the run to extend)")
    if args.retry_failed and not (args.resume or args.extend):
        raise UserError("--retry-failed works with --resume", "add --resume -o DIR to rerun the failed jobs of that run")
    if args.resume and not args.outdir:
        raise UserError("--resume needs the run's output directory", "add -o DIR (the directory of the run to continue)")
    frameworks = [resolve_framework(name.strip(), config) for name in args.framework.split(",") if name.strip()]
    if not frameworks:
        raise UserError(f"no framework named in '{args.framework}'", "e.g. python runbenchmark.py RandomForest example")
    if len({f.name for f in frameworks}) != len(frameworks):
        raise UserError("a framework is named twice", "name each framework once")
    constraint = load_constraint(args.constraint, config)
    parallel = args.parallel if args.parallel is not None else int(config["parallel"])
    if parallel < 1:
        raise UserError(f"--parallel must be at least 1, got {parallel}", "e.g. --parallel 2")
    constraint = fit_to_machine(constraint, config, parallel)
    from amlb.runner import RunRequest, default_out_dir, run  # noqa: PLC0415

    out_dir = args.outdir or default_out_dir(config, frameworks, args.benchmark, constraint.name, args.mode,
                                             args.session)
    request = RunRequest(frameworks=frameworks, benchmark=args.benchmark, constraint=constraint, mode=args.mode,
                         config=config, out_dir=out_dir.resolve(), folds=args.folds, tasks=args.tasks,
                         resume=args.resume or args.extend, extend=args.extend, retry_failed=args.retry_failed,
                         setup=args.setup, parallel=parallel, exit_on_error=args.exit_on_error)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        summary = run(request)
    except KeyboardInterrupt:
        _report_interrupt(request.out_dir)
        return 130
    return _report(summary, args)


def _report_interrupt(out: Path) -> None:
    """Ctrl-C: how far the run got and the exact command that continues it."""
    import shlex  # noqa: PLC0415

    from amlb.store import ResultStore  # noqa: PLC0415

    done = 0
    if ResultStore.exists(out):
        store = ResultStore(out)
        try:
            done = sum(1 for r in store.latest().values() if r.status.value != "running")
        finally:
            store.close()
    argv = list(sys.argv[1:])
    if "-o" not in argv and "--outdir" not in argv:
        argv += ["-o", str(out)]
    if "--resume" not in argv:
        argv.append("--resume")
    program = sys.argv[0]
    prefix = "python runbenchmark.py" if program.endswith("runbenchmark.py") else \
        "python -m amlb" if program.endswith("__main__.py") else "amlb"
    print(f"amlb: interrupted: {done} job(s) done in {out}; continue with: {prefix} {shlex.join(argv)}",
          file=sys.stderr)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _report(summary, args: argparse.Namespace) -> int:
    """The run's summary, where its results are and what to do next; the exit code (see EPILOG)."""
    from rich.console import Console  # noqa: PLC0415

    from amlb.progress import summary_table  # noqa: PLC0415
    from amlb.record import Status  # noqa: PLC0415
    from amlb.store import ResultStore  # noqa: PLC0415

    console = Console(stderr=False, highlight=False)
    out = summary.out_dir
    if args.setup == "only":
        for line in summary.setup_errors:
            print(f"amlb: error: setup failed: {line}", file=sys.stderr)
        console.print("environments ready" if not summary.setup_errors else "some environments failed")
        return 1 if summary.setup_errors else 0
    store = ResultStore(out)
    records = list(store.latest().values())
    store.close()
    if records:
        console.print(summary_table(records))
    # commands and paths are printed with soft wrap: the terminal wraps them, a copy pastes whole
    console.print(f"\nresults: {out / 'results.csv'}  (store: {out / 'results.db'}, job logs: {out / 'jobs'})",
                  soft_wrap=True, markup=False)
    console.print(f"build the results site: amlb site {out} -o {out / 'site'}", soft_wrap=True, markup=False)
    if any(r.status is Status.OK and r.energy.get("energy_kwh") is not None and r.energy.get("co2e_kg") is None
           for r in records):
        console.print(f"CO2e is blank (no location was set): amlb energy {out} --country XXX "
                      "(your ISO 3166 alpha-3 code, e.g. DEU; or --carbon-intensity G_PER_KWH)",
                      soft_wrap=True, markup=False)
    for line in summary.setup_errors:
        print(f"amlb: error: setup failed: {line}", file=sys.stderr)
    for line in summary.data_errors:
        print(f"amlb: error: data of task {line}", file=sys.stderr)
    if summary.stopped_by:
        print(f"amlb: error: stopped at the first failed job (-e): {summary.stopped_by}; continue the other jobs "
              f"with --resume -o {out}", file=sys.stderr)
        return 1
    failed = sum(1 for r in records if r.status.is_failure)
    if failed:
        print(f"amlb: {failed} of {len(records)} job(s) failed (exit code 1): amlb show {out} --failures "
              "lists them", file=sys.stderr)
        return 1
    return 1 if summary.setup_errors or summary.data_errors else 0
