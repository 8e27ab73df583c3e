"""What the runner hands to the energy accountant, and the columns it gets back."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Energy columns every results row carries (``energy_<phase>_kwh`` are added where phases are known).
ENERGY_COLUMNS: tuple[str, ...] = (
    "energy_cpu_kwh", "energy_ram_kwh", "energy_gpu_kwh", "energy_kwh", "co2e_kg",
    "energy_method", "energy_estimated", "carbon_intensity_g_per_kwh", "carbon_intensity_source",
    "pue", "country", "region",
)

#: Method labels of the energy of one component (CPU, RAM, GPU).
METHOD_RAPL = "rapl"        # measured: Intel/AMD RAPL counters
METHOD_NVML = "nvml"        # measured: NVIDIA NVML energy counters
METHOD_TDP = "model:tdp"    # CPU power from codecarbon's TDP database (or its 4 W/thread default)
METHOD_RAM_MODEL = "model:ram"  # RAM power from codecarbon's DIMM model
METHOD_USER = "user"        # powers set in the configuration
METHOD_NONE = "none"        # no figure (e.g. a GPU without energy counters)
MEASURED_METHODS = frozenset({METHOD_RAPL, METHOD_NVML})


@dataclass(frozen=True)
class EnergyConfig:
    """How to turn resource use into energy and CO2e (config section ``energy``)."""

    country: str | None = None  # ISO 3166 alpha-3, e.g. "DEU"
    region: str | None = None  # e.g. "california" where codecarbon has regional data
    carbon_intensity_g_per_kwh: float | None = None  # user override (source "user")
    pue: float = 1.0
    cpu_power_w: float | None = None  # CPU power of the whole machine (all packages); overrides the TDP database
    ram_power_w_per_gb: float | None = None  # None: codecarbon's RAM model
    gpu: bool = True  # read NVML when present

    @classmethod
    def from_mapping(cls, section: Mapping[str, Any]) -> EnergyConfig:
        """Build from the ``energy`` config section; unknown keys are ignored."""
        names = cls.__dataclass_fields__.keys()
        values = {k: v for k, v in section.items() if k in names}
        if values.get("pue") is not None:
            values["pue"] = float(values["pue"])
        elif "pue" in values:
            del values["pue"]
        return cls(**values)


@dataclass
class ResourceUsage:
    """Resources one job used, measured exactly by the runner core."""

    wall_s: float
    cpu_user_s: float
    cpu_sys_s: float
    peak_rss_mb: float | None
    cores_allotted: int
    memory_limit_mb: int | None
    #: per phase (``fit``, ``predict``, ...): ``{"wall_s": .., "cpu_s": ..}``; may be empty
    phases: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def cpu_s(self) -> float:
        return max(0.0, float(self.cpu_user_s or 0.0)) + max(0.0, float(self.cpu_sys_s or 0.0))
