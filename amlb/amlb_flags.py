"""AMLB's ``runbenchmark.py`` flags that amlb's own command line does not have.

Each gets its meaning here, or one line saying what to use instead:

- ``-m aws`` / ``-m singularity``: refused (exit 2), pointing to ``--dask`` / ``-m docker``;
- ``-i/--indir DIR``: the input directory (``{input}`` in dataset paths; relative paths are
  looked up there first), i.e. ``-X input_dir=DIR``;
- ``-e/--exit-on-error``: stop at the first failed job (handled by the runner);
- ``--session NAME``: names the default output directory instead of the time stamp;
- ``--jobhistory FILE``: refused: ``--resume -o DIR`` continues a run from its own store;
- ``--openml-test-server``: ``-X openml.server=`` OpenML's test server;
- ``--logging``, ``--openml-run-tag``, ``-k/--keep-scores``, ``--profiling``: no meaning here,
  ignored with one warning line.

It also fits a constraint to the machine (:func:`fit_to_machine`).
"""
from __future__ import annotations

import argparse
from dataclasses import replace

from amlb.errors import UserError, warn

MODES = ("local", "docker")
OPENML_TEST_SERVER = "https://test.openml.org/api/v1/xml"


def add_amlb_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("-i", "--indir", help="input directory: {input} in dataset paths (same as -X input_dir=DIR)")
    p.add_argument("--session", help="name of the run in the default output directory (instead of the time)")
    p.add_argument("--jobhistory", help=argparse.SUPPRESS)
    p.add_argument("--openml-test-server", nargs="?", const="true", default=None,
                   help="use OpenML's test server (same as -X openml.server=" + OPENML_TEST_SERVER + ")")
    for flag in ("--logging", "--openml-run-tag"):
        p.add_argument(flag, help=argparse.SUPPRESS)
    p.add_argument("-k", "--keep-scores", nargs="?", const="true", default=None, help=argparse.SUPPRESS)
    p.add_argument("--profiling", nargs="?", const="true", default=None, help=argparse.SUPPRESS)


def check_mode(mode: str) -> None:
    if mode == "aws":
        raise UserError("-m aws: amlb does not start AWS instances",
                        "run the jobs on a Dask cluster of your machines with --dask tcp://HOST:8786 (see README)")
    if mode == "singularity":
        raise UserError("-m singularity: amlb runs containers with Docker", "use -m docker")
    if mode not in MODES:
        raise UserError(f"unknown mode '{mode}'", f"use -m {' or -m '.join(MODES)}")


def _true(text: str | None) -> bool:
    return text is not None and text.strip().lower() in ("true", "1", "yes", "on", "")


def amlb_flag_overrides(args: argparse.Namespace) -> list[str]:
    """The ``-X`` overrides AMLB's flags stand for; refuses or notes the others."""
    if args.jobhistory:
        raise UserError("--jobhistory: amlb keeps a run's jobs in its own store",
                        "continue a run with --resume -o DIR (add --retry-failed to rerun its failed jobs)")
    if args.session is not None and (not args.session or "/" in args.session or args.session.strip(".") == ""):
        raise UserError(f"--session '{args.session}' cannot be part of a folder name", "use letters, digits, - _ .")
    ignored = [flag for flag, value in (("--logging", args.logging), ("--openml-run-tag", args.openml_run_tag),
                                        ("-k/--keep-scores", args.keep_scores), ("--profiling", args.profiling))
               if value is not None]
    if ignored:
        warn(f"{', '.join(ignored)} ignored: amlb has no such setting (progress goes to the console, each job's log "
             "to jobs/.../job.log, scores always to results.csv; amlb does not upload to OpenML)")
    overrides = []
    if args.indir:
        overrides.append(f"input_dir={args.indir}")
    if _true(args.openml_test_server):
        overrides.append(f"openml.server={OPENML_TEST_SERVER}")
    return overrides


def fit_to_machine(constraint, config, parallel: int):
    """The constraint as this machine runs it: the automatic memory shared by the parallel jobs, and
    with ``job.allow_fewer_cores`` the cores the machine gives when the constraint asks more."""
    from amlb.constraints import auto_memory_mb, usable_cpus  # noqa: PLC0415

    if constraint.memory_auto and parallel > 1:
        constraint = replace(constraint, max_mem_size_mb=auto_memory_mb(int(config["job"]["os_mem_size_mb"]), parallel))
    available = usable_cpus()
    if constraint.cores > available and config["job"]["allow_fewer_cores"] and not config["dask"]["scheduler"]:
        warn(f"constraint '{constraint.name}' asks {constraint.cores} cores, this machine gives {available}: "
             f"jobs run with {available} (job.allow_fewer_cores; results.csv's cores says so)")
        constraint = replace(constraint, cores=available)
    return constraint
