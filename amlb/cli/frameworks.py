"""``amlb frameworks``: every framework and preset amlb knows, with the state of its environments.

Nothing is imported from the frameworks and nothing is built: a venv's state is read from
its folder, an image's from a Docker engine when one answers within a few seconds.
"""
from __future__ import annotations

import argparse

HELP = "List the known frameworks and presets: version, extends, environments (built? size), fit_share, notes."


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("-u", "--userdir", help="user directory with config.yaml, frameworks/, frameworks.yaml")
    p.add_argument("--config", help="an extra config file")
    p.add_argument("-X", "--extra", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key (repeatable)")
    p.add_argument("--no-docker", action="store_true", help="do not ask a Docker engine about images")


def execute(args: argparse.Namespace) -> int:
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    from amlb.config import load_config  # noqa: PLC0415
    from amlb.definitions import framework_entries, resolve_framework  # noqa: PLC0415
    from amlb.environments.inventory import docker_engine, human_size, image_info, tree_size, venv_info  # noqa: PLC0415
    from amlb.environments.docker_image import framework_python  # noqa: PLC0415
    from amlb.errors import UserError  # noqa: PLC0415

    config = load_config(args.userdir, args.config, args.overrides)
    entries = framework_entries(config)
    client, why = (None, "not asked") if args.no_docker else docker_engine()
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("framework", no_wrap=True)
    for column in ("version", "extends", "python", "venv", "image", "fit"):
        table.add_column(column, overflow="fold", no_wrap=column != "extends", min_width=12 if column == "extends" else None)
    sizes: dict[str, str] = {}
    pythons: set[str] = set()
    lines = []
    for name in sorted(entries, key=str.lower):
        extends = str(entries[name].get("extends") or "")
        try:
            fw = resolve_framework(name, config)
        except UserError as e:
            table.add_row(name, "", extends, "", "", "", "")
            lines.append(f"{name}: [red]{e.one_line()}[/]")
            continue
        venv = venv_info(fw, config, size=False)
        pythons.add(venv.python)
        if venv.built:
            key = str(venv.path)
            if key not in sizes:
                sizes[key] = human_size(tree_size(venv.path))
            venv_cell = sizes[key]
        else:
            venv_cell = "-"
        if client is None:
            image_cell = "?"
        else:
            image = image_info(fw, client=client, config=config)
            image_cell = human_size(image.size_bytes) if image.built else \
                ("no base" if image.note.startswith("base image") else "-")
        table.add_row(name, fw.version, extends, framework_python(fw, config), venv_cell, image_cell,
                      f"{fw.fit_share:g}")
        lines.append(f"[bold]{name}[/]: {fw.description or '(no description)'}"
                     + (f" [dim]min budget: {fw.min_budget_seconds:g} s per job.[/]" if fw.min_budget_seconds else "")
                     + (f" [dim]budget note: {fw.budget_note}[/]" if fw.budget_note else ""))
    console = Console(highlight=False)
    console.print(table)
    console.print(f"[dim]python: of the Docker image (venvs use the runner's: {', '.join(sorted(pythons))}); "
                  "venv/image: its SIZE when built, - = not built; fit: the budget share its fit gets"
                  + (f", ? = unknown ({why})" if client is None else ", no base = base image missing") + "[/]")
    for line in lines:
        console.print(line)
    return 0
