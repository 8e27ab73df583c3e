"""``amlb isolation``: how this host would isolate and limit jobs (sandbox, cgroups, Docker)."""
from __future__ import annotations

import argparse

HELP = "show how jobs would be isolated and limited on this host (sandbox, cgroups, Docker)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-u", "--userdir", default=None, help="user folder with config.yaml")
    parser.add_argument("--config", default=None, help="a config file")
    parser.add_argument("-X", "--extra", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config key, e.g. -X job.sandbox=require (repeatable)")


def execute(args: argparse.Namespace) -> int:
    from amlb.config import load_config  # noqa: PLC0415
    from amlb.execution.cgroups import open_cgroups  # noqa: PLC0415
    from amlb.execution.sandbox import open_sandbox  # noqa: PLC0415

    config = load_config(args.userdir, args.config, args.overrides)
    cgroups = open_cgroups(str(config["job"]["cgroups"]))
    sandbox = open_sandbox(str(config["job"]["sandbox"]))  # require on a host that cannot: a UserError (exit 2)
    print(f"local mode isolation: {sandbox.level(cgroup=cgroups is not None)}")
    print(f"local mode limits: {'a cgroup per job (memory, CPU set)' if cgroups else 'process-tree watchdog'}")
    print(f"docker mode isolation: {_docker(config)}")
    return 0


def _docker(config) -> str:
    try:
        from amlb.environments.docker_image import docker_client  # noqa: PLC0415

        docker_client().ping()
    except Exception as e:  # noqa: BLE001 - no SDK, no engine, no permission: say which
        return f"unavailable ({str(e).splitlines()[0][:120] if str(e) else type(e).__name__})"
    from amlb.execution.docker_executor import isolation  # noqa: PLC0415

    return isolation(str(config["docker"]["network"]))
