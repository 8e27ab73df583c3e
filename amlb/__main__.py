from amlb.cli import entry

raise SystemExit(entry())
