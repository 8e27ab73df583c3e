"""``amlb new-framework NAME``: create an adapter folder from the template and say what to do next."""
from __future__ import annotations

import argparse
from pathlib import Path

HELP = "Create frameworks/NAME/ (or USERDIR/frameworks/NAME/, or --dir D/NAME/) from the adapter template."


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="the framework's name (letters, digits, '_', '-')")
    p.add_argument("-u", "--userdir", help="create it under USERDIR/frameworks/")
    p.add_argument("--dir", dest="parent", metavar="D", help="create it under D/ (a folder of adapter folders)")


def execute(args: argparse.Namespace) -> int:
    from amlb.config import load_config  # noqa: PLC0415
    from amlb.definitions import framework_entries  # noqa: PLC0415
    from amlb.scaffold import check_name, create_adapter, target_folder  # noqa: PLC0415

    # a user dir that does not exist yet is where the new adapter goes: its config cannot add anything
    config = load_config(args.userdir if args.userdir and Path(args.userdir).expanduser().is_dir() else None)
    check_name(args.name, list(framework_entries(config)))
    folder = target_folder(args.name, config, args.userdir, args.parent)
    files = create_adapter(args.name, folder)
    print(f"created {folder}/ ({', '.join(f.name for f in files)})")
    where = ""
    if args.parent:
        where = f" -X 'framework_dirs=[\"{folder.parent}\"]'"
    elif args.userdir:
        where = f" -u {args.userdir}"
    print("next:")
    print(f"  1. write fit() in {folder / 'exec.py'} (the TODO), and version() if the framework reports one")
    print(f"  2. pin the framework's requirements in {folder / 'framework.yaml'}")
    print(f"  3. amlb check {args.name}{where}        (docs/adding-a-framework.md explains each check)")
    return 0
