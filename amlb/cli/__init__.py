"""The ``amlb`` command line: one entry point, one module per subcommand.

Each subcommand module under ``amlb.cli`` defines::

    HELP = "one line shown in `amlb --help`"
    def configure(parser: argparse.ArgumentParser) -> None: ...
    def execute(args: argparse.Namespace) -> int: ...
    EPILOG = "text shown after the options in `amlb COMMAND --help`"   # optional

and is listed in :data:`COMMANDS`. Modules are imported only when their command
runs, so `amlb --help` stays fast and a broken optional command cannot break `run`.
"""
from __future__ import annotations

import argparse
import gc
import importlib
import sys

from amlb import __version__
from amlb.errors import UserError

#: subcommand -> module implementing it
COMMANDS: dict[str, str] = {
    "run": "amlb.cli.run",
    "datasets": "amlb.cli.datasets",
    "analyze": "amlb.cli.analyze",
    "bttree": "amlb.cli.bttree",
    "energy": "amlb.cli.energy",
    "site": "amlb.cli.site",
    "runs": "amlb.cli.runs",
    "show": "amlb.cli.show",
    "compare": "amlb.cli.compare",
    "check": "amlb.cli.check",
    "frameworks": "amlb.cli.frameworks",
    "new-framework": "amlb.cli.new_framework",
    "isolation": "amlb.cli.isolation",
}

_HELP = {
    "run": "run frameworks on a benchmark (also: python runbenchmark.py ...)",
    "datasets": "prefetch datasets and show what the runner knows about a task",
    "analyze": "leaderboard and analysis of results files",
    "bttree": "Bradley-Terry tree of frameworks by task meta-features",
    "energy": "per-framework energy and CO2 table of results",
    "site": "build the static results website",
    "runs": "list runs: frameworks, benchmark, constraint, jobs ok/failed, date",
    "show": "a run's summary table again (without running anything)",
    "compare": "compare two runs: result and time differences per framework and task",
    "check": "check a framework adapter keeps the contract (predictions, budget, processes, files)",
    "frameworks": "list the known frameworks and presets, with their environments",
    "new-framework": "create a new adapter folder from the template",
    "isolation": "show how jobs would be isolated and limited on this host",
}


class _KeepLines(argparse.HelpFormatter):
    """Help text with line breaks (an epilog's table) stays as written; a one-line text is filled."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="amlb",
        description="AutoML benchmark runner. `amlb FRAMEWORK BENCHMARK ...` is short for `amlb run ...`.",
        epilog="A run exits 0 when every job is ok, 1 when some failed, 2 on bad input, 130 when interrupted "
               "(amlb run --help).",
    )
    parser.add_argument("--version", action="version", version=f"amlb {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        sub.add_parser(name, help=_HELP.get(name, ""), add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "--version"):
        parser = _parser()
        if not argv:
            parser.print_help()
            return 2
        parser.parse_args(argv)
        return 0
    command = argv[0]
    if command not in COMMANDS:
        command, rest = "run", argv  # `amlb flaml example` == `amlb run flaml example`
    else:
        rest = argv[1:]
    try:
        module = importlib.import_module(COMMANDS[command])
        parser = argparse.ArgumentParser(prog=f"amlb {command}", description=getattr(module, "HELP", None),
                                         epilog=getattr(module, "EPILOG", None),
                                         formatter_class=_KeepLines)
        module.configure(parser)
        args = parser.parse_args(rest)
        return int(module.execute(args) or 0)
    except UserError as e:
        print(f"amlb: error: {e.one_line()}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("amlb: interrupted", file=sys.stderr)
        return 130


def entry(argv: list[str] | None = None) -> int:
    """:func:`main` for a process that ends right after it (the ``amlb`` command, ``runbenchmark.py``).

    The objects a command leaves (pandas, NumPy and the rest of the data stack) are moved out of
    the garbage collector's reach before the interpreter exits: its final collection would walk
    them all, 0.1-0.4 s at the end of every command. Exit handlers run as usual.
    """
    code = main(argv)
    gc.freeze()
    return code
