"""Docker mode: the network settings of the check's job containers, read from the engine while they run.

The executor removes each container after its job, so a watcher polls the engine for
containers of the framework (by the executor's labels) during the run and keeps, per job
directory, the container's network mode and the networks it is attached to.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from amlb.execution.docker_executor import LABEL

POLL_S = 0.2


@dataclass(frozen=True)
class ContainerNetwork:
    mode: str  # HostConfig.NetworkMode
    networks: tuple[str, ...]  # NetworkSettings.Networks

    @property
    def isolated(self) -> bool:
        return self.mode == "none" and set(self.networks) <= {"none"}


class ContainerWatcher(threading.Thread):
    """Polls the engine for the framework's job containers; ``seen`` maps a job directory to its network."""

    def __init__(self, client: Any, framework: str):
        super().__init__(daemon=True, name="amlb-check-containers")
        self.client, self.framework = client, framework
        self.seen: dict[str, ContainerNetwork] = {}
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.poll()
            self.stopped.wait(POLL_S)

    def poll(self) -> None:
        try:
            containers = self.client.api.containers(filters={"label": f"{LABEL}.framework={self.framework}"})
        except Exception:  # noqa: BLE001 - the engine is busy: try again
            return
        for c in containers:
            try:
                info = self.client.api.inspect_container(c["Id"])
            except Exception:  # noqa: BLE001 - removed meanwhile
                continue
            job_dirs = [b.split(":")[0] for b in (info.get("HostConfig", {}).get("Binds") or []) if "/jobs/" in b]
            network = ContainerNetwork(str(info.get("HostConfig", {}).get("NetworkMode", "")),
                                       tuple(sorted((info.get("NetworkSettings", {}).get("Networks") or {}).keys())))
            for job_dir in job_dirs:
                self.seen.setdefault(job_dir.rstrip("/"), network)

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)
