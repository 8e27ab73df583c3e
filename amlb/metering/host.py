"""The host record: what machine ran the jobs, and which power model its energy figures use."""
from __future__ import annotations

import os
import platform
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from amlb.metering.api import EnergyConfig
from amlb.metering.nvml import NvmlReader
from amlb.metering.power_model import build_power_model
from amlb.metering.rapl import POWERCAP_ROOT, RaplReader


@dataclass
class HostInfo:
    """Hardware and software of the machine, its energy sources and power model.

    :class:`~amlb.metering.accountant.EnergyAccountant` fills :attr:`power_model` and
    :attr:`carbon` with what it actually uses (user overrides included).
    """

    cpu_model: str
    cores: int  # logical CPUs
    physical_cores: int | None
    sockets: int
    ram_gb: float
    gpus: list[dict[str, Any]]
    virtualisation: str  # "none", "KVM", "docker container on KVM", ...
    os: str
    arch: str
    python: str
    codecarbon: str
    rapl: dict[str, Any]  # available, zones, reason
    nvml: dict[str, Any]  # available, reason
    power_model: dict[str, Any] = field(default_factory=dict)
    carbon: dict[str, Any] = field(default_factory=dict)
    rapl_reader: RaplReader | None = field(default=None, repr=False, compare=False)
    nvml_reader: NvmlReader | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record (the readers are left out)."""
        return {k: v for k, v in self.__dict__.items() if not k.endswith("_reader")}

    @property
    def is_arm(self) -> bool:
        return self.arch.lower().startswith(("arm", "aarch"))


def _read(path: str | Path) -> str:
    try:
        return Path(path).read_text(errors="replace")
    except OSError:
        return ""


@lru_cache(maxsize=1)
def _cpu_facts() -> tuple[str, int | None, int, set[str]]:
    """CPU model, physical cores, sockets, flags (from /proc/cpuinfo; read once per process)."""
    model, flags = "", set()
    packages: set[str] = set()
    cores: set[tuple[str, str]] = set()
    package = "0"
    for line in _read("/proc/cpuinfo").splitlines():
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key in ("model name", "Model", "cpu model") and not model:
            model = value
        elif key == "physical id":
            package = value
            packages.add(value)
        elif key == "core id":
            cores.add((package, value))
        elif key in ("flags", "Features") and not flags:
            flags = set(value.split())
    model = model or platform.processor() or platform.machine()
    return model, (len(cores) or None), max(1, len(packages)), flags


@lru_cache(maxsize=1)
def _ram_gb() -> float:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 2**20, 2)
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 2)
    except (ValueError, OSError, AttributeError):
        return 0.0


def _virtualisation(flags: set[str]) -> str:
    parts: list[str] = []
    cgroup = _read("/proc/1/cgroup")
    if Path("/.dockerenv").exists() or "docker" in cgroup:
        parts.append("docker container")
    elif Path("/run/.containerenv").exists():
        parts.append("podman container")
    elif "kubepods" in cgroup or os.environ.get("KUBERNETES_SERVICE_HOST"):
        parts.append("kubernetes container")
    elif "lxc" in cgroup:
        parts.append("lxc container")
    hypervisor = ""
    if "hypervisor" in flags or Path("/sys/hypervisor/type").exists():
        vendor = " ".join(_read(f"/sys/class/dmi/id/{f}").strip() for f in ("sys_vendor", "product_name")).strip()
        hypervisor = vendor or _read("/sys/hypervisor/type").strip() or "virtual machine"
    if parts and hypervisor:
        return f"{parts[0]} on {hypervisor}"
    return parts[0] if parts else (hypervisor or "none")


@lru_cache(maxsize=1)
def _os_name() -> str:
    pretty = ""
    for line in _read("/etc/os-release").splitlines():
        if line.startswith("PRETTY_NAME="):
            pretty = line.split("=", 1)[1].strip().strip('"')
    return f"{platform.system()} {platform.release()}" + (f" ({pretty})" if pretty else "")


def _codecarbon_version() -> str:
    try:
        from importlib.metadata import version

        return version("codecarbon")
    except Exception:  # noqa: BLE001
        return "not installed"


def describe_host(cfg: EnergyConfig | None = None, powercap_root: Path | None = None,
                  nvml_lib: Any | None = None) -> HostInfo:
    """Describe this machine: CPU, cores, RAM, GPUs, virtualisation, OS, RAPL/NVML, power model.

    Parameters
    ----------
    cfg
        Energy settings (user powers, ``gpu``); None: defaults (codecarbon's models).
    powercap_root
        Where RAPL zones are looked for (default ``/sys/class/powercap``).
    nvml_lib
        An NVML binding to use instead of ``pynvml``.
    """
    cfg = cfg or EnergyConfig()
    model, physical, sockets, flags = _cpu_facts()
    logical = os.cpu_count() or 1
    ram = _ram_gb()
    rapl = RaplReader(powercap_root or POWERCAP_ROOT)
    nvml = NvmlReader(nvml_lib, enabled=cfg.gpu)
    arch = platform.machine()
    power = build_power_model(cfg, model, logical, sockets, ram, arm=arch.lower().startswith(("arm", "aarch")))
    return HostInfo(
        cpu_model=model, cores=logical, physical_cores=physical, sockets=sockets, ram_gb=ram,
        gpus=[{"index": d.index, "name": d.name, "memory_gb": d.memory_gb, "energy_counter": d.energy_counter}
              for d in nvml.devices],
        virtualisation=_virtualisation(flags), os=_os_name(), arch=arch,
        python=sys.version.split()[0], codecarbon=_codecarbon_version(),
        rapl={"available": rapl.available, "zones": [f"{z.path.name} ({z.name})" for z in rapl.zones],
              "reason": rapl.reason},
        nvml={"available": nvml.available, "reason": nvml.reason},
        power_model=power.to_dict(), rapl_reader=rapl, nvml_reader=nvml)
